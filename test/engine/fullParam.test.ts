/**
 * Full-parameter training (model.full, engine/src/engine_full.cpp): every model tensor trainable.
 *
 * - gradients of every tensor kind vs central finite differences of the loss computed by forward
 *   (llama tied/untied, qwen2 with biases tied/untied, qwen3 with q/k norms), packed batch, negative weights;
 * - the SFT loss (token-mean NLL of the answer, prompt masked) vs llama.cpp's log-probs of the same tokens,
 *   and masking by responseStart equals masking by zero weights (same loss, same gradient);
 * - AdamW vs a hand computation from the gradients the engine reports (two steps, weight decay on
 *   matrices only, clipping);
 * - state save → load → step is bit-identical to an uninterrupted run;
 * - saveGguf: the reopened F32 model gives identical log-probs; llama.cpp loads it, matches and generates;
 * - refusals: LoRA active, full active + lora.init, too many parameters, NaN state, forward without adapter.
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel, type EngineBatch } from '../../engine/index.js';
import { BATCH, WEIGHTS, llamaCppLogprobs, maxAbsDiff, relNorm, tempDir, tinyModel } from './engineFixtures.js';
import type { TinyArch } from '../../main/models/gguf/index.js';
import { sftBatch } from '../../main/trainer/sft/sftBatch.js';

const dir = tempDir('clipo-full-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { delete process.env.CLIPO_ENGINE_HEAD_CHUNK; delete process.env.CLIPO_ENGINE_RECOMPUTE; });

async function lossOf(m: EngineModel, batch: EngineBatch, w: readonly number[]): Promise<number> {
  const r = await m.forward(batch, { tokenBudget: 4096 });
  let l = 0;
  for (let i = 0; i < w.length; i++) l -= w[i]! * r.logprobs[i]!;
  return l;
}

/** Tensor kind: the GGUF name without the layer prefix (blk.1.attn_q.weight -> attn_q.weight). */
const kindOf = (name: string): string => name.replace(/^blk\.\d+\./, '');

const CASES: { arch: TinyArch; tied: boolean; kinds: string[] }[] = [
  { arch: 'llama', tied: false, kinds: ['output.weight'] },
  { arch: 'llama', tied: true, kinds: [] },
  { arch: 'qwen2', tied: true, kinds: ['attn_q.bias', 'attn_k.bias', 'attn_v.bias'] },
  { arch: 'qwen2', tied: false, kinds: ['output.weight', 'attn_v.bias'] },
  { arch: 'qwen3', tied: true, kinds: ['attn_q_norm.weight', 'attn_k_norm.weight'] },
];
const COMMON = ['token_embd.weight', 'output_norm.weight', 'attn_norm.weight', 'attn_q.weight', 'attn_k.weight', 'attn_v.weight',
  'attn_output.weight', 'ffn_norm.weight', 'ffn_gate.weight', 'ffn_up.weight', 'ffn_down.weight'];

