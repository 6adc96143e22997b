/**
 * A minimal Parquet writer and reader (no dependency): one row group, one
 * PLAIN-encoded uncompressed data page (v1) per column, RLE levels, Thrift
 * compact protocol footer. Enough for verl's data files (strings, int64,
 * doubles, booleans, required structs, and top-level lists of primitives or
 * structs). Reference: apache/parquet-format (parquet.thrift, Encodings.md).
 */
export type PqField =
  | { name: string; kind: 'string' | 'int64' | 'double' | 'bool' }
  | { name: string; kind: 'struct'; fields: PqField[] }
  | { name: string; kind: 'list'; element: PqField };

const T = { BOOLEAN: 0, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const PHYS: Record<string, number> = { string: T.BYTE_ARRAY, int64: T.INT64, double: T.DOUBLE, bool: T.BOOLEAN };
const REQUIRED = 0, REPEATED = 2;
const CONVERTED_UTF8 = 0, CONVERTED_LIST = 3;
const ENC_PLAIN = 0, ENC_RLE = 3;

// ---------- Thrift compact protocol ----------
const CT = { STOP: 0, TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 } as const;

type TVal = { t: 'i32' | 'i64'; v: number | bigint } | { t: 'bin'; v: string | Uint8Array } | { t: 'bool'; v: boolean } | { t: 'struct'; v: TStruct } | { t: 'list'; elem: number; v: TVal[] };
type TStruct = [number, TVal][];

class Out {
  private parts: number[] = [];
  byte(b: number) { this.parts.push(b & 0xff); }
  varint(n: bigint) { let x = n; while (x >= 0x80n) { this.byte(Number(x & 0x7fn) | 0x80); x >>= 7n; } this.byte(Number(x)); }
  zigzag(n: number | bigint) { const x = BigInt(n); this.varint(x >= 0n ? x << 1n : ((-x) << 1n) - 1n); }
  bytes(b: Uint8Array) { for (const x of b) this.parts.push(x); }
  get u8() { return Uint8Array.from(this.parts); }
}

function ctype(v: TVal): number {
  switch (v.t) {
    case 'i32': return CT.I32; case 'i64': return CT.I64; case 'bin': return CT.BINARY;
    case 'bool': return v.v ? CT.TRUE : CT.FALSE; case 'struct': return CT.STRUCT; case 'list': return CT.LIST;
  }
}

function writeValue(o: Out, v: TVal, inList: boolean): void {
  switch (v.t) {
    case 'i32': case 'i64': o.zigzag(v.v); break;
    case 'bin': { const b = typeof v.v === 'string' ? Buffer.from(v.v, 'utf8') : v.v; o.varint(BigInt(b.length)); o.bytes(b); break; }
    case 'bool': if (inList) o.byte(v.v ? 1 : 2); break;
    case 'struct': writeStruct(o, v.v); break;
    case 'list': {
      const et = v.elem;
      if (v.v.length < 15) o.byte((v.v.length << 4) | et); else { o.byte(0xf0 | et); o.varint(BigInt(v.v.length)); }
      for (const e of v.v) writeValue(o, e, true);
    }
  }
}

function writeStruct(o: Out, s: TStruct): void {
  let last = 0;
  for (const [id, v] of s) {
    const d = id - last;
    if (d > 0 && d <= 15) o.byte((d << 4) | ctype(v)); else { o.byte(ctype(v)); o.zigzag(id); }
    writeValue(o, v, false);
    last = id;
  }
  o.byte(CT.STOP);
}

export function encodeThrift(s: TStruct): Uint8Array { const o = new Out(); writeStruct(o, s); return o.u8; }

/** Generic compact-protocol decoder: struct → Map(fieldId → value); lists → arrays; binary → Uint8Array. */
export class ThriftReader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  private varint(): bigint { let r = 0n, s = 0n; for (;;) { const x = this.b[this.pos++]!; r |= BigInt(x & 0x7f) << s; if (!(x & 0x80)) return r; s += 7n; } }
  private zigzag(): bigint { const n = this.varint(); return (n >> 1n) ^ -(n & 1n); }
  private value(t: number): unknown {
    switch (t) {
      case CT.TRUE: return true; case CT.FALSE: return false;
      case CT.BYTE: return this.b[this.pos++]!;
      case CT.I16: case CT.I32: return Number(this.zigzag());
      case CT.I64: return this.zigzag();
      case CT.DOUBLE: { const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true); this.pos += 8; return v; }
      case CT.BINARY: { const n = Number(this.varint()); const v = this.b.subarray(this.pos, this.pos + n); this.pos += n; return v; }
      case CT.LIST: case CT.SET: {
        const h = this.b[this.pos++]!; let n = h >> 4; const et = h & 0x0f;
        if (n === 15) n = Number(this.varint());
        return Array.from({ length: n }, () => (et === CT.TRUE || et === CT.FALSE ? this.b[this.pos++] === 1 : this.value(et)));
      }
      case CT.STRUCT: return this.struct();
      default: throw new Error(`thrift: unsupported compact type ${t}`);
    }
  }
  struct(): Map<number, unknown> {
    const m = new Map<number, unknown>();
    let last = 0;
    for (;;) {
      const h = this.b[this.pos++]!;
      if (h === CT.STOP) return m;
      const d = h >> 4, t = h & 0x0f;
      const id = d ? last + d : Number(this.zigzag());
      m.set(id, this.value(t));
      last = id;
    }
  }
}

