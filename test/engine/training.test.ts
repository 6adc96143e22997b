/**
 * Optimizer and training behaviour: AdamW equals a TS reference (1e-6), clipping
 * and grad norm, base weights untouched, it learns, micro-batching equals one
 * batch, accumulation adds, save/load/continue equals uninterrupted training.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel } from '../../engine/index.js';
import { BATCH, WEIGHTS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reference AdamW exactly as ggml_opt_step_adamw: decoupled decay w *= 1 − lr·wd. */
function adamwRef(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }): void {
  const b1h = 1 / (1 - o.beta1 ** t), b2h = 1 / (1 - o.beta2 ** t);
  for (let i = 0; i < w.length; i++) {
    m[i] = m[i]! * o.beta1 + g[i]! * (1 - o.beta1);
    v[i] = v[i]! * o.beta2 + g[i]! * g[i]! * (1 - o.beta2);
    const mh = m[i]! * b1h, vh = Math.sqrt(v[i]! * b2h) + o.eps;
    w[i] = w[i]! * (1 - o.lr * o.weightDecay) - (o.lr * mh) / vh;
  }
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let r = 0;
  for (let i = 0; i < a.length; i++) r = Math.max(r, Math.abs(a[i]! - b[i]!));
  return r;
}

async function openWithLora(arch: 'llama' | 'qwen2' | 'qwen3' = 'qwen2'): Promise<EngineModel> {
  const m = await EngineModel.open(tinyModel(dir, arch), { threads: 1 });
  await m.lora.init({ rank: 4, alpha: 8, seed: 9 });
  const p = await m.loraParams();
  for (let i = 0; i < p.length; i++) p[i] = 0.05 * Math.sin(0.7 * i + 0.3);
  await m.setLoraParams(p);
  return m;
}

describe('AdamW', () => {
  test('three steps equal the TS reference to 1e-6, with weight decay and clipping', async () => {
    const m = await openWithLora();
    try {
      const opts = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
      const w = Float64Array.from(await m.loraParams());
      const mm = new Float64Array(w.length), vv = new Float64Array(w.length);
      for (let t = 1; t <= 3; t++) {
        await m.backward(BATCH, WEIGHTS);
        const g = Float64Array.from(await m.grads());
        const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
        const maxGradNorm = t === 2 ? norm / 4 : 0; // clip on step 2 only
        const gn = await m.step({ ...opts, maxGradNorm });
        expect(Math.abs(gn - norm) / norm).toBeLessThan(1e-6);
        if (maxGradNorm > 0) for (let i = 0; i < g.length; i++) g[i] = g[i]! * (maxGradNorm / (norm + 1e-6));
        adamwRef(w, g, mm, vv, t, opts);
        const got = await m.loraParams();
        const err = maxAbs(got, w);
        console.log(`AdamW step ${t}: max |Δ| vs reference ${err.toExponential(2)}`);
        expect(err).toBeLessThan(1e-6);
        // gradients are zeroed by step
        expect(maxAbs(await m.grads(), new Float32Array(g.length))).toBe(0);
      }
      expect(m.lora.info?.step).toBe(3);
    } finally {
      await m.dispose();
    }
  });
});

describe('training', () => {
  test('base weights bit-identical after steps, LoRA changed, and it learns', async () => {
    const m = await openWithLora('llama');
    try {
      const target = [{ tokens: [1, 3, 290, 300, 310, 5, 320, 330, 340, 301], responseStart: 5 }];
      const w = [1, 1, 1, 1, 1];
      const base0 = await m.forward(BATCH, { adapter: false });
      const p0 = await m.loraParams();
      const lps: number[] = [];
      for (let s = 0; s < 8; s++) {
        const f = await m.forward(target);
        lps.push(f.logprobs.reduce((a, b) => a + b, 0));
        await m.backward(target, w);
        await m.step({ lr: 2e-2 });
      }
      console.log('sum log-prob over steps', lps.map((x) => x.toFixed(3)).join(' '));
      for (let i = 1; i < lps.length; i++) expect(lps[i]!).toBeGreaterThan(lps[i - 1]!);
      expect(lps[lps.length - 1]! - lps[0]!).toBeGreaterThan(1);
      const base1 = await m.forward(BATCH, { adapter: false });
      expect(Array.from(base1.logprobs)).toEqual(Array.from(base0.logprobs));
      expect(Array.from(base1.pooled)).toEqual(Array.from(base0.pooled));
      expect(maxAbs(await m.loraParams(), p0)).toBeGreaterThan(1e-3);
    } finally {
      await m.dispose();
    }
  });

  test('micro-batching and accumulation: budget 10 equals one batch; two calls double the gradient', async () => {
    const m = await openWithLora('qwen3');
    try {
      const one = await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      const g1 = await m.grads();
      await m.zeroGrad();
      const split = await m.backward(BATCH, WEIGHTS, { tokenBudget: 10 });
      expect(one.microBatches).toBe(1);
      expect(split.microBatches).toBe(3);
      expect(split.tokens).toBe(22);
      expect(split.peakBytes).toBeGreaterThan(0);
      const g2 = await m.grads();
      const scale = Math.max(...Array.from(g1, Math.abs));
      expect(maxAbs(g1, g2) / scale).toBeLessThan(1e-5);
      expect(Math.abs(one.loss - split.loss)).toBeLessThan(1e-4);
      await m.backward(BATCH, WEIGHTS, { tokenBudget: 10 });
      const g3 = await m.grads();
      expect(maxAbs(g3, g2.map((x) => 2 * x)) / scale).toBeLessThan(1e-5);
      // forward micro-batching gives the same log-probs and pooled states
      const fa = await m.forward(BATCH, { tokenBudget: 4096 });
      const fb = await m.forward(BATCH, { tokenBudget: 8 });
      expect(fb.microBatches).toBe(3);
      expect(maxAbs(fa.logprobs, fb.logprobs)).toBeLessThan(1e-5);
      expect(maxAbs(fa.pooled, fb.pooled)).toBeLessThan(1e-5);
      expect(fa.pooled.length).toBe(3 * m.info.dModel);
      expect(fa.entropy.every((h) => h > 0 && h <= Math.log(m.info.vocab) + 1e-4)).toBe(true);
    } finally {
      await m.dispose();
    }
  });

  test('saveState/loadState then continue equals uninterrupted training', async () => {
    const opts = { lr: 1e-2, weightDecay: 0.01, maxGradNorm: 1 };
    const a = await openWithLora('qwen2');
    const statePath = join(dir, 'state.bin');
    try {
      for (let s = 0; s < 2; s++) { await a.backward(BATCH, WEIGHTS); await a.step(opts); }
      await a.saveState(statePath);
      for (let s = 0; s < 2; s++) { await a.backward(BATCH, WEIGHTS); await a.step(opts); }
      const uninterrupted = await a.loraParams();
      const b = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1 });
      try {
        await b.loadState(statePath);
        expect(b.lora.info).toEqual({ rank: 4, alpha: 8, step: 2, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
        for (let s = 0; s < 2; s++) { await b.backward(BATCH, WEIGHTS); await b.step(opts); }
        expect(Array.from(await b.loraParams())).toEqual(Array.from(uninterrupted));
      } finally {
        await b.dispose();
      }
    } finally {
      await a.dispose();
    }
  });
});