describe.each(CASES)('$arch tied=$tied full-parameter gradcheck', ({ arch, tied, kinds }) => {
  test('every tensor kind vs central differences', async () => {
    const m = await EngineModel.open(tinyModel(dir, arch, { tiedEmbeddings: tied }), { threads: 1 });
    try {
      await m.full.init();
      expect(m.info.trainable).toBe('full');
      const tensors = m.full.tensors();
      const theta = await m.full.params();
      expect(theta.length).toBe(m.info.trainableParams);
      expect(tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0)).toBe(theta.length);
      expect(tensors.some((t) => t.name === 'output.weight')).toBe(!tied);
      const b = await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      const l0 = await lossOf(m, BATCH, WEIGHTS);
      expect(Math.abs(b.loss - l0)).toBeLessThan(1e-4 * Math.max(1, Math.abs(l0)));
      const g = await m.full.grads();
      const ranges = new Map<string, [number, number][]>();
      let off = 0;
      for (const t of tensors) {
        const n = t.shape.reduce((a, c) => a * c, 1);
        const k = kindOf(t.name);
        if (!ranges.has(k)) ranges.set(k, []);
        ranges.get(k)!.push([off, off + n]);
        off += n;
      }
      const want = [...COMMON, ...kinds];
      for (const k of want) expect(ranges.has(k), k).toBe(true);
      for (const kind of ranges.keys()) {
        const idx: number[] = [];
        for (const [a, e] of ranges.get(kind)!) for (let i = a; i < e; i++) idx.push(i);
        const gn = Math.sqrt(idx.reduce((s, i) => s + g[i]! ** 2, 0));
        expect(gn, kind).toBeGreaterThan(0);
        const an: number[] = [], fd: number[] = [];
        const eps = 1e-2;
        const plus = Float32Array.from(theta), minus = Float32Array.from(theta);
        for (const i of idx) { plus[i] = theta[i]! + (eps * g[i]!) / gn; minus[i] = theta[i]! - (eps * g[i]!) / gn; }
        await m.full.setParams(plus); const lp = await lossOf(m, BATCH, WEIGHTS);
        await m.full.setParams(minus); const lm = await lossOf(m, BATCH, WEIGHTS);
        an.push(gn); fd.push((lp - lm) / (2 * eps));
        const top = [...idx].sort((a, c) => Math.abs(g[c]!) - Math.abs(g[a]!)).slice(0, 3);
        for (const i of top) {
          const p2 = Float32Array.from(theta); p2[i] = theta[i]! + eps;
          const m2 = Float32Array.from(theta); m2[i] = theta[i]! - eps;
          await m.full.setParams(p2); const a1 = await lossOf(m, BATCH, WEIGHTS);
          await m.full.setParams(m2); const a2 = await lossOf(m, BATCH, WEIGHTS);
          an.push(g[i]!); fd.push((a1 - a2) / (2 * eps));
        }
        await m.full.setParams(theta);
        const num = Math.sqrt(an.reduce((s, v, i) => s + (v - fd[i]!) ** 2, 0));
        const den = Math.sqrt(an.reduce((s, v) => s + v * v, 0));
        console.log(`[${arch}${tied ? ' tied' : ''}] ${kind}: |g|=${gn.toExponential(2)} normwise rel err ${(num / den).toExponential(2)}`);
        expect(num / den, kind).toBeLessThan(1e-3);
      }
    } finally {
      await m.dispose();
    }
  });
});

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe('full-parameter optimizer and state', () => {
  test('two AdamW steps match a hand computation (decay on matrices only, clipping)', async () => {
    const m = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1 });
    try {
      await m.full.init();
      const tensors = m.full.tensors();
      const offsetOf = (name: string): number => {
        let o = 0;
        for (const t of tensors) { if (t.name === name) return o; o += t.shape.reduce((a, b) => a * b, 1); }
        throw new Error(name);
      };
      const opt = { lr: 1e-2, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, maxGradNorm: 5 };
      // a few coordinates of decayed and non-decayed tensors
      const probes: { i: number; decay: boolean }[] = [
        { i: offsetOf('token_embd.weight') + 64 * 290 + 3, decay: true },
        { i: offsetOf('blk.1.attn_q.weight') + 17, decay: true },
        { i: offsetOf('blk.0.ffn_down.weight') + 100, decay: true },
        { i: offsetOf('output_norm.weight') + 5, decay: false },
        { i: offsetOf('blk.0.attn_k.bias') + 2, decay: false },
      ];
      let p = await m.full.params();
      const mom = probes.map(() => ({ m: 0, v: 0 }));
      for (let t = 1; t <= 2; t++) {
        await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
        const g = await m.full.grads();
        let ss = 0;
        for (const v of g) ss += v * v;
        const norm = Math.sqrt(ss);
        const clip = norm > opt.maxGradNorm ? opt.maxGradNorm / (norm + 1e-6) : 1;
        expect(clip).toBeLessThan(1);   // clipping is exercised
        const gn = await m.step(opt);
        expect(Math.abs(gn - norm) / norm).toBeLessThan(1e-5);
        const p1 = await m.full.params();
        probes.forEach(({ i, decay }, k) => {
          const gi = g[i]! * clip;
          const s = mom[k]!;
          s.m = opt.beta1 * s.m + (1 - opt.beta1) * gi;
          s.v = opt.beta2 * s.v + (1 - opt.beta2) * gi * gi;
          const mh = s.m / (1 - opt.beta1 ** t), vh = s.v / (1 - opt.beta2 ** t);
          const want = p[i]! * (1 - opt.lr * (decay ? opt.weightDecay : 0)) - (opt.lr * mh) / (Math.sqrt(vh) + opt.eps);
          expect(Math.abs(p1[i]! - want), `step ${t} probe ${k}`).toBeLessThan(1e-6);
          expect(p1[i]).not.toBe(p[i]);
        });
        expect(m.full.info!.step).toBe(t);
        expect(maxAbsDiff(await m.full.grads(), new Float32Array(g.length))).toBe(0);   // zeroed by step
        p = p1;
      }
    } finally {
      await m.dispose();
    }
  });

  test('state save -> load -> step is bit-identical to an uninterrupted run', async () => {
    const path = tinyModel(dir, 'llama');
    const state = join(dir, 'full.state');
    const opt = { lr: 3e-3, weightDecay: 0.01, maxGradNorm: 1 };
    const a = await EngineModel.open(path, { threads: 1 });
    const b = await EngineModel.open(path, { threads: 1 });
    try {
      await a.full.init();
      for (let s = 0; s < 2; s++) { await a.backward(BATCH, WEIGHTS, { tokenBudget: 4096 }); await a.step(opt); }
      await a.saveState(state);
      await a.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      await a.step(opt);
      // b enters full mode from the state file alone
      await b.loadState(state);
      expect(b.info.trainable).toBe('full');
      expect(b.full.info!.step).toBe(2);
      await b.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      await b.step(opt);
      expect(b.full.info!.step).toBe(3);
      expect(bitsEqual(await a.full.params(), await b.full.params())).toBe(true);
      // and once more, so the moments were restored too (a step after a wrong m/v would differ)
      await a.backward(BATCH, WEIGHTS, { tokenBudget: 4096 }); await a.step(opt);
      await b.backward(BATCH, WEIGHTS, { tokenBudget: 4096 }); await b.step(opt);
      expect(bitsEqual(await a.full.params(), await b.full.params())).toBe(true);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  test('a state file holding NaN (valid checksum) is refused and the model is unchanged', async () => {
    const path = tinyModel(dir, 'qwen3');
    const state = join(dir, 'nan.state');
    const m = await EngineModel.open(path, { threads: 1 });
    try {
      await m.full.init();
      await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
      await m.step({ lr: 1e-3 });
      await m.saveState(state);
      const bytes = readFileSync(state);
      // header: magic 8, version 4, fingerprint 8, n_tensors 4, step 8, n_floats 8 = 40; floats; fnv1a u64
      const n = Number(bytes.readBigUInt64LE(32));
      const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 40, bytes.byteOffset + 40 + 4 * n));
      floats[123] = NaN;
      let h = 1469598103934665603n;   // the engine's FNV-1a offset (engine_full.cpp full_hash)
      const u8 = new Uint8Array(floats.buffer);
      for (const byte of u8) { h ^= BigInt(byte); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
      const out = Buffer.concat([bytes.subarray(0, 40), Buffer.from(u8), Buffer.alloc(8)]);
      out.writeBigUInt64LE(h, 40 + 4 * n);
      writeFileSync(state, out);
      const before = await m.full.params();
      await expect(m.loadState(state)).rejects.toMatchObject({ code: 'E_INVALID', message: expect.stringMatching(/NaN/) });
      expect(bitsEqual(before, await m.full.params())).toBe(true);
      expect(m.full.info!.step).toBe(1);
    } finally {
      await m.dispose();
    }
  });
});

