/**
 * main/models/gguf/dequantize.ts against ggml:
 *  - hand-built blocks with known scales and quants give the values of the formulas in ggml-quants.c;
 *  - for every engine weight type, a copy of a tiny model with each matrix dequantised by us to F32
 *    gives the engine the log-probs it computes when it converts the original with ggml's own
 *    to_float (`frozen: 'f32'`): any wrong bit, nibble or scale shows up there;
 *  - merging a LoRA into a Q4_K base (and a Q4_K_M-like mix) works: Q4_K/Q6_K/Q5_0 come back as F16,
 *    Q8_0 as Q8_0, and the merged model gives the log-probs of the base + adapter.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { mergeLoraIntoGguf } from '../../main/export/mergeLora.js';
import { ENGINE_TYPES } from '../../main/models/gguf/inspectGguf.js';
import {
  dequantize, encodeGguf, floatToHalf, halfToFloat, readGguf, type GgmlTypeName, type GgufTensorInput, type TinyModelOptions, type TinyWeightType,
} from '../../main/models/gguf/index.js';
import { maxAbsDiff, tempDir, tinyModel } from '../engine/engineFixtures.js';

const dir = tempDir('clipo-dequant-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKENS = [1, 3, 290, 300, 310, 5, 320, 330, 340, 301, 302, 10, 11, 303, 304, 305];
const RS = 5;
// k-quants and IQ4_XS pack 256 weights per block: every row must be a multiple of 256
const SHAPE = { dModel: 256, nFf: 256 } as const;

const setHalf = (blk: Uint8Array, o: number, v: number): void => {
  expect(halfToFloat(floatToHalf(v))).toBe(v); // the test's scales are exact in f16
  new DataView(blk.buffer).setUint16(o, floatToHalf(v), true);
};

describe('hand-built blocks give the ggml formulas', () => {
  test('Q4_0: y[j] = d·(lo(qs[j]) − 8), y[j+16] = d·(hi(qs[j]) − 8)', () => {
    const blk = new Uint8Array(18);
    setHalf(blk, 0, 0.5);
    for (let j = 0; j < 16; j++) blk[2 + j] = j | ((15 - j) << 4);
    const y = dequantize(blk, 'Q4_0', 32);
    const want = [...Array(16).keys()].map((j) => (j - 8) * 0.5).concat([...Array(16).keys()].map((j) => (7 - j) * 0.5));
    expect(Array.from(y)).toEqual(want);
    expect(y[0]).toBe(-4); expect(y[15]).toBe(3.5); expect(y[16]).toBe(3.5); expect(y[31]).toBe(-4);
  });

  test('Q4_1: y = d·q + m', () => {
    const blk = new Uint8Array(20);
    setHalf(blk, 0, 0.25);
    setHalf(blk, 2, -1.5);
    for (let j = 0; j < 16; j++) blk[4 + j] = ((3 * j) & 15) | ((j ^ 5) << 4);
    const y = dequantize(blk, 'Q4_1', 32);
    for (let j = 0; j < 16; j++) {
      expect(y[j]).toBe(((3 * j) & 15) * 0.25 - 1.5);
      expect(y[j + 16]).toBe((j ^ 5) * 0.25 - 1.5);
    }
    expect(y[1]).toBe(-0.75); // q = 3
    expect(y[16]).toBe(-0.25); // q = 5
  });

  test('Q5_0: the 5th bit of y[j] is bit j of qh, of y[j+16] bit j+16', () => {
    const blk = new Uint8Array(22);
    setHalf(blk, 0, 0.125);
    new DataView(blk.buffer).setUint32(2, 0x8001_0003, true); // bits 0, 1, 16, 31
    for (let j = 0; j < 16; j++) blk[6 + j] = 0x21; // lo 1, hi 2
    const y = dequantize(blk, 'Q5_0', 32);
    expect(y[0]).toBe((17 - 16) * 0.125);
    expect(y[1]).toBe((17 - 16) * 0.125);
    expect(y[2]).toBe((1 - 16) * 0.125);
    expect(y[16]).toBe((18 - 16) * 0.125);
    expect(y[17]).toBe((2 - 16) * 0.125);
    expect(y[31]).toBe((18 - 16) * 0.125);
  });

  test('Q8_0: y = d·q (d rounded to f16)', () => {
    const blk = new Uint8Array(34);
    const dv = new DataView(blk.buffer);
    dv.setUint16(0, floatToHalf(0.1), true); // f16(0.1) = 0.0999755859375
    for (let j = 0; j < 32; j++) dv.setInt8(2 + j, 8 * j - 128);
    const y = dequantize(blk, 'Q8_0', 32);
    expect(y[0]).toBe(-128 * 0.0999755859375);
    expect(y[16]).toBe(0);
    expect(y[31]).toBe(120 * 0.0999755859375);
    for (let j = 0; j < 32; j++) expect(y[j]).toBe((8 * j - 128) * 0.0999755859375);
  });

  test('Q4_K: six-bit scales/mins (get_scale_min_k4), y = d·sc·q − dmin·m per 32', () => {
    const blk = new Uint8Array(144);
    setHalf(blk, 0, 0.5); // d
    setHalf(blk, 2, 0.25); // dmin
    blk.set([0x41, 0x02, 0x83, 0x04, 0x05, 0xc6, 0x07, 0x08, 0x21, 0x43, 0x65, 0x87], 4);
    // worked by hand from get_scale_min_k4: j < 4 from the low 6 bits of bytes j and j+4; j ≥ 4 the
    // nibbles of byte j+4 with the top 2 bits of bytes j−4 (scale) and j (min)
    const sc = [1, 2, 3, 4, 17, 3, 37, 7];
    const mn = [5, 6, 7, 8, 2, 52, 6, 8];
    for (let i = 0; i < 128; i++) blk[16 + i] = (i % 16) | (((7 * i) % 16) << 4);
    const y = dequantize(blk, 'Q4_K', 256);
    for (let k = 0; k < 256; k++) {
      const s = k >> 5; // sub-block of 32
      const byte = 16 + 32 * (s >> 1) + (k % 32); // sub-blocks 2c, 2c+1 share 32 bytes: low then high nibble
      const q = s % 2 === 0 ? blk[byte]! & 15 : blk[byte]! >> 4;
      expect(y[k], `y[${k}]`).toBe(0.5 * sc[s]! * q - 0.25 * mn[s]!);
    }
    expect(y[0]).toBe(-1.25); // sc 1, q 0, m 5
    expect(y[33]).toBe(0.5 * 2 * 7 - 0.25 * 6); // sub-block 1, byte 1: hi nibble 7
    expect(y[255]).toBe(0.5 * 7 * ((7 * 127) % 16) - 0.25 * 8);
  });

  test('IQ4_NL: y = d·kvalues_iq4nl[q]', () => {
    const blk = new Uint8Array(18);
    setHalf(blk, 0, 0.5);
    for (let j = 0; j < 16; j++) blk[2 + j] = j | ((15 - j) << 4);
    const y = dequantize(blk, 'IQ4_NL', 32);
    const kv = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];
    for (let j = 0; j < 16; j++) { expect(y[j]).toBe(0.5 * kv[j]!); expect(y[j + 16]).toBe(0.5 * kv[15 - j]!); }
  });

  test('F16, BF16 and F32 decode as stored', () => {
    const x = Float32Array.from([0, -1.5, 3.140625, 65504, -(2 ** -24)]);
    expect(Array.from(dequantize(new Uint8Array(x.buffer), 'F32', 5))).toEqual(Array.from(x));
    const h = Uint16Array.from(Array.from(x, floatToHalf));
    expect(Array.from(dequantize(new Uint8Array(h.buffer), 'F16', 5))).toEqual(Array.from(x));
    const b = Uint16Array.from([0x0000, 0xbfc0, 0x4049, 0x3f80]); // 0, -1.5, 3.140625, 1
    expect(Array.from(dequantize(new Uint8Array(b.buffer), 'BF16', 4))).toEqual([0, -1.5, 3.140625, 1]);
  });

  test('unsupported types and short buffers are refused by name', () => {
    expect(() => dequantize(new Uint8Array(17), 'MXFP4', 32)).toThrow(/cannot dequantise tensor type MXFP4.*Q6_K, IQ4_NL, IQ4_XS/);
    expect(() => dequantize(new Uint8Array(36), 'Q8_1', 32)).toThrow(/Q8_1/);
    expect(() => dequantize(new Uint8Array(144), 'Q4_K', 128)).toThrow(/Q4_K holds blocks of 256/);
    expect(() => dequantize(new Uint8Array(143), 'Q4_K', 256)).toThrow(/Q4_K: 256 values need 144 bytes, got 143/);
  });
});

/** The same model with every 2-D matrix replaced by our F32 dequantisation (same metadata, same tensor order). */
function f32Copy(path: string, out: string): void {
  const g = readGguf(path);
  const bytes = readFileSync(path);
  const tensors: GgufTensorInput[] = g.tensors.map((t) => {
    const raw = bytes.subarray(t.offset, t.offset + t.size);
    if (t.shape.length !== 2) return { name: t.name, shape: t.shape, type: t.type as GgmlTypeName, data: raw };
    const y = dequantize(raw, t.type, t.shape[0]! * t.shape[1]!);
    return { name: t.name, shape: t.shape, type: 'F32', data: new Uint8Array(y.buffer) };
  });
  writeFileSync(out, encodeGguf(g.metadata, tensors));
}

