// An events-file reader written from the formats' specifications, independent of
// main/export/tensorboard: TFRecord framing (tensorflow/core/lib/io/record_reader.cc),
// CRC-32C bit by bit, and a generic protobuf field walker.

/** CRC-32C bit by bit (RFC 3720 B.4: reflected 0x82F63B78), no table. */
export function crcBitwise(b: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1)); }
  return ~c >>> 0;
}
export const mask = (c: number) => (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;

export function readRecords(buf: Uint8Array): Uint8Array[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Uint8Array[] = [];
  for (let off = 0; off < buf.length;) {
    const len = Number(v.getBigUint64(off, true));
    if (v.getUint32(off + 8, true) !== mask(crcBitwise(buf.subarray(off, off + 8)))) throw new Error(`bad length crc at ${off}`);
    const data = buf.subarray(off + 12, off + 12 + len);
    if (v.getUint32(off + 12 + len, true) !== mask(crcBitwise(data))) throw new Error(`bad data crc at ${off}`);
    out.push(data);
    off += 12 + len + 4;
  }
  return out;
}

export type Field = { field: number; wire: number; value: bigint | Uint8Array | number };
export function walk(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = () => { let r = 0n, s = 0n; for (;;) { const x = b[i++]!; r |= BigInt(x & 0x7f) << s; s += 7n; if (!(x & 0x80)) return r; } };
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (i < b.length) {
    const key = Number(varint()), field = key >> 3, wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) { out.push({ field, wire, value: dv.getFloat64(i, true) }); i += 8; }
    else if (wire === 5) { out.push({ field, wire, value: dv.getFloat32(i, true) }); i += 4; }
    else if (wire === 2) { const n = Number(varint()); out.push({ field, wire, value: b.subarray(i, i + n) }); i += n; }
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}
export const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);


/** Every scalar in an events file: `${step}|${tag}` → value, plus the file-version string. */
export function readScalars(buf: Uint8Array): { version: string; scalars: Map<string, number>; wallTimes: Map<number, number> } {
  const records = readRecords(buf);
  const version = text(walk(records[0]!).find((f) => f.field === 3)!.value);
  const scalars = new Map<string, number>();
  const wallTimes = new Map<number, number>();
  for (const r of records.slice(1)) {
    const ev = walk(r);
    const step = Number(ev.find((f) => f.field === 2)?.value ?? 0n);
    wallTimes.set(step, ev.find((f) => f.field === 1)!.value as number);
    for (const v of walk(ev.find((f) => f.field === 5)!.value as Uint8Array)) {
      const value = walk(v.value as Uint8Array);
      scalars.set(`${step}|${text(value.find((f) => f.field === 1)!.value)}`, value.find((f) => f.field === 2)!.value as number);
    }
  }
  return { version, scalars, wallTimes };
}
