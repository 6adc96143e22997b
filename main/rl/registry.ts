/** Registry lookup shared by every family: unknown names list the valid ones. */
export function lookup<R extends Record<string, unknown>>(family: string, registry: R, name: string): R[keyof R] {
  if (!Object.prototype.hasOwnProperty.call(registry, name)) {
    throw new Error(`unknown ${family} '${name}'; valid names: ${Object.keys(registry).join(', ')}`);
  }
  return registry[name as keyof R];
}
