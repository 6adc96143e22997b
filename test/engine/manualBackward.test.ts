/**
 * The hand-built backward (engine_graph.cpp, forward ops only) against ggml autograd (the legacy
 * graph, open({legacyAutograd: true})): same loss, log-probs and gradient of every LoRA target on a
 * packed multi-sequence batch with negative weights and nonzero B, for every architecture, with the
 * head in one chunk and forced into several vocabulary and token chunks. The log-probs the backward
 * computes equal the forward's (π_old). Finite differences: gradcheck.test.ts.
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { ARCHS, BATCH, WEIGHTS, maxAbsDiff, relNorm, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { delete process.env.CLIPO_ENGINE_HEAD_CHUNK; });

async function prepared(path: string, opts: Parameters<typeof EngineModel.open>[1]): Promise<EngineModel> {
  const m = await EngineModel.open(path, { threads: 1, ...opts });
  await m.lora.init({ rank: 4, alpha: 8, seed: 5 });
  const p = await m.loraParams();
  for (let i = 0; i < p.length; i++) p[i] = 0.08 * Math.sin(0.37 * i + 0.2);
  await m.setLoraParams(p);
  return m;
}

function perTarget(m: EngineModel, g: Float32Array): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  let off = 0;
  for (const t of m.lora.tensors()) {
    const n = t.shape[0] * t.shape[1];
    const kind = /\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight\.lora_(a|b)/.exec(t.name)!;
    (out[`${kind[1]}.${kind[2]}`] ??= []).push(...g.subarray(off, off + n));
    off += n;
  }
  return out;
}

describe.each(ARCHS)('%s hand-built backward', (arch) => {
  test.each([['one head chunk', ''], ['vocab and token chunks', '64,4']])('equals ggml autograd (%s)', async (_label, chunk) => {
    const path = tinyModel(dir, arch);
    if (chunk) process.env.CLIPO_ENGINE_HEAD_CHUNK = chunk;
    const manual = await prepared(path, {});
    delete process.env.CLIPO_ENGINE_HEAD_CHUNK;
    const legacy = await prepared(path, { legacyAutograd: true });
    try {
      expect(manual.rawInfo().backwardGraph).toBe('manual');
      expect(legacy.rawInfo().backwardGraph).toBe('autograd');
      const fm = await manual.forward(BATCH), fl = await legacy.forward(BATCH);
      expect(maxAbsDiff(fm.logprobs, fl.logprobs)).toBeLessThan(1e-5);
      expect(maxAbsDiff(fm.entropy, fl.entropy)).toBeLessThan(1e-5);
      expect(relNorm(fm.pooled, fl.pooled)).toBeLessThan(1e-6);
      const bm = await manual.backward(BATCH, WEIGHTS), bl = await legacy.backward(BATCH, WEIGHTS);
      expect(Math.abs(bm.loss - bl.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(bl.loss)));
      // π_old: the log-probs inside the backward graph are the forward's
      expect(maxAbsDiff(bm.logprobs!, fm.logprobs)).toBeLessThan(1e-6);
      const gm = perTarget(manual, await manual.grads()), gl = perTarget(legacy, await legacy.grads());
      expect(Object.keys(gm)).toHaveLength(14);
      const errs = Object.fromEntries(Object.keys(gl).map((k) => [k, relNorm(gm[k]!, gl[k]!)]));
      console.log(`[${arch} ${_label}] manual vs autograd: ${Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
      for (const [k, v] of Object.entries(errs)) expect(v, k).toBeLessThan(1e-4);
    } finally {
      await manual.dispose();
      await legacy.dispose();
    }
  });
});

describe('per-layer recompute (activation checkpointing)', () => {
  afterEach(() => { delete process.env.CLIPO_ENGINE_RECOMPUTE; });
  test.each(ARCHS)('%s: same loss, log-probs and gradient as keeping every activation, less compute memory', async (arch) => {
    const path = tinyModel(dir, arch, { nLayer: 3 });
    const run = async (flag: string): Promise<{ g: Float32Array; loss: number; logp: Float32Array; compute: number }> => {
      process.env.CLIPO_ENGINE_RECOMPUTE = flag;
      const m = await prepared(path, {});
      try {
        const { bytes } = await m.reserve({ tokenBudget: 256 });
        const b = await m.backward(BATCH, WEIGHTS);
        return { g: await m.grads(), loss: b.loss, logp: b.logprobs, compute: bytes.compute };
      } finally {
        await m.dispose();
      }
    };
    const keep = await run('0'), re = await run('1');
    console.log(`[${arch}] compute bytes at 256 tokens: keep ${keep.compute}, recompute ${re.compute}`);
    expect(Array.from(re.g)).toEqual(Array.from(keep.g));
    expect(re.loss).toBe(keep.loss);
    expect(Array.from(re.logp)).toEqual(Array.from(keep.logp));
    expect(re.compute).toBeLessThan(keep.compute);
  });
});
