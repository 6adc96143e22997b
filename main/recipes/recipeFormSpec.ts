/**
 * Turns the recipe schema into the field list the UI form renders: group,
 * label, help, unit, bounds and default for every scalar leaf. Structured
 * parts (model, data, reward components) have their own UI and are skipped.
 */
import type { z } from 'zod';
import type { RecipeFieldSpec } from '../api/contract/index.js';
import { recipeSchema } from './recipeSchema.js';

type AnySchema = z.ZodType;
interface Def { type: string; innerType?: AnySchema; defaultValue?: unknown; shape?: Record<string, AnySchema>; element?: AnySchema; entries?: Record<string, string> }
const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

export function recipeFormSpec(): RecipeFieldSpec[] {
  const out: RecipeFieldSpec[] = [];
  walk(recipeSchema, '', out);
  return out;
}

function walk(schema: AnySchema, path: string, out: RecipeFieldSpec[]): void {
  const def = defOf(schema);
  if (def.type === 'object' && def.shape) {
    for (const [k, child] of Object.entries(def.shape)) walk(child, path ? `${path}.${k}` : k, out);
    return;
  }
  if ((def.type === 'prefault' || def.type === 'optional') && def.innerType) return walk(def.innerType, path, out);
  if (def.type !== 'default' || !def.innerType) return;
  const meta = schema.meta() as { group?: string; label?: string; help?: string; unit?: string } | undefined;
  if (!meta?.label) return;
  const inner = def.innerType as AnySchema & { minValue?: number | null; maxValue?: number | null; isInt?: boolean; options?: string[] };
  const innerDef = defOf(inner);
  const field: RecipeFieldSpec = {
    path, group: meta.group ?? 'Other', label: meta.label, help: meta.help ?? '', kind: 'string', default: def.defaultValue,
  };
  if (meta.unit) field.unit = meta.unit;
  if (innerDef.type === 'number') {
    field.kind = inner.isInt ? 'integer' : 'number';
    if (inner.minValue != null && Number.isFinite(inner.minValue)) field.min = inner.minValue;
    if (inner.maxValue != null && Number.isFinite(inner.maxValue)) field.max = inner.maxValue;
  } else if (innerDef.type === 'boolean') field.kind = 'boolean';
  else if (innerDef.type === 'enum' && inner.options) { field.kind = 'enum'; field.options = [...inner.options]; }
  else if (innerDef.type === 'array' && innerDef.element) {
    const el = innerDef.element as AnySchema & { options?: string[] };
    if (defOf(el).type === 'enum' && el.options) { field.kind = 'enum-list'; field.options = [...el.options]; }
    else field.kind = 'string-list';
  }
  out.push(field);
}