// ---------- levels (RLE runs, bit width ≤ 8) ----------
function encodeLevels(levels: number[], maxLevel: number): Uint8Array {
  const o = new Out();
  const width = Math.ceil(Math.log2(maxLevel + 1));
  for (let i = 0; i < levels.length;) {
    let j = i; while (j < levels.length && levels[j] === levels[i]) j++;
    o.varint(BigInt((j - i) << 1)); // RLE run header
    if (width > 0) o.byte(levels[i]!);
    i = j;
  }
  const body = o.u8;
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

function decodeLevels(b: Uint8Array, pos: number, n: number, maxLevel: number): { levels: number[]; end: number } {
  const len = new DataView(b.buffer, b.byteOffset + pos, 4).getUint32(0, true);
  const width = Math.ceil(Math.log2(maxLevel + 1));
  const levels: number[] = [];
  const raw = b.subarray(pos + 4, pos + 4 + len);
  let p = 0;
  const varint = () => { let x = 0, s = 0; for (;;) { const c = raw[p++]!; x |= (c & 0x7f) << s; if (!(c & 0x80)) return x; s += 7; } };
  while (levels.length < n && p < raw.length) {
    const h = varint();
    if (h & 1) { // bit-packed groups of 8
      const groups = h >> 1;
      for (let g = 0; g < groups * width; g++) { const byte = raw[p++]!; for (let k = 0; k < 8; k += width) levels.push((byte >> k) & ((1 << width) - 1)); }
    } else {
      const count = h >> 1; const v = width > 0 ? raw[p++]! : 0;
      for (let k = 0; k < count; k++) levels.push(v);
    }
  }
  return { levels: levels.slice(0, n), end: pos + 4 + len };
}

// ---------- schema flattening ----------
interface Leaf { path: string[]; kind: 'string' | 'int64' | 'double' | 'bool'; maxRep: number; maxDef: number; get: (row: Record<string, unknown>) => { values: unknown[]; rep: number[]; def: number[] } }

function schemaElements(fields: PqField[]): TStruct[] {
  const out: TStruct[] = [[[4, { t: 'bin', v: 'schema' }], [5, { t: 'i32', v: fields.length }]]];
  const walk = (f: PqField, name = f.name) => {
    if (f.kind === 'struct') { out.push([[3, { t: 'i32', v: REQUIRED }], [4, { t: 'bin', v: name }], [5, { t: 'i32', v: f.fields.length }]]); f.fields.forEach((c) => walk(c)); }
    else if (f.kind === 'list') {
      out.push([[3, { t: 'i32', v: REQUIRED }], [4, { t: 'bin', v: name }], [5, { t: 'i32', v: 1 }], [6, { t: 'i32', v: CONVERTED_LIST }]]);
      out.push([[3, { t: 'i32', v: REPEATED }], [4, { t: 'bin', v: 'list' }], [5, { t: 'i32', v: 1 }]]);
      walk(f.element, 'element');
    } else {
      const e: TStruct = [[1, { t: 'i32', v: PHYS[f.kind]! }], [3, { t: 'i32', v: REQUIRED }], [4, { t: 'bin', v: name }]];
      if (f.kind === 'string') e.push([6, { t: 'i32', v: CONVERTED_UTF8 }]);
      out.push(e);
    }
  };
  fields.forEach((f) => walk(f));
  return out;
}

function leaves(fields: PqField[]): Leaf[] {
  const out: Leaf[] = [];
  const prim = (f: PqField, path: string[], access: (x: unknown) => unknown, inList: string | null) => {
    if (f.kind === 'struct') { for (const c of f.fields) prim(c, [...path, c.name], (x) => (access(x) as Record<string, unknown>)[c.name], inList); return; }
    if (f.kind === 'list') throw new Error('parquet: nested lists are not supported');
    const kind = f.kind;
    if (inList === null) out.push({ path, kind, maxRep: 0, maxDef: 0, get: (row) => ({ values: [access(row)], rep: [], def: [] }) });
    else {
      const listName = inList;
      out.push({ path, kind, maxRep: 1, maxDef: 1, get: (row) => {
        const arr = row[listName] as unknown[];
        if (!Array.isArray(arr)) throw new Error(`parquet: field ${listName} must be an array`);
        if (arr.length === 0) return { values: [], rep: [0], def: [0] };
        return { values: arr.map((e) => access(e)), rep: arr.map((_, i) => (i === 0 ? 0 : 1)), def: arr.map(() => 1) };
      } });
    }
  };
  for (const f of fields) {
    if (f.kind === 'list') {
      const el = f.element;
      prim(el, [f.name, 'list', 'element'], (x) => x, f.name);
    } else prim(f, [f.name], (row) => (row as Record<string, unknown>)[f.name], null);
  }
  return out;
}

function plainValues(kind: Leaf['kind'], values: unknown[], path: string[]): Uint8Array {
  const o = new Out();
  for (const v of values) {
    if (kind === 'string') {
      if (typeof v !== 'string') throw new Error(`parquet: ${path.join('.')} must be a string, got ${typeof v}`);
      const b = Buffer.from(v, 'utf8'); const l = new Uint8Array(4); new DataView(l.buffer).setUint32(0, b.length, true); o.bytes(l); o.bytes(b);
    } else if (kind === 'int64') { const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, BigInt(v as number), true); o.bytes(b); }
    else if (kind === 'double') { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, Number(v), true); o.bytes(b); }
  }
  if (kind === 'bool') { const b = new Uint8Array(Math.ceil(values.length / 8)); values.forEach((v, i) => { if (v) b[i >> 3]! |= 1 << (i & 7); }); return b; }
  return o.u8;
}

