// TensorBoard export: the events file is read back by a reader written here from the formats'
// specifications (TFRecord framing, bitwise CRC-32C, a generic protobuf walker), independent of
// main/export/tensorboard, and compared with what the store holds. (TensorBoard and TensorFlow
// are not installed here, so no reference reader runs.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../main/export/tensorboard/crc32c.js';
import { writeTensorBoard } from '../../main/export/tensorboard/writeTensorBoard.js';
import { Store } from '../../main/store/Store.js';

/** CRC-32C bit by bit (RFC 3720 B.4: reflected 0x82F63B78), no table. */
function crcBitwise(b: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1)); }
  return ~c >>> 0;
}
const mask = (c: number) => (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;

function readRecords(buf: Uint8Array): Uint8Array[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Uint8Array[] = [];
  for (let off = 0; off < buf.length;) {
    const len = Number(v.getBigUint64(off, true));
    expect(v.getUint32(off + 8, true), 'length crc').toBe(mask(crcBitwise(buf.subarray(off, off + 8))));
    const data = buf.subarray(off + 12, off + 12 + len);
    expect(v.getUint32(off + 12 + len, true), 'data crc').toBe(mask(crcBitwise(data)));
    out.push(data);
    off += 12 + len + 4;
  }
  return out;
}

type Field = { field: number; wire: number; value: bigint | Uint8Array | number };
function walk(b: Uint8Array): Field[] {
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
const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);

let tmp = '';
afterEach(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe('CRC-32C', () => {
  it('matches the standard check value and the bitwise definition', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32c(check)).toBe(0xe3069283); // RFC 3720 / the CRC catalogue's "check" for CRC-32C
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(crc32c(bytes)).toBe(crcBitwise(bytes));
    expect(maskedCrc32c(bytes)).toBe(mask(crcBitwise(bytes)));
  });
});

describe('writeTensorBoard', () => {
  it('writes every finite stored metric of every step, at its step and wall time', () => {
    tmp = mkdtempSync(join(tmpdir(), 'clipo-tb-'));
    const store = Store.open(join(tmp, 'clipo.db'));
    const runId = store.runs.create({ name: 'tb run/1', recipeJson: '{}', totalSteps: 5 });
    const want = new Map<string, number>();
    for (let s = 0; s < 5; s++) {
      const metrics = { 'reward/mean': 0.1 * s + 0.05, 'optim/lr': 1e-4 / (s + 1), 'optim/loss': s === 2 ? NaN : -0.3 * s - 0.1 };
      store.steps.writeStep(runId, { step: s, wallTime: 1.7e9 + 2.5 * s, metrics });
      for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) want.set(`${s}|${k}`, v);
    }
    const out = writeTensorBoard(store, runId, join(tmp, 'logs'));
    expect(readdirSync(join(tmp, 'logs'))).toEqual([`${runId}-tb-run-1`]);
    expect(out.file).toMatch(/events\.out\.tfevents\.\d+\.clipo$/);
    const records = readRecords(new Uint8Array(readFileSync(out.file)));
    // First: the file-version event.
    const head = walk(records[0]!);
    expect(text(head.find((f) => f.field === 3)!.value)).toBe('brain.Event:2');
    const got = new Map<string, number>();
    for (const [i, r] of records.slice(1).entries()) {
      const ev = walk(r);
      const step = Number(ev.find((f) => f.field === 2)?.value ?? 0n);
      expect(step).toBe(i);
      expect(ev.find((f) => f.field === 1)!.value).toBe(1.7e9 + 2.5 * step);
      for (const v of walk(ev.find((f) => f.field === 5)!.value as Uint8Array)) {
        expect(v.field).toBe(1);
        const value = walk(v.value as Uint8Array);
        got.set(`${step}|${text(value.find((f) => f.field === 1)!.value)}`, value.find((f) => f.field === 2)!.value as number);
      }
    }
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, v] of want) expect(got.get(k), k).toBe(Math.fround(v));
    expect(out.scalars).toBe(want.size);
    // A second export into the same folder is refused unless overwriting.
    expect(() => writeTensorBoard(store, runId, join(tmp, 'logs'))).toThrow(/already holds a TensorBoard log/);
    writeFileSync(join(out.dir, 'events.out.tfevents.1.other'), 'x');
    const again = writeTensorBoard(store, runId, join(tmp, 'logs'), { overwrite: true });
    expect(readdirSync(again.dir).filter((f) => f.includes('tfevents'))).toEqual([again.file.split('/').pop()]);
    store.close();
  });
});
