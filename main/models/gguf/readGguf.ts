/**
 * GGUF v2/v3 reader for inspecting user models: metadata, tensor table, and a
 * summary (arch, sizes, quant types, tokenizer, chat template). Reads only the
 * header (tensor data is never loaded) and checks that every tensor lies inside
 * the file, so corrupt or truncated files give a clear GgufError.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, ggmlTypeById, type GgufValue } from './ggufTypes.js';

export class GgufError extends Error {
  constructor(message: string, readonly code: 'E_IO' | 'E_FORMAT') {
    super(message);
    this.name = 'GgufError';
  }
}

export interface GgufTensorInfo {
  name: string;
  /** ggml ne order */
  shape: number[];
  type: string;
  /** absolute byte offset in the file */
  offset: number;
  size: number;
}

export interface GgufFile {
  version: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  fileSize: number;
}

const ELEM: Record<number, string> = { 0: 'u8', 1: 'i8', 2: 'u16', 3: 'i16', 4: 'u32', 5: 'i32', 6: 'f32', 7: 'bool', 8: 'string', 10: 'u64', 11: 'i64', 12: 'f64' };
const MAX_HEADER = 1 << 30;

class Cursor {
  private buf = Buffer.alloc(0);
  private base = 0;
  pos = 0;
  constructor(private fd: number, readonly size: number) {}
  private need(n: number): void {
    if (this.pos + n > this.size) throw new GgufError(`truncated GGUF: header needs ${this.pos + n} bytes, file has ${this.size}`, 'E_FORMAT');
    if (this.pos + n > MAX_HEADER) throw new GgufError('GGUF header larger than 1 GiB (corrupt?)', 'E_FORMAT');
    if (this.pos + n <= this.base + this.buf.length) return;
    const want = Math.min(this.size - this.pos, Math.max(n, 4 << 20));
    const b = Buffer.alloc(want);
    readSync(this.fd, b, 0, want, this.pos);
    this.buf = b;
    this.base = this.pos;
  }
  /** advance by n and return the offset in buf; call BEFORE touching this.buf (need() may replace it) */
  private at(n: number): number { this.need(n); const o = this.pos - this.base; this.pos += n; return o; }
  u8(): number { const o = this.at(1); return this.buf.readUInt8(o); }
  i8(): number { const o = this.at(1); return this.buf.readInt8(o); }
  u16(): number { const o = this.at(2); return this.buf.readUInt16LE(o); }
  i16(): number { const o = this.at(2); return this.buf.readInt16LE(o); }
  u32(): number { const o = this.at(4); return this.buf.readUInt32LE(o); }
  i32(): number { const o = this.at(4); return this.buf.readInt32LE(o); }
  f32(): number { const o = this.at(4); return this.buf.readFloatLE(o); }
  f64(): number { const o = this.at(8); return this.buf.readDoubleLE(o); }
  u64(): bigint { const o = this.at(8); return this.buf.readBigUInt64LE(o); }
  i64(): bigint { const o = this.at(8); return this.buf.readBigInt64LE(o); }
  count(what: string): number {
    const v = this.u64();
    if (v > BigInt(this.size)) throw new GgufError(`corrupt GGUF: ${what} count ${v} is larger than the file`, 'E_FORMAT');
    return Number(v);
  }
  str(): string {
    const n = this.count('string length');
    const o = this.at(n);
    return this.buf.toString('utf8', o, o + n);
  }
  scalar(kind: string): number | bigint | boolean | string {
    switch (kind) {
      case 'u8': return this.u8(); case 'i8': return this.i8(); case 'u16': return this.u16(); case 'i16': return this.i16();
      case 'u32': return this.u32(); case 'i32': return this.i32(); case 'f32': return this.f32(); case 'f64': return this.f64();
      case 'bool': return this.u8() !== 0; case 'string': return this.str(); case 'u64': return this.u64(); case 'i64': return this.i64();
    }
    throw new GgufError(`corrupt GGUF: unknown value type ${kind}`, 'E_FORMAT');
  }
}

