/**
 * RoPE variants real checkpoints carry, against llama.cpp (node-llama-cpp, F32 KV cache):
 * Llama 3.x's frequency factors (rope_freqs.weight, what convert_hf_to_gguf.py writes for
 * "rope_type": "llama3"), and linear position scaling (rope.scaling.factor). Each must match
 * within 1e-4, and must matter: ignoring it moves the log-probs by far more than that.
 * The gradient through ROPE_BACK with frequency factors is checked against finite differences.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { llama3RopeFactors } from '../../main/models/gguf/index.js';
import { llamaCppLogprobs, maxAbsDiff, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 48 tokens: positions far enough for slowly rotating frequencies to turn
const TOKENS = [1, ...Array.from({ length: 47 }, (_, i) => 262 + ((i * 37) % 80))];
const RS = 8;
// Llama 3.1's published constants, with an original context small enough for a 48-token test
const LLAMA3 = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 32 };


async function logprobs(path: string): Promise<Float32Array> {
  const m = await EngineModel.open(path, { threads: 1 });
  try {
    return (await m.forward([{ tokens: TOKENS, responseStart: RS }], { adapter: false })).logprobs;
  } finally {
    await m.dispose();
  }
}

test('llama3 frequency factors follow the HF formula', () => {
  const f = llama3RopeFactors(16, 10000, LLAMA3);
  // wavelength 2π·10000^(2i/16): < 8 keeps 1, > 32 gets the full factor, between is smoothed
  expect(f[0]).toBe(1);
  expect(f[7]).toBe(8);
  expect(f[1]! > 1 && f[1]! < 8).toBe(true);
});

describe.each([
  ['llama3 rope_freqs', { llama3Rope: LLAMA3 }],
  ['linear rope scaling ×4', { ropeScalingFactor: 4 }],
] as const)('%s', (label, extra) => {
  test('matches llama.cpp and differs from plain RoPE', async () => {
    const plain = tinyModel(dir, 'llama', { headDim: 16 });
    const scaled = tinyModel(dir, 'llama', { headDim: 16, ...extra });
    const ours = await logprobs(scaled);
    const ref = await llamaCppLogprobs(scaled, TOKENS, RS);
    const err = maxAbsDiff(ours, ref);
    const effect = maxAbsDiff(ours, await logprobs(plain));
    console.log(`[${label}] max |Δlogp| vs llama.cpp ${err.toExponential(2)}; vs plain RoPE ${effect.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
    expect(effect).toBeGreaterThan(1e-2);
  });
});

test('gradient through RoPE with frequency factors equals finite differences', async () => {
  const m = await EngineModel.open(tinyModel(dir, 'llama', { headDim: 16, llama3Rope: LLAMA3, ropeScalingFactor: 2 }), { threads: 1 });
  try {
    // q and k are the only targets whose gradient passes through ROPE_BACK
    await m.lora.init({ rank: 2, alpha: 4, seed: 9, targets: ['q', 'k'] });
    const theta = await m.loraParams();
    for (let i = 0; i < theta.length; i++) theta[i] = 0.2 * Math.sin(i * 0.71 + 0.4);
    await m.setLoraParams(theta);
    const batch = [{ tokens: TOKENS, responseStart: RS }];
    const w = Array.from({ length: TOKENS.length - RS }, (_, i) => (i % 4 === 0 ? -0.8 : 1));
    const loss = async (): Promise<number> => -(await m.forward(batch)).logprobs.reduce((a, lp, i) => a + w[i]! * lp, 0);
    await m.backward(batch, w);
    const g = await m.grads();
    const gn = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    expect(gn).toBeGreaterThan(0);
    const eps = 1e-2;
    const an: number[] = [gn], fd: number[] = [];
    const shifted = async (dir: Float32Array, s: number): Promise<number> => {
      await m.setLoraParams(theta.map((t, i) => t + s * dir[i]!));
      return loss();
    };
    const along = g.map((x) => x / gn);
    fd.push(((await shifted(along, eps)) - (await shifted(along, -eps))) / (2 * eps));
    for (const i of [...g.keys()].sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 4)) {
      const e = new Float32Array(g.length); e[i] = 1;
      an.push(g[i]!);
      fd.push(((await shifted(e, eps)) - (await shifted(e, -eps))) / (2 * eps));
    }
    const num = Math.sqrt(an.reduce((a, v, i) => a + (v - fd[i]!) ** 2, 0));
    const den = Math.sqrt(an.reduce((a, v) => a + v * v, 0));
    console.log(`[llama3 rope + linear ×2] q,k gradient normwise rel err ${(num / den).toExponential(2)}`);
    expect(num / den).toBeLessThan(1e-3);
  } finally {
    await m.dispose();
  }
});