describe('full-parameter saveGguf', () => {
  test('F32 round trip: same log-probs in the engine; llama.cpp loads it, matches and generates', async () => {
    const src = tinyModel(dir, 'qwen2', { tiedEmbeddings: false });
    const out = join(dir, 'trained-f32.gguf');
    const m = await EngineModel.open(src, { threads: 1 });
    let trained: Float32Array;
    try {
      await m.full.init();
      for (let s = 0; s < 3; s++) { await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 }); await m.step({ lr: 1e-2 }); }
      trained = (await m.forward(BATCH, { tokenBudget: 4096 })).logprobs;
      const base = await EngineModel.open(src, { threads: 1 });
      const before = (await base.forward(BATCH, { tokenBudget: 4096 })).logprobs;
      await base.dispose();
      expect(maxAbsDiff(trained, before)).toBeGreaterThan(1e-3);   // training changed the model
      await m.full.saveGguf(out, { type: 'f32' });
      await m.full.saveGguf(join(dir, 'trained-f16.gguf'), { type: 'f16' });
    } finally {
      await m.dispose();
    }
    const r = await EngineModel.open(out, { threads: 1 });
    try {
      expect(r.info.trainable).toBe('none');
      expect(bitsEqual((await r.forward(BATCH, { tokenBudget: 4096 })).logprobs, trained)).toBe(true);
    } finally {
      await r.dispose();
    }
    const h = await EngineModel.open(join(dir, 'trained-f16.gguf'), { threads: 1 });
    try {
      expect(h.info.types).toContain('f16');
      expect(maxAbsDiff((await h.forward(BATCH, { tokenBudget: 4096 })).logprobs, trained)).toBeLessThan(5e-2);
    } finally {
      await h.dispose();
    }
    // llama.cpp: same log-probs (F32 KV cache) and it generates
    const seq = BATCH[0]!;
    const ref = await llamaCppLogprobs(out, [...seq.tokens], seq.responseStart);
    const n0 = seq.tokens.length - seq.responseStart;
    expect(maxAbsDiff(ref, trained.slice(0, n0))).toBeLessThan(1e-4);
    const { getLlama, LlamaCompletion } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: out, gpuLayers: 0 });
    try {
      const ctx = await model.createContext({ contextSize: 128, threads: 1 });
      const text = await new LlamaCompletion({ contextSequence: ctx.getSequence() }).generateCompletion('the answer is', { maxTokens: 6, temperature: 0 });
      expect(typeof text).toBe('string');
      await ctx.dispose();
    } finally {
      await model.dispose();
    }
  });
});

