/**
 * Atomic adapter loads and load-time validation (issue 16): a PEFT or GGUF
 * adapter that fails on shapes or holds NaN is refused before the current
 * adapter (and its optimizer state) is touched; another model's PEFT export
 * names the mismatch; token ids that do not fit int32 are refused rather than
 * wrapped to valid ids; model files with a NaN norm epsilon, a bad RoPE base,
 * out-of-range sizes or NaN weights are refused with E_FORMAT, not an abort.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, EngineModel } from '../../engine/index.js';
import { readGguf } from '../../main/models/gguf/index.js';
import { BATCH, WEIGHTS, ggufVariant, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
let good: string;
let model: EngineModel;
beforeAll(async () => {
  good = tinyModel(dir, 'llama');
  model = await EngineModel.open(good, { threads: 1 });
});
afterAll(async () => {
  await model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

/** An adapter with trained values and non-zero AdamW moments; returns its state file's bytes. */
async function trainedAdapter(m: EngineModel): Promise<Buffer> {
  await m.lora.init({ rank: 2, alpha: 4, seed: 3 });
  await m.backward(BATCH, WEIGHTS);
  await m.step({ lr: 1e-2 });
  const p = join(dir, `before-${Math.random()}.state`);
  await m.saveState(p);
  return readFileSync(p);
}

async function stateBytes(m: EngineModel): Promise<Buffer> {
  const p = join(dir, `after-${Math.random()}.state`);
  await m.saveState(p);
  return readFileSync(p);
}

