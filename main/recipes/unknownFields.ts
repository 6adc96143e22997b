/**
 * Names the fields a recipe may hold, so a misspelled key ("learningRate",
 * "optim.lrr") is refused with a suggestion instead of being dropped silently
 * (the schema is strict: zod reports `unrecognized_keys` with the path).
 */
import type { z } from 'zod';

interface Def { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; element?: z.ZodType }
const defOf = (s: z.ZodType): Def => (s as unknown as { def: Def }).def;

/** The object schemas a value at `path` may be checked against (several for a union). */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[]): Def[] {
  let d = defOf(schema);
  while (d.innerType && (d.type === 'optional' || d.type === 'default' || d.type === 'prefault' || d.type === 'nullable')) d = defOf(d.innerType);
  if (d.type === 'union' && d.options) return d.options.flatMap((o) => objectsAt(o, path));
  if (path.length === 0) return d.type === 'object' ? [d] : [];
  const [head, ...rest] = path;
  if (d.type === 'object' && d.shape && typeof head === 'string' && head in d.shape) return objectsAt(d.shape[head]!, rest);
  if (d.type === 'array' && d.element && typeof head === 'number') return objectsAt(d.element, rest);
  return [];
}

export function knownFieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))];
}

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive; names are short. */
function distance(a: string, b: string): number {
  a = a.toLowerCase(); b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name the user most likely meant: one the key abbreviates or
 * extends ("temp" → temperature), else the nearest within a third of the
 * key's length (at least 1 edit); none when nothing is that close.
 */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  if (k.length >= 3) {
    const byPrefix = known.filter((n) => n.toLowerCase().startsWith(k) || k.startsWith(n.toLowerCase()));
    if (byPrefix.length) return byPrefix.sort((x, y) => Math.abs(x.length - k.length) - Math.abs(y.length - k.length))[0];
  }
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of known) {
    const dist = distance(key, n);
    if (dist < bestD) { best = n; bestD = dist; }
  }
  return bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}