describe('full-parameter refusals', () => {
  test('LoRA and full are exclusive; too many parameters; no reference forward; bad options', async () => {
    const path = tinyModel(dir, 'llama');
    const m = await EngineModel.open(path, { threads: 1 });
    try {
      await m.lora.init({ rank: 2, alpha: 4 });
      await expect(m.full.init()).rejects.toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringMatching(/LoRA adapter is active/) });
      expect(m.info.trainable).toBe('lora');
    } finally {
      await m.dispose();
    }
    const f = await EngineModel.open(path, { threads: 1 });
    try {
      await expect(f.full.init({ maxParams: 1000 })).rejects.toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringMatching(/limited to 1000/) });
      expect(f.info.trainable).toBe('none');
      await expect(f.full.init({ maxParams: -1 })).rejects.toMatchObject({ code: 'E_INVALID' });
      await expect(f.full.tensors.bind(f.full)).toThrow(/full.init/);
      await f.full.init();
      await expect(f.lora.init({ rank: 2, alpha: 4 })).rejects.toMatchObject({ code: 'E_UNSUPPORTED', message: expect.stringMatching(/exclusive/) });
      await expect(f.forward(BATCH, { adapter: false })).rejects.toMatchObject({ code: 'E_STATE', message: expect.stringMatching(/adapter: false/) });
      await expect(f.full.saveGguf(join(dir, 'x.gguf'), { type: 'q8' as 'f32' })).rejects.toMatchObject({ code: 'E_INVALID' });
      await expect(f.full.setParams(new Float32Array(3))).rejects.toMatchObject({ code: 'E_INVALID' });
      const bytes = f.info.trainableBytes;
      expect(bytes.weights).toBe(4 * f.info.trainableParams);
      expect(bytes.grads).toBe(4 * f.info.trainableParams);
      expect(bytes.moments).toBe(8 * f.info.trainableParams);
      const r = await f.reserve({ tokenBudget: 64 });
      expect(r.bytes.grads).toBe(bytes.grads);
      expect(r.bytes.moments).toBe(bytes.moments);
      expect(r.peakBytes).toBeGreaterThanOrEqual(bytes.weights + bytes.grads + bytes.moments + r.bytes.compute);
    } finally {
      await f.dispose();
    }
  });
});

