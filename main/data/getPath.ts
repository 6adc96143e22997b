// Reads a nested field by a dotted path ("reward_model.ground_truth",
// "prompt.0.content"): numeric segments index arrays. Returns undefined for a
// missing segment rather than throwing, so the importer can report which field.

export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) return undefined;
      cur = cur[Number(seg)];
    } else {
      // Own properties only: a path like "constructor" must not reach the prototype.
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}
