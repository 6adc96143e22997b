/**
 * Scoring at a sampling temperature T: forward gives log softmax(z/T) (sharper
 * for T < 1: lower entropy), and backward's gradient of L = −Σ w log π_T is
 * right (directional derivative vs central finite differences, F32 model).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { BATCH, WEIGHTS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lossOf = async (m: EngineModel) => {
  const r = await m.forward(BATCH, { tokenBudget: 4096 });
  return -WEIGHTS.reduce((s, w, i) => s + w * r.logprobs[i]!, 0);
};

describe('temperature', () => {
  test('sharper at T < 1, gradient matches finite differences, invalid T refused', async () => {
    const m = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1 });
    try {
      await m.lora.init({ rank: 4, alpha: 8, seed: 5 });
      const theta = await m.loraParams();
      for (let i = 0; i < theta.length; i++) theta[i] = Math.sin(i * 0.37) * 0.1;
      await m.setLoraParams(theta);
      const at1 = await m.forward(BATCH);
      await m.setTemperature(0.5);
      const atHalf = await m.forward(BATCH);
      const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
      expect(mean(atHalf.entropy)).toBeLessThan(mean(at1.entropy));
      expect(Math.max(...atHalf.logprobs.map((v, i) => Math.abs(v - at1.logprobs[i]!)))).toBeGreaterThan(1e-3);

      await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      const g = await m.grads();
      const gn = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      const eps = 1e-2;
      const shifted = (sign: number) => Float32Array.from(theta, (v, i) => v + (sign * eps * g[i]!) / gn);
      await m.setLoraParams(shifted(1)); const lp = await lossOf(m);
      await m.setLoraParams(shifted(-1)); const lm = await lossOf(m);
      const fd = (lp - lm) / (2 * eps);
      expect(Math.abs(fd - gn) / gn).toBeLessThan(1e-3);

      await expect(m.setTemperature(0)).rejects.toMatchObject({ code: 'E_INVALID' });
      await expect(m.setTemperature(Number.NaN)).rejects.toMatchObject({ code: 'E_INVALID' });
    } finally {
      await m.dispose();
    }
  });
});
