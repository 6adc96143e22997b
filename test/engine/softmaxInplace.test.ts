/**
 * Regression test for the gallocr SOFT_MAX_BACK in-place bug (ENGINE-NOTES §4):
 * without ggml_set_output on the softmax outputs, gallocr may run SOFT_MAX_BACK
 * in place over y and corrupt the gradient. CLIPO_ENGINE_UNSAFE_SOFTMAX=1 drops
 * the guard (debug only); guarded gradients must equal finite differences.
 */
import { afterAll, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { BATCH, WEIGHTS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('softmax outputs are protected from in-place SOFT_MAX_BACK', async () => {
  const m = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1 });
  try {
    await m.lora.init({ rank: 4, alpha: 8, seed: 5 });
    const p = await m.loraParams();
    for (let i = 0; i < p.length; i++) p[i] = 0.1 * Math.cos(i);
    await m.setLoraParams(p);
    await m.backward(BATCH, WEIGHTS);
    const guarded = await m.grads();
    await m.zeroGrad();
    process.env.CLIPO_ENGINE_UNSAFE_SOFTMAX = '1';
    try {
      await m.backward(BATCH, WEIGHTS);
    } finally {
      delete process.env.CLIPO_ENGINE_UNSAFE_SOFTMAX;
    }
    const unguarded = await m.grads();
    let num = 0, den = 0;
    for (let i = 0; i < guarded.length; i++) { num += (guarded[i]! - unguarded[i]!) ** 2; den += guarded[i]! ** 2; }
    const rel = Math.sqrt(num / den);
    console.log(`unguarded vs guarded gradient: normwise rel diff ${rel.toExponential(2)}`);
    // the bug is real on this ggml: without the guard the gradient is wrong
    expect(rel).toBeGreaterThan(1e-2);
    // and the guarded path is deterministic
    await m.zeroGrad();
    await m.backward(BATCH, WEIGHTS);
    expect(Array.from(await m.grads())).toEqual(Array.from(guarded));
  } finally {
    await m.dispose();
  }
});
