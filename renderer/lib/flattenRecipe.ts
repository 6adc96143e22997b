/**
 * A recipe as the wizard's edits (dotted path → leaf value): what "Duplicate"
 * and "Edit and rerun" prefill the wizard with. Arrays are leaves (lists such
 * as LoRA targets or reward components are edited whole). The model and the
 * data are chosen on their own steps, so they are left out.
 */
export function flattenRecipe(recipe: Record<string, unknown>, skip: readonly string[] = ['model', 'data', 'version']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (v: unknown, path: string): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const p = path ? `${path}.${k}` : k;
        if (!skip.includes(p)) walk(x, p);
      }
    } else out[path] = v;
  };
  walk(recipe, '');
  return out;
}