function readValue(c: Cursor, type: number, key: string): GgufValue {
  if (type === 9) {
    const et = c.u32();
    const kind = ELEM[et];
    if (!kind) throw new GgufError(`corrupt GGUF: key ${key} has array element type ${et}`, 'E_FORMAT');
    const n = c.count(`array ${key}`);
    const value: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) value[i] = c.scalar(kind);
    return { type: 'array', elementType: kind, value } as GgufValue;
  }
  const kind = ELEM[type];
  if (!kind) throw new GgufError(`corrupt GGUF: key ${key} has value type ${type}`, 'E_FORMAT');
  return { type: kind, value: c.scalar(kind) } as GgufValue;
}

/** Read the header and tensor table of a GGUF file. Throws GgufError. */
export function readGguf(path: string): GgufFile {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise block (synchronously, so every API
    // call of the process with it) until a writer appears; the fstat below then refuses it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new GgufError(`cannot open ${path}: ${(e as Error).message}`, 'E_IO');
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new GgufError(`${path} is a folder, not a GGUF file; choose a .gguf file`, 'E_FORMAT');
    if (!st.isFile()) throw new GgufError(`${path} is not a regular file (a pipe, socket or device); choose a .gguf file`, 'E_FORMAT');
    const size = st.size;
    const c = new Cursor(fd, size);
    if (size < 24 || c.u32() !== GGUF_MAGIC) throw new GgufError(`not a GGUF file (bad magic): ${path}`, 'E_FORMAT');
    const version = c.u32();
    if (version !== 2 && version !== 3) throw new GgufError(`unsupported GGUF version ${version}`, 'E_FORMAT');
    const nTensors = c.count('tensor');
    const nKv = c.count('metadata');
    const metadata: Record<string, GgufValue> = {};
    for (let i = 0; i < nKv; i++) {
      const key = c.str();
      metadata[key] = readValue(c, c.u32(), key);
    }
    const rel: { name: string; shape: number[]; type: string; off: number; size: number }[] = [];
    for (let i = 0; i < nTensors; i++) {
      const name = c.str();
      const nd = c.u32();
      if (nd < 1 || nd > 4) throw new GgufError(`corrupt GGUF: tensor ${name} has ${nd} dims`, 'E_FORMAT');
      const shape: number[] = [];
      for (let d = 0; d < nd; d++) shape.push(c.count(`tensor ${name} dim`));
      const tid = c.u32();
      const t = ggmlTypeById(tid);
      if (!t) throw new GgufError(`unknown tensor type ${tid} for ${name}`, 'E_FORMAT');
      const off = Number(c.u64());
      const n = shape.reduce((a, b) => a * b, 1);
      rel.push({ name, shape, type: t.name, off, size: Math.ceil(n / t.block) * t.bytes });
    }
    const alignV = metadata['general.alignment'];
    const align = alignV && alignV.type === 'u32' ? alignV.value : GGUF_DEFAULT_ALIGNMENT;
    const dataStart = Math.ceil(c.pos / align) * align;
    const tensors = rel.map((t) => {
      const offset = dataStart + t.off;
      if (offset + t.size > size) throw new GgufError(`truncated GGUF: tensor ${t.name} ends at ${offset + t.size}, file has ${size} bytes`, 'E_FORMAT');
      return { name: t.name, shape: t.shape, type: t.type, offset, size: t.size };
    });
    return { version, metadata, tensors, fileSize: size };
  } catch (e) {
    if (e instanceof GgufError) throw e;
    // Anything else a malformed header can provoke (a read error, a RangeError) is still a bad file, not a bug.
    const errno = (e as NodeJS.ErrnoException).code;
    throw new GgufError(`cannot read ${path} as GGUF: ${(e as Error).message}`, errno ? 'E_IO' : 'E_FORMAT');
  } finally {
    closeSync(fd);
  }
}
