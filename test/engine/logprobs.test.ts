/**
 * Forward pass vs llama.cpp: our per-token log-probs must equal node-llama-cpp's
 * (controlledEvaluate, flash attention off, 1 thread) within 1e-4, for each arch,
 * with and without our saved GGUF adapter loaded by node-llama-cpp.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Token } from 'node-llama-cpp';
import { EngineModel } from '../../engine/index.js';
import { ARCHS, llamaCppLogprobs, maxAbsDiff, relNorm, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKENS = [1, 3, 290, 300, 310, 5, 320, 330, 340, 301, 302, 10, 11, 303, 304, 305];
const RS = 5;


describe.each(ARCHS)('%s forward matches llama.cpp', (arch) => {
  test('base model and with adapter', async () => {
    const path = tinyModel(dir, arch);
    const m = await EngineModel.open(path, { threads: 1 });
    try {
      const ours = await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
      const ref = await llamaCppLogprobs(path, TOKENS, RS);
      const errBase = maxAbsDiff(ours.logprobs, ref);
      console.log(`[${arch}] base max |Δlogp| = ${errBase.toExponential(2)}`);
      expect(errBase).toBeLessThan(1e-4);
      expect(ref.every((v) => v < 0 && v > -80)).toBe(true);

      await m.lora.init({ rank: 4, alpha: 8, seed: 3 });
      // nonzero B so the adapter matters
      const p = await m.loraParams();
      for (let i = 0; i < p.length; i++) p[i] = 0.2 * Math.sin(i * 0.37 + 1);
      await m.setLoraParams(p);
      const withA = await m.forward([{ tokens: TOKENS, responseStart: RS }]);
      const adapterPath = join(dir, `adapter-${arch}.gguf`);
      await m.lora.save(adapterPath, 'gguf');
      const refA = await llamaCppLogprobs(path, TOKENS, RS, adapterPath);
      const errA = maxAbsDiff(withA.logprobs, refA);
      console.log(`[${arch}] adapter max |Δlogp| = ${errA.toExponential(2)}`);
      expect(errA).toBeLessThan(1e-4);
      // the adapter really changes the output
      expect(maxAbsDiff(withA.logprobs, ours.logprobs)).toBeGreaterThan(1e-2);
      // adapter:false still gives the base policy
      const off = await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
      expect(maxAbsDiff(off.logprobs, ours.logprobs)).toBe(0);
    } finally {
      await m.dispose();
    }
  });
});

describe.each(['F16', 'Q8_0', 'Q4_K'] as const)('%s weights', (weightType) => {
  test('kept in the file type, multiplied as their F32 dequantisation (QLoRA style), backward finite', async () => {
    const path = tinyModel(dir, 'qwen2', weightType === 'Q4_K' ? { weightType, dModel: 256, nFf: 256 } : { weightType });
    // default: the file's type stays resident; each multiply reads a transient F32 dequantisation
    const m = await EngineModel.open(path, { threads: 1 });
    const f32 = await EngineModel.open(path, { threads: 1, frozen: 'f32' });
    try {
      expect(m.info.types.map((t) => t.toUpperCase())).toContain(weightType);
      expect(m.info.frozenF32).toBe(false);
      expect(m.rawInfo().frozenWeights).toBe('native');
      expect(f32.rawInfo().frozenWeights).toBe('f32');
      const ours = await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
      const exact = await f32.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
      // same dequantised values, same F32 arithmetic: equal up to F32 rounding
      const dF32 = maxAbsDiff(ours.logprobs, exact.logprobs);
      const ref = await llamaCppLogprobs(path, TOKENS, RS);
      const err = maxAbsDiff(ours.logprobs, ref);
      console.log(`[qwen2 ${weightType}] native vs F32 copy max |Δlogp| ${dF32.toExponential(2)}; vs llama.cpp (which rounds activations to ${weightType === 'F16' ? 'F16' : 'Q8'}) ${err.toExponential(2)}`);
      expect(dF32).toBeLessThan(1e-5);
      // llama.cpp rounds activations inside each quantised mul_mat; this tiny random model amplifies it
      expect(err).toBeLessThan(weightType === 'F16' ? 1e-2 : 0.5);
      for (const x of [m, f32]) await x.lora.init({ rank: 4, alpha: 8 });
      const w = new Array(TOKENS.length - RS).fill(1);
      const b = await m.backward([{ tokens: TOKENS, responseStart: RS }], w);
      await f32.backward([{ tokens: TOKENS, responseStart: RS }], w);
      expect(Number.isFinite(b.loss)).toBe(true);
      const g = await m.grads();
      expect(g.every(Number.isFinite)).toBe(true);
      expect(g.some((x) => x !== 0)).toBe(true);
      expect(relNorm(g, await f32.grads())).toBeLessThan(1e-4);
    } finally {
      await m.dispose();
      await f32.dispose();
    }
  });
});

test('BF16 weights stay BF16 (dequantised per use) and train', async () => {
  const path = tinyModel(dir, 'llama', { weightType: 'BF16' });
  const m = await EngineModel.open(path, { threads: 1, frozen: 'native' });
  try {
    expect(m.info.types).toContain('bf16');
    expect(m.rawInfo().frozenWeights).toBe('native');
    const ours = await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
    const ref = await llamaCppLogprobs(path, TOKENS, RS);
    const err = maxAbsDiff(ours.logprobs, ref);
    console.log(`[llama BF16] base max |Δlogp| = ${err.toExponential(2)}`);
    // llama.cpp multiplies BF16 weights with BF16-rounded activations; we use exact F32 weights
    expect(err).toBeLessThan(0.1);
    await m.lora.init({ rank: 2, alpha: 4 });
    await m.backward([{ tokens: TOKENS, responseStart: RS }], new Array(TOKENS.length - RS).fill(1));
    expect((await m.grads()).every(Number.isFinite)).toBe(true);
  } finally {
    await m.dispose();
  }
});

test('pooled state equals llama.cpp final-norm hidden state (LAST pooling) for T = 2', async () => {
  const path = tinyModel(dir, 'qwen2');
  const m = await EngineModel.open(path, { threads: 1 });
  const toks = [1, 290, 300, 310, 320, 330];
  try {
    // response = last 2 tokens: pooled = H(position of o_1) / 2 = H(n-2) / 2
    const r = await m.forward([{ tokens: toks, responseStart: toks.length - 2 }, { tokens: toks, responseStart: toks.length - 1 }]);
    const D = m.info.dModel;
    const ours = Array.from(r.pooled.subarray(0, D), (x) => 2 * x);
    expect(Array.from(r.pooled.subarray(D, 2 * D)).every((x) => x === 0)).toBe(true); // T = 1 -> zeros
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: path, metadataOverrides: { qwen2: { pooling_type: 3 } } as never });
    try {
      const ec = await model.createEmbeddingContext({ contextSize: 64, threads: 1 });
      // the embedding context prepends BOS itself
      const ref = (await ec.getEmbeddingFor(toks.slice(1, toks.length - 1) as Token[])).vector;
      await ec.dispose();
      expect(ref.length).toBe(D);
      const err = Math.max(...ours.map((x, i) => Math.abs(x - ref[i]!)));
      const scale = Math.max(...ref.map(Math.abs));
      console.log(`[qwen2] pooled vs llama.cpp LAST embedding: max |Δ| ${err.toExponential(2)} (max |h| ${scale.toFixed(2)})`);
      expect(err / scale).toBeLessThan(5e-3); // llama.cpp's default F16 KV cache
    } finally {
      await model.dispose();
    }
  } finally {
    await m.dispose();
  }
});
