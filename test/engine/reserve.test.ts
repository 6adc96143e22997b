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
    const { peakBytes } = await a.reserve({ tokenBudget: 64 });
    expect(peakBytes).toBeGreaterThan(small.peakBytes);
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
