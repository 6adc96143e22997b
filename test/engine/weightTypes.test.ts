/**
 * Every weight type the engine accepts (inspectGguf's ENGINE_TYPES, the same list as
 * engine_model.cpp) opens and stays in its type, and each multiply uses its F32 dequantisation
 * (QLoRA style, activations never quantised): log-probs and the gradient equal those of an F32
 * copy made at load by ggml's to_float (1e-5 / 1e-4). llama.cpp rounds activations inside its
 * quantised mul_mat, so its log-probs differ by that rounding (printed; these tiny random-block
 * models amplify it). Also a Q4_K_M-like mix, which is what a downloaded Qwen2.5-0.5B Q4_K_M file
 * holds (rows of 896 cannot hold k-quant blocks).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { ENGINE_TYPES } from '../../main/models/gguf/inspectGguf.js';
import { inspectGguf, type TinyModelOptions, type TinyWeightType } from '../../main/models/gguf/index.js';
import { llamaCppLogprobs, maxAbsDiff, relNorm, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKENS = [1, 3, 290, 300, 310, 5, 320, 330, 340, 301, 302, 10, 11, 303, 304, 305];
const RS = 5;
const W = new Array(TOKENS.length - RS).fill(0).map((_, i) => (i % 3 === 1 ? -0.7 : 1));
// k-quants and IQ4_XS pack 256 weights per block: every row must be a multiple of 256
const SHAPE = { dModel: 256, nFf: 256 } as const;


/**
 * Native (file type, dequantised per use) vs an F32 copy made at load: log-probs and the gradient with
 * the same nonzero adapter; llama.cpp's log-probs printed (it rounds activations). `gradTol` null skips
 * the llama.cpp bound (mixes).
 */
async function checkAgainstLlamaCpp(label: string, opts: Partial<TinyModelOptions>, llamaTol: number | null = 1): Promise<void> {
  const path = tinyModel(dir, 'qwen2', { ...SHAPE, ...opts });
  expect(inspectGguf(path).engineSupported).toBe(true);
  const native = await EngineModel.open(path, { threads: 1, frozen: 'native' });
  const f32 = await EngineModel.open(path, { threads: 1, frozen: 'f32' });
  try {
    expect(native.info.frozenF32).toBe(false);
    expect(native.rawInfo().frozenWeights).toBe('native');
    const ours = await native.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
    const ref = await llamaCppLogprobs(path, TOKENS, RS);
    const err = maxAbsDiff(ours.logprobs, ref);
    const exact = await f32.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false });
    const dF32 = maxAbsDiff(ours.logprobs, exact.logprobs);
    console.log(`[${label}] native vs F32 copy max |Δlogp| ${dF32.toExponential(2)}; vs llama.cpp ${err.toExponential(2)}`);
    expect(dF32).toBeLessThan(1e-5);
    if (llamaTol !== null) expect(err).toBeLessThan(llamaTol);

    for (const m of [native, f32]) await m.lora.init({ rank: 4, alpha: 8, seed: 2 });
    const p = await native.loraParams();
    for (let i = 0; i < p.length; i++) p[i] = 0.05 * Math.sin(i * 0.61 + 0.3);
    await native.setLoraParams(p);
    await f32.setLoraParams(p);
    await native.backward([{ tokens: TOKENS, responseStart: RS }], W);
    await f32.backward([{ tokens: TOKENS, responseStart: RS }], W);
    const gn = await native.grads(), gf = await f32.grads();
    expect(gn.every(Number.isFinite)).toBe(true);
    const e = relNorm(gn, gf);
    console.log(`[${label}] gradient native vs F32 copy: normwise rel err ${e.toExponential(2)}`);
    expect(e).toBeLessThan(1e-4);
  } finally {
    await native.dispose();
    await f32.dispose();
  }
}

describe('every accepted weight type opens', () => {
  test.each(ENGINE_TYPES)('%s', async (t) => {
    const path = tinyModel(dir, 'llama', { ...SHAPE, weightType: t as TinyWeightType, nLayer: 1 });
    const m = await EngineModel.open(path, { threads: 1, frozen: 'native' });
    try {
      expect(m.info.types.map((x) => x.toUpperCase())).toContain(t);
      const r = await m.forward([{ tokens: TOKENS, responseStart: RS }]);
      expect(Array.from(r.logprobs).every((v) => Number.isFinite(v) && v <= 0)).toBe(true);
    } finally {
      await m.dispose();
    }
  });
});

// F16 and Q8_0 are checked against llama.cpp in logprobs.test.ts (at dModel 64: Q8_0 rows need only 32)
const QUANTS = ['Q4_K', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS'] as const;

describe('quantised weights match llama.cpp', () => {
  test.each(QUANTS)('%s', (t) => checkAgainstLlamaCpp(t, { weightType: t }));

  const MIX = { weightType: 'Q4_K', tensorTypes: { token_embd: 'Q6_K', attn_v: 'Q6_K', ffn_down: 'Q6_K', attn_q: 'Q5_0', attn_k: 'Q8_0' } } as const;
  test('a Q4_K_M-like mix (Q4_K, Q6_K, Q5_0, Q8_0)', () => checkAgainstLlamaCpp('Q4_K_M mix', MIX, null));

  test('a Q4_K_M-like mix trains with its weights kept native', async () => {
    const m = await EngineModel.open(tinyModel(dir, 'qwen2', { ...SHAPE, ...MIX }), { threads: 1, frozen: 'native' });
    try {
      await m.lora.init({ rank: 4, alpha: 8, seed: 1 });
      const batch = [{ tokens: TOKENS, responseStart: RS }];
      const ones = new Array(TOKENS.length - RS).fill(1);
      const sum = async (): Promise<number> => (await m.forward(batch)).logprobs.reduce((a, b) => a + b, 0);
      const start = await sum();
      const seen = [start];
      for (let i = 0; i < 5; i++) {
        await m.backward(batch, ones);
        await m.step({ lr: 2e-2 });
        seen.push(await sum());
      }
      console.log(`[Q4_K_M mix] Σ log p of the target over 5 steps: ${seen.map((x) => x.toFixed(2)).join(' → ')}`);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
      expect(seen.at(-1)! - start).toBeGreaterThan(1);
    } finally {
      await m.dispose();
    }
  });
});
