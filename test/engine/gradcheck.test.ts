/**
 * Gradients of L = −Σ wₜ log π(yₜ) vs central finite differences of the same L
 * computed by forward (F32 model). For every LoRA target: the directional
 * derivative along that target's gradient and the 3 largest coordinates, normwise
 * relative error < 1e-3. Packed multi-sequence batch, negative weights, nonzero B.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel, LORA_TARGETS, type EngineBatch } from '../../engine/index.js';
import { ARCHS, BATCH, WEIGHTS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lossOf(m: EngineModel, batch: EngineBatch, w: number[]): Promise<number> {
  const r = await m.forward(batch, { tokenBudget: 4096 });
  let l = 0;
  for (let i = 0; i < w.length; i++) l -= w[i]! * r.logprobs[i]!;
  return l;
}

function randomize(p: Float32Array, seed: number): void {
  let s = seed;
  for (let i = 0; i < p.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    p[i] = (s / 2147483648 - 0.5) * 0.3;
  }
}

describe.each(ARCHS)('%s gradcheck', (arch) => {
  test('every LoRA target, packed batch, negative weights, nonzero B', async () => {
    const m = await EngineModel.open(tinyModel(dir, arch), { threads: 1 });
    try {
      await m.lora.init({ rank: 4, alpha: 8, seed: 5 });
      const theta = await m.loraParams();
      randomize(theta, 11);
      await m.setLoraParams(theta);
      expect(WEIGHTS.length).toBe(BATCH.reduce((a, s) => a + s.tokens.length - s.responseStart, 0));
      const b = await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      expect(b.microBatches).toBe(1);
      const l0 = await lossOf(m, BATCH, WEIGHTS);
      expect(Math.abs(b.loss - l0)).toBeLessThan(1e-4 * Math.max(1, Math.abs(l0)));
      const g = await m.grads();
      const tensors = m.lora.tensors();
      let off = 0;
      const ranges: Record<string, [number, number][]> = {};
      for (const t of tensors) {
        const n = t.shape[0] * t.shape[1];
        const kind = /\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\./.exec(t.name)![1]!;
        (ranges[kind] ??= []).push([off, off + n]);
        off += n;
      }
      expect(off).toBe(g.length);
      const names = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'];
      expect(names.length).toBe(LORA_TARGETS.length);
      for (const kind of names) {
        const idx: number[] = [];
        for (const [a, e] of ranges[kind]!) for (let i = a; i < e; i++) idx.push(i);
        const gn = Math.sqrt(idx.reduce((s, i) => s + g[i]! ** 2, 0));
        expect(gn).toBeGreaterThan(0);
        const an: number[] = [], fd: number[] = [];
        // directional derivative along this target's gradient
        const eps = 1e-2;
        const plus = Float32Array.from(theta), minus = Float32Array.from(theta);
        for (const i of idx) { plus[i] = theta[i]! + (eps * g[i]!) / gn; minus[i] = theta[i]! - (eps * g[i]!) / gn; }
        await m.setLoraParams(plus); const lp = await lossOf(m, BATCH, WEIGHTS);
        await m.setLoraParams(minus); const lm = await lossOf(m, BATCH, WEIGHTS);
        an.push(gn); fd.push((lp - lm) / (2 * eps));
        // 3 largest coordinates
        const top = [...idx].sort((a, c) => Math.abs(g[c]!) - Math.abs(g[a]!)).slice(0, 3);
        for (const i of top) {
          const e2 = 1e-2;
          const p2 = Float32Array.from(theta); p2[i] = theta[i]! + e2;
          const m2 = Float32Array.from(theta); m2[i] = theta[i]! - e2;
          await m.setLoraParams(p2); const a1 = await lossOf(m, BATCH, WEIGHTS);
          await m.setLoraParams(m2); const a2 = await lossOf(m, BATCH, WEIGHTS);
          an.push(g[i]!); fd.push((a1 - a2) / (2 * e2));
        }
        await m.setLoraParams(theta);
        const num = Math.sqrt(an.reduce((s, v, i) => s + (v - fd[i]!) ** 2, 0));
        const den = Math.sqrt(an.reduce((s, v) => s + v * v, 0));
        console.log(`[${arch}] ${kind}: |g|=${gn.toExponential(2)} normwise rel err ${(num / den).toExponential(2)}`);
        expect(num / den).toBeLessThan(1e-3);
      }
    } finally {
      await m.dispose();
    }
  });
});