async function logprobs(path: string, opts: { frozen?: 'f32' }): Promise<Float32Array> {
  const m = await EngineModel.open(path, { threads: 1, ...opts });
  try {
    return (await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false })).logprobs;
  } finally {
    await m.dispose();
  }
}

describe('our dequantisation equals ggml to_float (engine log-probs)', () => {
  test.each(ENGINE_TYPES.filter((t) => t !== 'F32'))('%s', async (t) => {
    const path = tinyModel(dir, 'qwen2', { ...SHAPE, weightType: t as TinyWeightType });
    expect(readGguf(path).tensors.find((x) => x.name === 'blk.0.ffn_up.weight')!.type).toBe(t);
    const copy = join(dir, `f32-copy-${t}.gguf`);
    f32Copy(path, copy);
    const ggml = await logprobs(path, { frozen: 'f32' });
    const ours = await logprobs(copy, {});
    const err = maxAbsDiff(ours, ggml);
    console.log(`[${t}] engine log-probs, our F32 dequantisation vs ggml to_float: max |Δlogp| ${err.toExponential(2)}`);
    expect(Array.from(ggml).every((v) => Number.isFinite(v) && v < 0)).toBe(true);
    expect(err).toBeLessThan(1e-5);
  });
});

const MIX = { weightType: 'Q4_K', tensorTypes: { token_embd: 'Q6_K', attn_v: 'Q6_K', ffn_down: 'Q6_K', attn_q: 'Q5_0', attn_k: 'Q8_0' } } as const;