/** Encodes rows as a Parquet file (one row group). */
export function encodeParquet(fields: PqField[], rows: Record<string, unknown>[]): Uint8Array {
  const chunks: Uint8Array[] = [Buffer.from('PAR1')];
  let offset = 4;
  const columns: TStruct[] = [];
  for (const leaf of leaves(fields)) {
    const values: unknown[] = [], rep: number[] = [], def: number[] = [];
    for (const row of rows) { const r = leaf.get(row); values.push(...r.values); rep.push(...r.rep); def.push(...r.def); }
    const numValues = leaf.maxRep > 0 ? rep.length : values.length;
    const body = Buffer.concat([
      ...(leaf.maxRep > 0 ? [encodeLevels(rep, leaf.maxRep)] : []),
      ...(leaf.maxDef > 0 ? [encodeLevels(def, leaf.maxDef)] : []),
      plainValues(leaf.kind, values, leaf.path),
    ]);
    const header = encodeThrift([
      [1, { t: 'i32', v: 0 }], [2, { t: 'i32', v: body.length }], [3, { t: 'i32', v: body.length }],
      [5, { t: 'struct', v: [[1, { t: 'i32', v: numValues }], [2, { t: 'i32', v: ENC_PLAIN }], [3, { t: 'i32', v: ENC_RLE }], [4, { t: 'i32', v: ENC_RLE }]] }],
    ]);
    const size = header.length + body.length;
    columns.push([
      [2, { t: 'i64', v: BigInt(offset) }],
      [3, { t: 'struct', v: [
        [1, { t: 'i32', v: PHYS[leaf.kind]! }],
        [2, { t: 'list', elem: CT.I32, v: [{ t: 'i32', v: ENC_PLAIN }, { t: 'i32', v: ENC_RLE }] }],
        [3, { t: 'list', elem: CT.BINARY, v: leaf.path.map((p) => ({ t: 'bin' as const, v: p })) }],
        [4, { t: 'i32', v: 0 }],
        [5, { t: 'i64', v: BigInt(numValues) }], [6, { t: 'i64', v: BigInt(size) }], [7, { t: 'i64', v: BigInt(size) }],
        [9, { t: 'i64', v: BigInt(offset) }],
      ] }],
    ]);
    chunks.push(header, body);
    offset += size;
  }
  const total = offset - 4;
  const meta = encodeThrift([
    [1, { t: 'i32', v: 1 }],
    [2, { t: 'list', elem: CT.STRUCT, v: schemaElements(fields).map((s) => ({ t: 'struct' as const, v: s })) }],
    [3, { t: 'i64', v: BigInt(rows.length) }],
    [4, { t: 'list', elem: CT.STRUCT, v: [{ t: 'struct', v: [
      [1, { t: 'list', elem: CT.STRUCT, v: columns.map((c) => ({ t: 'struct' as const, v: c })) }],
      [2, { t: 'i64', v: BigInt(total) }], [3, { t: 'i64', v: BigInt(rows.length) }],
    ] }] }],
    [6, { t: 'bin', v: 'clipo-workbench parquet writer' }],
  ]);
  const len = new Uint8Array(4); new DataView(len.buffer).setUint32(0, meta.length, true);
  chunks.push(meta, len, Buffer.from('PAR1'));
  return Buffer.concat(chunks);
}