describe('adapter loads are atomic', () => {
  test('a PEFT adapter of another model fails naming the mismatch, and the loaded adapter and optimizer state are untouched', async () => {
    // Another architecture and size: 60 q rows are 15 per llama head, an odd count the Q/K un-permute cannot split.
    const other = await EngineModel.open(tinyModel(dir, 'qwen2', { dModel: 60, nHead: 5, nHeadKv: 1 }), { threads: 1 });
    const peftDir = join(dir, 'peft-other');
    try {
      await other.lora.init({ rank: 2, alpha: 4 });
      await other.lora.save(peftDir, 'peft');
    } finally {
      await other.dispose();
    }
    const before = await trainedAdapter(model);
    const e = await rejection(model.lora.load(peftDir, 'peft'));
    expect(e.code).toBe('E_MISMATCH');
    expect(e.message).toMatch(/trained for another model/);
    expect(e.message).not.toMatch(/offset is out of bounds/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
  });

  test('a PEFT adapter of a model with fewer FFN units fails on shapes without replacing the adapter', async () => {
    const other = await EngineModel.open(tinyModel(dir, 'llama', { nFf: 64 }), { threads: 1 });
    const peftDir = join(dir, 'peft-ffn');
    try {
      await other.lora.init({ rank: 2, alpha: 4 });
      await other.lora.save(peftDir, 'peft');
    } finally {
      await other.dispose();
    }
    const before = await trainedAdapter(model);
    expect((await rejection(model.lora.load(peftDir, 'peft'))).code).toBe('E_MISMATCH');
    expect((await stateBytes(model)).equals(before)).toBe(true);
    expect(model.lora.info?.rank).toBe(2);
  });

  test('adapters holding NaN are refused (GGUF and PEFT) and the loaded adapter stays', async () => {
    const src = await EngineModel.open(good, { threads: 1 });
    const gguf = join(dir, 'nan-adapter.gguf');
    const peftDir = join(dir, 'nan-peft');
    try {
      await src.lora.init({ rank: 2, alpha: 4 });
      const v = await src.loraParams();
      v[v.length - 1] = NaN; // a lora_b value: setLoraParams refuses it, so write the files by hand below
      await src.lora.save(gguf);
      await src.lora.save(peftDir, 'peft');
    } finally {
      await src.dispose();
    }
    // GGUF: overwrite the first value of the last tensor's data with NaN.
    const f = readGguf(gguf);
    const last = f.tensors.at(-1)!;
    const gb = Buffer.from(readFileSync(gguf));
    gb.writeFloatLE(NaN, last.offset);
    writeFileSync(gguf, gb);
    // PEFT: the last 4 bytes of the safetensors body are the last value of the last tensor.
    const st = join(peftDir, 'adapter_model.safetensors');
    const sb = Buffer.from(readFileSync(st));
    sb.writeFloatLE(Number.POSITIVE_INFINITY, sb.length - 4);
    writeFileSync(st, sb);

    const before = await trainedAdapter(model);
    const eg = await rejection(model.lora.load(gguf));
    expect(eg.code).toBe('E_INVALID');
    expect(eg.message).toMatch(/NaN or infinite/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
    const ep = await rejection(model.lora.load(peftDir, 'peft'));
    expect(ep.code).toBe('E_INVALID');
    expect(ep.message).toMatch(/non-finite/);
    expect((await stateBytes(model)).equals(before)).toBe(true);
  });
});

describe('token ids and positions are checked before narrowing to int32', () => {
  test.each([
    ['2^32 + 5 (would wrap to 5)', 2 ** 32 + 5],
    ['2^31 (would wrap negative)', 2 ** 31],
    ['2^53 + 2', 2 ** 53 + 2],
  ])('token id %s', async (_name, id) => {
    const e = await rejection(model.forward([{ tokens: [1, id, 3], responseStart: 1 }]));
    expect(e.code).toBe('E_INVALID');
    expect(e.message).toMatch(/out of range/);
  });
  test('responseStart 2^32 + 1 (would wrap to 1)', async () => {
    const e = await rejection(model.forward([{ tokens: [1, 2, 3], responseStart: 2 ** 32 + 1 }]));
    expect(e.code).toBe('E_INVALID');
  });
  test('the model still works', async () => {
    expect((await model.forward([{ tokens: [1, 300, 301], responseStart: 1 }])).logprobs.length).toBe(2);
  });
});

describe('crafted model files are refused before ggml sees them', () => {
  test.each([
    ['NaN norm epsilon', { 'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: NaN } }, /layer_norm_rms_epsilon/],
    ['negative norm epsilon', { 'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: -1e-5 } }, /layer_norm_rms_epsilon/],
    ['NaN RoPE base', { 'llama.rope.freq_base': { type: 'f32', value: NaN } }, /freq_base/],
    ['zero RoPE base', { 'llama.rope.freq_base': { type: 'f32', value: 0 } }, /freq_base/],
    ['block count that wraps int32', { 'llama.block_count': { type: 'u64', value: 2n ** 32n + 2n } }, /block_count is out of range/],
    ['negative context length', { 'llama.context_length': { type: 'i32', value: -5 } }, /context_length/],
  ] as const)('%s', async (name, md, msg) => {
    const p = ggufVariant(good, join(dir, `${name.replace(/\W/g, '')}.gguf`), { metadata: md as never });
    const e = await rejection(EngineModel.open(p));
    expect(e.code).toBe('E_FORMAT');
    expect(e.message).toMatch(msg);
  });
  test('NaN weights', async () => {
    const p = join(dir, 'nan-weights.gguf');
    const f = readGguf(good);
    const t = f.tensors.find((x) => x.name === 'blk.0.ffn_up.weight')!;
    const b = Buffer.from(readFileSync(good));
    if (t.type !== 'F32') throw new Error(`fixture changed: ${t.type}`);
    b.writeFloatLE(NaN, t.offset + 8);
    writeFileSync(p, b);
    const e = await rejection(EngineModel.open(p));
    expect(e.code).toBe('E_FORMAT');
    expect(e.message).toMatch(/blk\.0\.ffn_up\.weight holds NaN or infinite values \(first at element 2\)/);
  });
});

describe('state loads validate every float before the swap', () => {
  // Layout (engine_train.cpp): 48-byte header | n f32 (per pair a, b, ma, va, mb, vb) | u64 FNV-1a of the floats.
  const HEADER = 48;
  function fnv1a(bytes: Buffer): bigint {
    let h = 1469598103934665603n;
    for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 1099511628211n);
    return h;
  }
  /** A copy of `state` with float `i` (negative: from the end) set to `v` and the checksum made valid again. */
  function withFloat(state: Buffer, i: number, v: number): Buffer {
    const b = Buffer.from(state);
    const n = Number(b.readBigUInt64LE(HEADER - 8));
    expect(b.length).toBe(HEADER + 4 * n + 8);
    b.writeFloatLE(v, HEADER + 4 * (i < 0 ? n + i : i));
    b.writeBigUInt64LE(fnv1a(b.subarray(HEADER, HEADER + 4 * n)), HEADER + 4 * n);
    return b;
  }

  test.each([
    ['NaN in a LoRA weight (first float: lora_a of the first pair)', 0, NaN, /NaN or infinite values \(float 0 of/],
    ['+Inf in an Adam moment (last float: v of the last lora_b)', -1, Number.POSITIVE_INFINITY, /NaN or infinite/],
    ['a negative Adam second moment (last float)', -1, -1, /negative Adam second moment/],
  ] as const)('%s: refused with E_FORMAT, the loaded adapter and moments untouched', async (_name, i, v, msg) => {
    const good = await trainedAdapter(model);
    const p = join(dir, `bad-${Math.random()}.state`);
    writeFileSync(p, withFloat(good, i, v));
    // A different loaded state than the file's, to see that nothing of the file was swapped in.
    await model.step({ lr: 1e-2 });
    const before = await stateBytes(model);
    expect(before.equals(good)).toBe(false);
    const e = await rejection(model.loadState(p));
    expect(e.code).toBe('E_FORMAT');
    expect(e.message).toMatch(msg);
    expect((await stateBytes(model)).equals(before)).toBe(true);
    // The checksum helper is right: the same edit with a finite value loads.
    writeFileSync(p, withFloat(good, i, 0.5));
    await model.loadState(p);
    expect((await stateBytes(model)).equals(withFloat(good, i, 0.5))).toBe(true);
  });
});
