/**
 * reserve(): sizes the compute buffers for the worst micro-batch under a token
 * budget. Afterwards forward/backward at that budget never grow them (peak bytes
 * stay put), results are bit-identical to a model that grew its buffers on demand,
 * and misuse gives clear errors.
 */
import { afterAll, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineError, EngineModel } from '../../engine/index.js';
import { BATCH, WEIGHTS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('reserved buffers cover later calls, results unchanged', async () => {
  const path = tinyModel(dir, 'qwen2');
  const a = await EngineModel.open(path, { threads: 1 });
  const b = await EngineModel.open(path, { threads: 1 });
  try {
    const before = await a.reserve({ tokenBudget: 64 }).then(() => 'ok', (e: unknown) => e);
    expect(before).toBeInstanceOf(EngineError);
    expect((before as EngineError).code).toBe('E_STATE');
    await a.lora.init({ rank: 4, alpha: 8, seed: 5 });
    await b.lora.init({ rank: 4, alpha: 8, seed: 5 });
    const bad = await a.reserve({ tokenBudget: 1 }).then(() => 'ok', (e: unknown) => e);
    expect((bad as EngineError).code).toBe('E_INVALID');

    const small = await a.reserve({ tokenBudget: 16 });
    const { peakBytes, bytes } = await a.reserve({ tokenBudget: 64 });
    expect(peakBytes).toBeGreaterThan(small.peakBytes);
    // by category: they add up, only the compute part grows with the budget
    expect(bytes.weights + bytes.adapter + bytes.compute).toBe(peakBytes);
    expect(bytes.weights).toBe(small.bytes.weights);
    expect(bytes.adapter).toBe(small.bytes.adapter);
    expect(bytes.compute).toBeGreaterThan(small.bytes.compute);
    expect(bytes.computeHost).toBe(0);
    const fa = await a.forward(BATCH, { tokenBudget: 64 });
    const ba = await a.backward(BATCH, WEIGHTS, { tokenBudget: 64 });
    expect(fa.peakBytes).toBe(peakBytes);
    expect(ba.peakBytes).toBe(peakBytes);

    // b grows on demand: same numbers, and never more memory than the reservation
    const fb = await b.forward(BATCH, { tokenBudget: 64 });
    const bb = await b.backward(BATCH, WEIGHTS, { tokenBudget: 64 });
    expect(Array.from(fa.logprobs)).toEqual(Array.from(fb.logprobs));
    expect(ba.loss).toBe(bb.loss);
    expect(Array.from(await a.grads())).toEqual(Array.from(await b.grads()));
    expect(bb.peakBytes).toBeLessThanOrEqual(peakBytes);
  } finally {
    await a.dispose();
    await b.dispose();
  }
});

test('reserve reports the base in its file type: a Q8_0 model needs ~1/4 of the F32 copy for weights', async () => {
  const path = tinyModel(dir, 'qwen2', { weightType: 'Q8_0' });
  const native = await EngineModel.open(path, { threads: 1 });
  const f32 = await EngineModel.open(path, { threads: 1, frozen: 'f32' });
  try {
    for (const m of [native, f32]) await m.lora.init({ rank: 4, alpha: 8 });
    const n = await native.reserve({ tokenBudget: 64 }), f = await f32.reserve({ tokenBudget: 64 });
    console.log(`Q8_0 tiny qwen2 at 64 tokens: native ${JSON.stringify(n.bytes)}, F32 copy ${JSON.stringify(f.bytes)}`);
    expect(n.bytes.adapter).toBe(f.bytes.adapter);
    // Q8_0 is 34 bytes per 32 weights; norms stay F32 in both
    expect(n.bytes.weights).toBeLessThan(0.35 * f.bytes.weights);
    expect(n.bytes.weights).toBeGreaterThan(0.2 * f.bytes.weights);
  } finally {
    await native.dispose();
    await f32.dispose();
  }
});