describe('LoRA merge into a quantised base', () => {
  test.each([
    ['Q4_K', { weightType: 'Q4_K' }],
    ['Q4_K_M-like mix', MIX],
  ] as [string, Partial<TinyModelOptions>][])('%s: merges; Q8_0 stays Q8_0, the rest becomes F16; log-probs of base + adapter', async (label, opts) => {
    const path = tinyModel(dir, 'qwen2', { ...SHAPE, ...opts });
    const base = readGguf(path);
    const baseType = new Map(base.tensors.map((t) => [t.name, t.type]));
    const engine = await EngineModel.open(path, { threads: 1, frozen: 'f32' });
    let withAdapter: Float32Array, without: Float32Array;
    const out = join(dir, `merged-${label.replace(/\W/g, '')}.gguf`);
    let merged: ReturnType<typeof mergeLoraIntoGguf>;
    try {
      await engine.lora.init({ rank: 4, alpha: 8, seed: 3 });
      const p = await engine.loraParams();
      for (let i = 0; i < p.length; i++) p[i] = 0.2 * Math.sin(i * 0.37 + 1); // nonzero B: the adapter matters
      await engine.setLoraParams(p);
      const seq = [{ tokens: TOKENS, responseStart: RS }];
      withAdapter = (await engine.forward(seq)).logprobs;
      without = (await engine.forward(seq, { adapter: false })).logprobs;
      let off = 0;
      const tensors = engine.lora.tensors().map((t) => {
        const n = t.shape[0] * t.shape[1];
        const data = p.slice(off, off + n);
        off += n;
        return { name: t.name, shape: t.shape, data };
      });
      merged = mergeLoraIntoGguf(path, out, { alpha: engine.lora.info!.alpha, tensors });
    } finally {
      await engine.dispose();
    }
    expect(merged.merged).toHaveLength(2 * 7); // 2 layers × q, k, v, o, gate, up, down
    const g = readGguf(out);
    for (const t of g.tensors) {
      const from = baseType.get(t.name)!;
      const m = merged.merged.find((x) => x.name === t.name);
      if (!m) { expect(t.type, t.name).toBe(from); continue; }
      expect(m.from).toBe(from);
      expect(t.type, t.name).toBe(from === 'Q8_0' ? 'Q8_0' : 'F16');
      expect(m.to).toBe(t.type);
    }
    const types = new Set(merged.merged.map((m) => `${m.from}→${m.to}`));
    expect([...types].sort()).toEqual(label === 'Q4_K' ? ['Q4_K→F16'] : ['Q4_K→F16', 'Q5_0→F16', 'Q6_K→F16', 'Q8_0→Q8_0']);
    const lp = await logprobs(out, {});
    const err = maxAbsDiff(lp, withAdapter);
    const effect = maxAbsDiff(without, withAdapter);
    console.log(`[${label}] merged GGUF vs engine base (ggml to_float) + adapter: max |Δlogp| ${err.toExponential(2)}; adapter effect ${effect.toExponential(2)}`);
    // F16 rounding of the merged matrices is all that separates them; the adapter moves log-probs far more
    expect(err).toBeLessThan(2e-2);
    expect(err).toBeLessThan(effect / 10);
  });
});
