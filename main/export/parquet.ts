/**
 * Parquet writing for verl's data files with hyparquet-writer (the companion
 * of the hyparquet reader): our field list becomes an explicit Parquet schema
 * (strings as BYTE_ARRAY/UTF8, int64, doubles, booleans, required structs, and
 * lists in the three-level LIST layout pyarrow writes: <name> (LIST) → repeated
 * group `list` → `element`), and rows are shredded by the library.
 * Reference: apache/parquet-format LogicalTypes.md ("Lists").
 */
import { ByteWriter, parquetWrite, type SchemaElement } from 'hyparquet-writer';

export type PqField =
  | { name: string; kind: 'string' | 'int64' | 'double' | 'bool' }
  | { name: string; kind: 'struct'; fields: PqField[] }
  | { name: string; kind: 'list'; element: PqField };

const PRIMITIVE: Record<'string' | 'int64' | 'double' | 'bool', SchemaElement> = {
  string: { name: '', type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int64: { name: '', type: 'INT64' },
  double: { name: '', type: 'DOUBLE' },
  bool: { name: '', type: 'BOOLEAN' },
};

/** Depth-first schema elements of one field (Parquet's flattened schema order). */
function elements(f: PqField): SchemaElement[] {
  if (f.kind === 'struct') {
    return [{ name: f.name, repetition_type: 'REQUIRED', num_children: f.fields.length }, ...f.fields.flatMap(elements)];
  }
  if (f.kind === 'list') {
    return [
      { name: f.name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...elements({ ...f.element, name: 'element' } as PqField),
    ];
  }
  return [{ ...PRIMITIVE[f.kind], name: f.name, repetition_type: 'REQUIRED' }];
}

/** int64 fields take numbers or bigints; Parquet wants bigint. */
function normalise(f: PqField, v: unknown): unknown {
  if (f.kind === 'int64') return typeof v === 'bigint' ? v : BigInt(v as number);
  if (f.kind === 'double') return Number(v);
  if (f.kind === 'struct') {
    const o = (v ?? {}) as Record<string, unknown>;
    return Object.fromEntries(f.fields.map((c) => [c.name, normalise(c, o[c.name])]));
  }
  if (f.kind === 'list') return (v as unknown[]).map((x) => normalise(f.element, x));
  if (f.kind === 'string' && typeof v !== 'string') throw new Error(`parquet: ${f.name} must be a string, got ${typeof v}`);
  return v;
}

/** Encodes rows as a Parquet file (uncompressed, so any reader can open it without a codec). */
export function encodeParquet(fields: PqField[], rows: Record<string, unknown>[]): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema: [{ name: 'schema', num_children: fields.length }, ...fields.flatMap(elements)],
    columnData: fields.map((f) => ({ name: f.name, data: rows.map((r) => normalise(f, r[f.name])) })),
    codec: 'UNCOMPRESSED',
    statistics: false,
    createdBy: 'clipo-workbench (hyparquet-writer)',
  });
  return new Uint8Array(writer.getBuffer());
}