// ---------- reader ----------
export interface PqSchemaNode { name: string; type: number | null; repetition: number; convertedType: number | null; children: PqSchemaNode[] }
export interface PqFile { schema: PqSchemaNode; numRows: number; columns: { path: string[]; type: number; values: unknown[]; rep: number[]; def: number[] }[]; rows: Record<string, unknown>[] }

const dec = new TextDecoder();

export function readParquet(b: Uint8Array): PqFile {
  const magic = (o: number) => dec.decode(b.subarray(o, o + 4));
  if (magic(0) !== 'PAR1' || magic(b.length - 4) !== 'PAR1') throw new Error('not a Parquet file');
  const metaLen = new DataView(b.buffer, b.byteOffset + b.length - 8, 4).getUint32(0, true);
  const meta = new ThriftReader(b.subarray(b.length - 8 - metaLen, b.length - 8)).struct();
  const els = meta.get(2) as Map<number, unknown>[];
  let i = 0;
  const node = (): PqSchemaNode => {
    const e = els[i++]!;
    const n: PqSchemaNode = { name: dec.decode(e.get(4) as Uint8Array), type: (e.get(1) as number | undefined) ?? null, repetition: (e.get(3) as number | undefined) ?? 0, convertedType: (e.get(6) as number | undefined) ?? null, children: [] };
    for (let k = 0; k < ((e.get(5) as number | undefined) ?? 0); k++) n.children.push(node());
    return n;
  };
  const schema = node();
  const numRows = Number(meta.get(3) as bigint);
  const rg = (meta.get(4) as Map<number, unknown>[])[0]!;
  const columns = (rg.get(1) as Map<number, unknown>[]).map((cc) => {
    const md = cc.get(3) as Map<number, unknown>;
    const path = (md.get(3) as Uint8Array[]).map((p) => dec.decode(p));
    const type = md.get(1) as number;
    let pos = Number(md.get(9) as bigint);
    const tr = new ThriftReader(b.subarray(pos));
    const ph = tr.struct();
    pos += tr.pos;
    const dph = ph.get(5) as Map<number, unknown>;
    const n = dph.get(1) as number;
    const end = pos + (ph.get(3) as number);
    // max levels from the schema path
    let maxRep = 0, maxDef = 0, cur = schema;
    for (const p of path) { cur = cur.children.find((c) => c.name === p)!; if (cur.repetition === REPEATED) { maxRep++; maxDef++; } else if (cur.repetition === 1) maxDef++; }
    let rep: number[] = [], def: number[] = [];
    if (maxRep > 0) { const r = decodeLevels(b, pos, n, maxRep); rep = r.levels; pos = r.end; }
    if (maxDef > 0) { const r = decodeLevels(b, pos, n, maxDef); def = r.levels; pos = r.end; }
    const count = maxDef > 0 ? def.filter((d) => d === maxDef).length : n;
    const values: unknown[] = [];
    const dv = new DataView(b.buffer, b.byteOffset);
    for (let k = 0; k < count; k++) {
      if (type === T.BYTE_ARRAY) { const l = dv.getUint32(pos, true); values.push(dec.decode(b.subarray(pos + 4, pos + 4 + l))); pos += 4 + l; }
      else if (type === T.INT64) { values.push(dv.getBigInt64(pos, true)); pos += 8; }
      else if (type === T.DOUBLE) { values.push(dv.getFloat64(pos, true)); pos += 8; }
      else if (type === T.BOOLEAN) { values.push(((b[pos + (k >> 3)]! >> (k & 7)) & 1) === 1); }
      else throw new Error(`parquet reader: unsupported physical type ${type}`);
    }
    if (pos > end && type !== T.BOOLEAN) throw new Error(`parquet reader: column ${path.join('.')} overruns its page`);
    return { path, type, values, rep, def };
  });
  // Reassemble rows (required fields; top-level lists of primitives or structs).
  const rows: Record<string, unknown>[] = Array.from({ length: numRows }, () => ({}));
  for (const c of columns) {
    if (c.rep.length === 0) {
      c.values.forEach((v, r) => setPath(rows[r]!, c.path, v));
    } else {
      const [top, , , ...rest] = c.path; // top.list.element.rest
      let r = -1, vi = 0;
      const idx: number[] = [];
      c.rep.forEach((lv, k) => {
        if (lv === 0) { r++; idx[r] = 0; (rows[r]![top!] as unknown[] | undefined) ?? (rows[r]![top!] = []); }
        if (c.def[k] === 0) return;
        const arr = rows[r]![top!] as Record<string, unknown>[];
        const e = idx[r]!++;
        if (rest.length === 0) arr[e] = c.values[vi++] as Record<string, unknown>;
        else { arr[e] ??= {}; setPath(arr[e]!, rest, c.values[vi++]); }
      });
    }
  }
  return { schema, numRows, columns, rows };
}

function setPath(o: Record<string, unknown>, path: string[], v: unknown): void {
  let cur = o;
  for (let k = 0; k < path.length - 1; k++) cur = (cur[path[k]!] ??= {}) as Record<string, unknown>;
  cur[path.at(-1)!] = v;
}
