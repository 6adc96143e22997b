/**
 * Minimal GGUF v3 writer: metadata + tensors, written atomically (temp + rename).
 * Does not stream: the whole file is assembled in memory (fine for tiny models
 * and adapters; large models are never written by the product).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, rmSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgmlType, GgufValueType, type GgmlTypeName, type GgufValue } from './ggufTypes.js';

export interface GgufTensorInput {
  name: string;
  /** ggml ne order: ne[0] is the contiguous (fastest) dimension. */
  shape: number[];
  type: GgmlTypeName;
  /** raw little-endian bytes of the tensor in `type` */
  data: Uint8Array;
}

const scalarIds: Record<string, number> = {
  u8: GgufValueType.UINT8, i8: GgufValueType.INT8, u16: GgufValueType.UINT16, i16: GgufValueType.INT16,
  u32: GgufValueType.UINT32, i32: GgufValueType.INT32, f32: GgufValueType.FLOAT32, bool: GgufValueType.BOOL,
  string: GgufValueType.STRING, u64: GgufValueType.UINT64, i64: GgufValueType.INT64, f64: GgufValueType.FLOAT64,
};

class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void { this.chunks.push(b); this.length += b.length; }
  num(kind: string, v: number | bigint | boolean): void {
    const dv = new DataView(new ArrayBuffer(8));
    let n = 0;
    switch (kind) {
      case 'u8': dv.setUint8(0, Number(v)); n = 1; break;
      case 'i8': dv.setInt8(0, Number(v)); n = 1; break;
      case 'bool': dv.setUint8(0, v ? 1 : 0); n = 1; break;
      case 'u16': dv.setUint16(0, Number(v), true); n = 2; break;
      case 'i16': dv.setInt16(0, Number(v), true); n = 2; break;
      case 'u32': dv.setUint32(0, Number(v), true); n = 4; break;
      case 'i32': dv.setInt32(0, Number(v), true); n = 4; break;
      case 'f32': dv.setFloat32(0, Number(v), true); n = 4; break;
      case 'f64': dv.setFloat64(0, Number(v), true); n = 8; break;
      case 'u64': dv.setBigUint64(0, BigInt(v as number | bigint), true); n = 8; break;
      case 'i64': dv.setBigInt64(0, BigInt(v as number | bigint), true); n = 8; break;
      default: throw new Error(`unknown scalar kind ${kind}`);
    }
    this.push(new Uint8Array(dv.buffer.slice(0, n)));
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.num('u64', BigInt(b.length));
    this.push(b);
  }
  pad(align: number): void {
    const r = this.length % align;
    if (r) this.push(new Uint8Array(align - r));
  }
  concat(): Uint8Array { return Buffer.concat(this.chunks); }
}

export function tensorByteSize(shape: number[], type: GgmlTypeName): number {
  const t = GgmlType[type];
  if (!t) throw new Error(`unknown tensor type ${String(type)}`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape[0]! % t.block !== 0) throw new Error(`ne[0]=${shape[0]} is not a multiple of the ${String(type)} block size ${t.block}`);
  return (n / t.block) * t.bytes;
}

/** Serialise metadata and tensors into GGUF v3 bytes. */
export function encodeGguf(metadata: Record<string, GgufValue>, tensors: GgufTensorInput[]): Uint8Array {
  const s = new ByteSink();
  s.num('u32', GGUF_MAGIC);
  s.num('u32', GGUF_VERSION);
  s.num('u64', BigInt(tensors.length));
  s.num('u64', BigInt(Object.keys(metadata).length));
  for (const [key, v] of Object.entries(metadata)) {
    s.str(key);
    if (v.type === 'array') {
      s.num('u32', GgufValueType.ARRAY);
      s.num('u32', scalarIds[v.elementType]!);
      s.num('u64', BigInt(v.value.length));
      for (const e of v.value) {
        if (v.elementType === 'string') s.str(e as string);
        else s.num(v.elementType, e as number);
      }
    } else {
      s.num('u32', scalarIds[v.type]!);
      if (v.type === 'string') s.str(v.value);
      else s.num(v.type, v.value);
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const size = tensorByteSize(t.shape, t.type);
    if (size !== t.data.length) throw new Error(`tensor ${t.name}: ${t.data.length} bytes given, ${size} expected`);
    s.str(t.name);
    s.num('u32', t.shape.length);
    for (const d of t.shape) s.num('u64', BigInt(d));
    s.num('u32', GgmlType[t.type]!.id);
    s.num('u64', BigInt(offset));
    offsets.push(offset);
    offset += Math.ceil(size / GGUF_DEFAULT_ALIGNMENT) * GGUF_DEFAULT_ALIGNMENT;
  }
  s.pad(GGUF_DEFAULT_ALIGNMENT);
  for (const t of tensors) {
    s.push(t.data);
    s.pad(GGUF_DEFAULT_ALIGNMENT);
  }
  return s.concat();
}

/** Write a GGUF file atomically (temp file + fsync + rename). */
export function writeGguf(path: string, metadata: Record<string, GgufValue>, tensors: GgufTensorInput[]): void {
  const bytes = encodeGguf(metadata, tensors);
  // A random name created with O_EXCL ('wx'): a symlink planted at a predictable name
  // (the old `<path>.tmp-<pid>`) would have redirected the write outside the chosen folder.
  const tmp = `${path}.${randomBytes(12).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx');
  try {
    // writeSync may write less than asked (a nearly full disk): loop, so the next call throws ENOSPC
    // instead of leaving a silently truncated model behind.
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try { renameSync(tmp, path); } catch (err) { rmSync(tmp, { force: true }); throw err; }
}
