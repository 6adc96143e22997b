// The columns of a data file as the user sees them: dotted paths to every
// field of the first records, nested objects flattened ("reward_model.ground_truth"),
// arrays of objects by their first element ("prompt.0.content"), arrays of
// plain values as one column (a candidate for choices). Paths use getPath's syntax.

export interface ColumnInfo {
  path: string;
  /** string, number, boolean, array, null, ... as seen in the sample (mixed types joined by |). */
  type: string;
  /** A short example value from the first record that has one. */
  example: string;
}

const MAX_DEPTH = 4;
const MAX_COLUMNS = 200;

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'bigint' ? 'number' : typeof v);

function shortText(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

export function columnsOf(records: readonly unknown[]): ColumnInfo[] {
  const cols = new Map<string, { types: Set<string>; example: string }>();
  const note = (path: string, v: unknown): void => {
    let c = cols.get(path);
    if (!c) {
      if (cols.size >= MAX_COLUMNS) return;
      c = { types: new Set(), example: '' };
      cols.set(path, c);
    }
    c.types.add(typeOf(v));
    if (!c.example && v !== null && v !== undefined && v !== '') c.example = shortText(v);
  };
  const walk = (v: unknown, prefix: string, depth: number): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array) && depth < MAX_DEPTH) {
      for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k, depth + 1);
      return;
    }
    if (Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) && depth < MAX_DEPTH) {
      note(prefix, v); // the whole list (e.g. chat messages) is a column too
      walk(v[0], `${prefix}.0`, depth + 1);
      return;
    }
    if (prefix) note(prefix, v);
  };
  for (const r of records) walk(r, '', 0);
  return [...cols.entries()].map(([path, c]) => ({ path, type: [...c.types].sort().join('|'), example: c.example }));
}