describe('full-parameter SFT loss and graph variants', () => {
  test('SFT loss = −mean log p of the answer tokens (llama.cpp), prompt masked by responseStart or by zero weights', async () => {
    const path = tinyModel(dir, 'llama');
    const items = [
      { promptTokens: [1, 3, 290, 300, 310], targetTokens: [320, 330, 340, 4] },
      { promptTokens: [1, 301, 302], targetTokens: [10, 11, 303, 4] },
    ];
    const b = sftBatch(items);
    // hand computation from llama.cpp's log-probs of the same sequences
    let ref = 0;
    for (const s of b.seqs) {
      const lp = await llamaCppLogprobs(path, [...s.tokens], s.responseStart);
      for (const v of lp) ref -= v;
    }
    ref /= b.targetTokens;
    const m = await EngineModel.open(path, { threads: 1 });
    try {
      await m.full.init();
      const r1 = await m.backward(b.seqs, b.weights, { tokenBudget: 4096 });
      expect(Math.abs(r1.loss - ref)).toBeLessThan(1e-5);
      const g1 = await m.full.grads();
      await m.zeroGrad();
      // the same loss with the prompt scored but weighted 0
      const seqs = b.seqs.map((s) => ({ tokens: s.tokens, responseStart: 1 }));
      const w: number[] = [];
      items.forEach((it) => {
        for (let i = 1; i < it.promptTokens.length; i++) w.push(0);
        for (let i = 0; i < it.targetTokens.length; i++) w.push(1 / b.targetTokens);
      });
      const r2 = await m.backward(seqs, w, { tokenBudget: 4096 });
      expect(Math.abs(r2.loss - r1.loss)).toBeLessThan(1e-6);
      expect(relNorm(await m.full.grads(), g1)).toBeLessThan(1e-5);
    } finally {
      await m.dispose();
    }
  });

  test('vocab/token head chunks and per-layer recompute give the same gradient; an F16 source trains as its F32 values', async () => {
    const path = tinyModel(dir, 'qwen2', { tiedEmbeddings: false });
    const gradOf = async (p: string): Promise<{ g: Float32Array; loss: number }> => {
      const m = await EngineModel.open(p, { threads: 1 });
      try {
        await m.full.init();
        const r = await m.backward(BATCH, WEIGHTS, { tokenBudget: 4096 });
        return { g: await m.full.grads(), loss: r.loss };
      } finally {
        await m.dispose();
      }
    };
    const base = await gradOf(path);
    process.env.CLIPO_ENGINE_HEAD_CHUNK = '64,4';
    const chunked = await gradOf(path);
    delete process.env.CLIPO_ENGINE_HEAD_CHUNK;
    process.env.CLIPO_ENGINE_RECOMPUTE = '1';
    const recomputed = await gradOf(path);
    delete process.env.CLIPO_ENGINE_RECOMPUTE;
    expect(relNorm(chunked.g, base.g)).toBeLessThan(1e-5);
    expect(Math.abs(chunked.loss - base.loss)).toBeLessThan(1e-4);
    expect(bitsEqual(recomputed.g, base.g)).toBe(true);
    // F16 source: full.init converts to F32; same values as opening it with an F32 copy
    const f16 = tinyModel(dir, 'qwen2', { tiedEmbeddings: false, weightType: 'F16' });
    const h = await EngineModel.open(f16, { threads: 1 });
    const c = await EngineModel.open(f16, { threads: 1, frozen: 'f32' });
    try {
      const before = (await h.forward(BATCH, { tokenBudget: 4096 })).logprobs;
      await h.full.init();
      expect(h.info.frozenWeights).toBe('f32');
      expect(bitsEqual((await h.forward(BATCH, { tokenBudget: 4096 })).logprobs, before)).toBe(true);
      expect(bitsEqual((await c.forward(BATCH, { tokenBudget: 4096 })).logprobs, before)).toBe(true);
    } finally {
      await h.dispose();
      await c.dispose();
    }
  });
});
