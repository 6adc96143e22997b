/**
 * Reads a Parquet file back for the export tests with hyparquet (an
 * independent, maintained reader): row count, the schema as a tree with
 * parquet.thrift's numeric codes (type BYTE_ARRAY 6, INT64 2, DOUBLE 5,
 * BOOLEAN 0; repetition REQUIRED 0, OPTIONAL 1, REPEATED 2; converted UTF8 0,
 * LIST 3), each leaf column's path, and the rows.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

export interface PqSchemaNode { name: string; type: number | null; repetition: number; convertedType: number | null; children: PqSchemaNode[] }

const TYPE: Record<string, number> = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 };
const REP: Record<string, number> = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 };
const CONV: Record<string, number> = { UTF8: 0, MAP: 1, MAP_KEY_VALUE: 2, LIST: 3, ENUM: 4, DECIMAL: 5, JSON: 19 };

export async function readParquet(b: Uint8Array): Promise<{ numRows: number; schema: PqSchemaNode; columns: { path: string[] }[]; rows: Record<string, unknown>[] }> {
  const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  let i = 0;
  const node = (): PqSchemaNode => {
    const e = meta.schema[i++]!;
    const n: PqSchemaNode = {
      name: e.name, type: e.type === undefined ? null : TYPE[e.type]!, repetition: e.repetition_type === undefined ? 0 : REP[e.repetition_type]!,
      convertedType: e.converted_type === undefined ? null : CONV[e.converted_type] ?? -1, children: [],
    };
    for (let k = 0; k < (e.num_children ?? 0); k++) n.children.push(node());
    return n;
  };
  return {
    numRows: Number(meta.num_rows),
    schema: node(),
    columns: meta.row_groups[0]!.columns.map((c) => ({ path: c.meta_data!.path_in_schema })),
    rows: await parquetReadObjects({ file }),
  };
}
