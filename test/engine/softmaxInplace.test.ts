/**
 * Regression test for the gallocr SOFT_MAX_BACK in-place bug (ENGINE-NOTES §4):
 * without ggml_set_output on the softmax outputs, a bare gallocr may run
 * SOFT_MAX_BACK in place over y and corrupt the gradient. Since graphs run through
 * ggml_backend_sched the bug no longer shows with or without the guard (the
 * unguarded difference is printed), so the test pins what matters: the gradient
 * along a fixed direction equals central finite differences and is deterministic.
 * CLIPO_ENGINE_UNSAFE_SOFTMAX=1 drops the guard (debug only).
 */
import { afterAll, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { BATCH, WEIGHTS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('softmax outputs are protected from in-place SOFT_MAX_BACK', async () => {
  // the legacy autograd graph is the one that runs SOFT_MAX_BACK (the hand-built backward has none)
  const m = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1, legacyAutograd: true });
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
    await m.zeroGrad();
    let num = 0, den = 0;
    for (let i = 0; i < guarded.length; i++) { num += (guarded[i]! - unguarded[i]!) ** 2; den += guarded[i]! ** 2; }
    console.log(`unguarded vs guarded gradient: normwise rel diff ${Math.sqrt(num / den).toExponential(2)}`);
    // directional derivative along a fixed pseudo-random direction vs central differences
    const u = Float32Array.from(p, (_, i) => Math.sin(7.3 * i + 1.1));
    const un = Math.sqrt(u.reduce((a, v) => a + v * v, 0));
    const eps = 1e-2;
    const lossAt = async (sign: number): Promise<number> => {
      await m.setLoraParams(Float32Array.from(p, (v, i) => v + (sign * eps * u[i]!) / un));
      const r = await m.forward(BATCH);
      return -WEIGHTS.reduce((a, w, i) => a + w * r.logprobs[i]!, 0);
    };
    const fd = ((await lossAt(1)) - (await lossAt(-1))) / (2 * eps);
    await m.setLoraParams(p);
    const an = guarded.reduce((a, g, i) => a + (g * u[i]!) / un, 0);
    console.log(`directional derivative: analytic ${an.toExponential(4)}, finite differences ${fd.toExponential(4)}`);
    expect(Math.abs(an - fd) / Math.abs(fd)).toBeLessThan(1e-3);
    // and the guarded path is deterministic
    await m.backward(BATCH, WEIGHTS);
    expect(Array.from(await m.grads())).toEqual(Array.from(guarded));
  } finally {
    await m.dispose();
  }
});
