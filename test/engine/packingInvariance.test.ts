/**
 * A sequence's log-probs do not depend on what it is packed with or on the micro-batch size
 * (issue 12): frozen weights are multiplied as their F32 dequantisation, activations are never
 * quantised, so only F32 rounding differs between packings (F32 base within 1e-5, quantised bases
 * within 1e-4). And π_old from forward equals the log-probs inside the backward of the same tokens.
 * Every architecture with F32, F16, BF16 and Q8_0 bases; Q4_K (needs rows of 256) on qwen2.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel, type EngineBatch } from '../../engine/index.js';
import type { TinyArch, TinyModelOptions } from '../../main/models/gguf/index.js';
import { ARCHS, BATCH, WEIGHTS, maxAbsDiff, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [string, TinyArch, Partial<TinyModelOptions>][] = [
  ...ARCHS.flatMap((a) => (['F32', 'F16', 'BF16', 'Q8_0'] as const).map((t): [string, TinyArch, Partial<TinyModelOptions>] => [`${a} ${t}`, a, { weightType: t }])),
  ['qwen2 Q4_K', 'qwen2', { weightType: 'Q4_K', dModel: 256, nFf: 256 }],
];

// another companion sequence, so the packed neighbours of BATCH[1] change
const OTHER = { tokens: [1, 7, 8, 9, 300, 301, 302, 303, 304, 305, 306, 307], responseStart: 3 };

describe.each(CASES)('%s', (_label, arch, extra) => {
  test('log-probs independent of packing and micro-batch size; backward sees the same log-probs', async () => {
    const tol = extra.weightType === 'F32' ? 1e-5 : 1e-4;
    const m = await EngineModel.open(tinyModel(dir, arch, extra), { threads: 1 });
    try {
      expect(m.rawInfo().frozenWeights).toBe('native');
      await m.lora.init({ rank: 4, alpha: 8, seed: 3 });
      const p = await m.loraParams();
      for (let i = 0; i < p.length; i++) p[i] = 0.06 * Math.sin(0.71 * i + 0.4);
      await m.setLoraParams(p);
      const packed = await m.forward(BATCH, { tokenBudget: 4096 });
      const split = await m.forward(BATCH, { tokenBudget: 2 });
      expect(packed.microBatches).toBe(1);
      expect(split.microBatches).toBe(BATCH.length);
      const dSplit = maxAbsDiff(packed.logprobs, split.logprobs);
      const dEnt = maxAbsDiff(packed.entropy, split.entropy);
      // BATCH[1] packed with a different neighbour, in another position
      const b1 = BATCH[1]!;
      const withOther: EngineBatch = [OTHER, b1];
      const o = await m.forward(withOther, { tokenBudget: 4096 });
      const n1 = b1.tokens.length - b1.responseStart;
      const dOther = maxAbsDiff(o.logprobs.subarray(o.offsets[1]!), packed.logprobs.subarray(packed.offsets[1]!, packed.offsets[1]! + n1));
      // π_old vs the log-probs inside the backward, packed and split
      const bp = await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      const bs = await m.backward(BATCH, WEIGHTS, { tokenBudget: 2 });
      const dBack = Math.max(maxAbsDiff(bp.logprobs!, packed.logprobs), maxAbsDiff(bs.logprobs!, packed.logprobs));
      console.log(`[${_label}] packed vs split ${dSplit.toExponential(2)} (entropy ${dEnt.toExponential(2)}), other neighbour ${dOther.toExponential(2)}, backward vs forward ${dBack.toExponential(2)}`);
      expect(dSplit).toBeLessThan(tol);
      expect(dEnt).toBeLessThan(tol);
      expect(dOther).toBeLessThan(tol);
      expect(dBack).toBeLessThan(tol);
      const lossRef = -WEIGHTS.reduce((s, w, i) => s + w * packed.logprobs[i]!, 0);
      expect(Math.abs(bp.loss - lossRef)).toBeLessThan(tol * 10);
      expect(Math.abs(bs.loss - lossRef)).toBeLessThan(tol * 10);
    } finally {
      await m.dispose();
    }
  });
});

// engine_train.cpp engine_pack_cap: a large budget packs at most (4·d + 3·ff) / n_head tokens (≥ 64)
// per micro-batch, so short sequences are not all packed into one block-diagonal attention.
describe('packing cap', () => {
  test.each([
    ['default', {}],
    ['more heads', { nHead: 8, nHeadKv: 4 }],
  ] as [string, Partial<TinyModelOptions>][])('%s: micro-batches follow the attention cap, log-probs unchanged', async (_l, extra) => {
    const m = await EngineModel.open(tinyModel(dir, 'llama', extra), { threads: 1 });
    try {
      const { dModel, nHead, nFf } = { dModel: 64, nHead: 4, nFf: 128, ...extra };
      const cap = Math.max(64, Math.floor((4 * dModel + 3 * nFf) / nHead));
      const lens = Array.from({ length: 24 }, (_, i) => 9 + ((i * 7) % 23));
      const batch: EngineBatch = lens.map((n, i) => ({ tokens: Array.from({ length: n }, (_, j) => 1 + ((i * 31 + j * 17) % 250)), responseStart: 2 }));
      // greedy whole-sequence packing up to min(budget, cap), as batch_split does
      let expected = 0, cur = 0;
      for (const n of lens) { if (cur > 0 && cur + n <= cap) cur += n; else { expected++; cur = n; } }
      expect(lens.reduce((a, b) => a + b, 0)).toBeGreaterThan(cap); // the cap, not the budget, splits
      const big = await m.forward(batch, { tokenBudget: 4096 });
      expect(big.microBatches).toBe(expected);
      const one = await m.forward(batch, { tokenBudget: 2 });
      expect(maxAbsDiff(big.logprobs, one.logprobs)).toBeLessThan(1e-5);
    } finally {
      await m.dispose();
    }
  });
});
