/** Dotted-path differences between several recipes, for the compare view. Pure. */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = value;
  return out;
}

export function recipeDiff(recipes: Record<string, unknown>): { path: string; values: Record<string, unknown> }[] {
  const flat = Object.fromEntries(Object.entries(recipes).map(([id, r]) => [id, flatten(r)]));
  const paths = new Set(Object.values(flat).flatMap((f) => Object.keys(f)));
  const out: { path: string; values: Record<string, unknown> }[] = [];
  for (const path of [...paths].sort()) {
    const values = Object.fromEntries(Object.entries(flat).map(([id, f]) => [id, f[path]]));
    const distinct = new Set(Object.values(values).map((v) => JSON.stringify(v)));
    if (distinct.size > 1) out.push({ path, values });
  }
  return out;
}
