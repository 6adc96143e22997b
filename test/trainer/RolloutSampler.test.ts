import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama } from 'node-llama-cpp';
import { EngineModel } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { RolloutSampler, SamplerError, type GroupRequest, type SampledCompletion } from '../../main/trainer/rollout/RolloutSampler.js';
import { renderPromptTokens } from '../../main/trainer/rollout/renderPrompt.js';

let llama: Llama;
let sampler: RolloutSampler;
let demoPath: string;
let tinyPath: string;
const settings = { temperature: 1, topP: 1, maxTokens: 6, stop: [] as string[] };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sampler-'));
  const modelPath = join(dir, 'tiny.gguf');
  tinyPath = modelPath;
  writeTinyModel(modelPath, { arch: 'qwen2', seed: 3 });
  demoPath = join(dir, 'demo.gguf');
  writeTinyModel(demoPath, { ...TINY_DEMO_MODEL });
  llama = await loadLlama('cpu', 1);
  // fork 'always': the prompt-KV fork is the path real models take (the tiny model alone would recompute)
  sampler = await RolloutSampler.open({ llama, modelPath, groupSize: 4, groupsPerWave: 3, contextSize: 128, threads: 1, kvCacheType: 'F32', fork: 'always' });
});
afterAll(async () => {
  await sampler?.dispose();
  await llama?.dispose();
});

/** A signal that reads as aborted from its n-th check on (deterministic "abort mid-sampling"). */
function abortAfterChecks(n: number): AbortSignal {
  let checks = 0;
  return { get aborted() { return ++checks >= n; } } as AbortSignal;
}
/** A signal that never aborts but runs `hook` at its n-th check (a fault injected mid-sampling). */
function hookAtCheck(n: number, hook: () => void): AbortSignal {
  let checks = 0;
  return { get aborted() { if (++checks === n) hook(); return false; } } as AbortSignal;
}

const prompt = (q: string) => renderPromptTokens(sampler.llamaModel, { systemPrompt: '', question: q, suffix: '' }, 'none');

describe('RolloutSampler', () => {
  it('samples a group with distinct seeds, reproducibly, within max tokens', async () => {
    const p = prompt('say 7');
    expect(p.length).toBeGreaterThan(1);
    const a = await sampler.sampleGroup(p, [11, 12, 13, 14], settings);
    const b = await sampler.sampleGroup(p, [11, 12, 13, 14], settings);
    expect(a.map((c) => c.tokens)).toEqual(b.map((c) => c.tokens));
    expect(new Set(a.map((c) => c.tokens.join(','))).size).toBeGreaterThan(1);
    for (const c of a) {
      expect(c.tokens.length).toBeGreaterThan(0);
      expect(c.tokens.length).toBeLessThanOrEqual(6);
      expect(c.samplerLogprobs.length).toBe(c.tokens.length);
      for (const lp of c.samplerLogprobs) expect(lp).toBeLessThanOrEqual(0);
      expect(['eos', 'length']).toContain(c.finishReason);
      if (c.finishReason === 'length') expect(c.tokens.length).toBe(6);
    }
  });

  it('all groups together sample the same tokens, log-probs and finish reasons as one group at a time, in waves, with stop strings', async () => {
    // prompts of different lengths (one single-token prompt), groups smaller than the group size, more groups than a wave holds
    const groups: GroupRequest[] = [
      { promptTokens: prompt('what is 2 plus 3'), seeds: [1, 2, 3, 4] },
      { promptTokens: [1], seeds: [5, 6, 7] },
      { promptTokens: prompt('hello world, the answer is'), seeds: [8, 9, 10, 11] },
      { promptTokens: prompt('count'), seeds: [12, 13, 14, 15] },
      { promptTokens: prompt('a'), seeds: [16, 17] },
    ];
    const s = { temperature: 0.9, topP: 1, maxTokens: 24, stop: ['e'] };
    const together = await sampler.sampleGroups(groups, s);
    const alone: SampledCompletion[][] = [];
    for (const g of groups) alone.push(await sampler.sampleGroup(g.promptTokens, g.seeds, s));
    // and with every sequence evaluating the prompt itself instead of the fork
    const own = await RolloutSampler.open({ llama, modelPath: tinyPath, groupSize: 4, groupsPerWave: 3, contextSize: 128, threads: 1, kvCacheType: 'F32', fork: 'never' });
    const recomputed = await own.sampleGroups(groups, s).finally(() => own.dispose());
    expect(recomputed.map((g) => g.map((c) => c.tokens))).toEqual(together.map((g) => g.map((c) => c.tokens)));
    // Token ids identical; log-probs equal to float rounding: llama.cpp's CPU matmul takes ggml's vec_dot for a
    // one-token ubatch and llamafile's sgemm for two or more (ggml-cpu/llamafile/sgemm.cpp: `if (n < 2) return false`),
    // which sum in different orders, so a sequence left alone in its ubatch gets logits a few ulps apart.
    expect(together.map((g) => g.map((c) => [c.tokens, c.finishReason, c.text]))).toEqual(alone.map((g) => g.map((c) => [c.tokens, c.finishReason, c.text])));
    let worst = 0;
    together.forEach((g, k) => g.forEach((c, i) => c.samplerLogprobs.forEach((lp, t) => { worst = Math.max(worst, Math.abs(lp - alone[k]![i]!.samplerLogprobs[t]!)); })));
    expect(worst).toBeLessThan(1e-5);
    const reasons = together.flat().map((c) => c.finishReason);
    expect(reasons).toContain('stop');
    expect(reasons).toContain('length');
    for (const c of together.flat()) if (c.finishReason === 'stop') expect(c.text).toContain('e');
  });

  it('an aborted signal stops generation', async () => {
    const ac = new AbortController();
    ac.abort();
    const out = await sampler.sampleGroup(prompt('x'), [1], { ...settings, maxTokens: 50 }, ac.signal);
    expect(out[0]!.finishReason).toBe('abort');
    expect(out[0]!.tokens.length).toBe(0);
  });

  it('an abort mid-sampling stops every sequence of every group within one token, and the sampler stays usable', async () => {
    const groups = [0, 1, 2].map((k) => ({ promptTokens: prompt(`q${k}`), seeds: [k * 4 + 1, k * 4 + 2, k * 4 + 3, k * 4 + 4] }));
    const long = { ...settings, temperature: 1, maxTokens: 100 };
    // checks: one per decode step (plus one per wave); aborted at the 6th → at most 5 tokens each
    const out = await sampler.sampleGroups(groups, long, abortAfterChecks(6));
    for (const c of out.flat()) {
      expect(c.tokens.length).toBeLessThanOrEqual(5);
      expect(c.samplerLogprobs.length).toBe(c.tokens.length);
      if (c.finishReason !== 'eos') expect(c.finishReason).toBe('abort');
    }
    expect(out.flat().filter((c) => c.finishReason === 'abort').length).toBeGreaterThan(0);
    const again = await sampler.sampleGroups(groups, { ...long, maxTokens: 3 });
    expect(again.flat().every((c) => c.finishReason !== 'abort')).toBe(true);
  });

  it('a failure inside node-llama-cpp fails the call with a clear SamplerError and no half-sampled result', async () => {
    const own = await RolloutSampler.open({ llama, modelPath: demoPath, groupSize: 2, contextSize: 64, threads: 1 });
    try {
      const ctx = (own as unknown as { context: { dispose(): Promise<void> } }).context;
      const err = await own.sampleGroup([1, 261, 88], [1, 2], { ...settings, maxTokens: 40 }, hookAtCheck(3, () => { void ctx.dispose(); }))
        .then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(SamplerError);
      expect((err as SamplerError).code).toBe('E_SAMPLER');
      expect((err as Error).message).toMatch(/sampling failed inside node-llama-cpp: .*dispos/i);
      // too long for the context: refused up front instead of node-llama-cpp silently erasing the prompt's start
      const big = await own.sampleGroups([{ promptTokens: Array(40).fill(261), seeds: [1] }], { ...settings, maxTokens: 40 }).then(() => null, (e: unknown) => e);
      expect(big).toBeInstanceOf(SamplerError);
    } finally {
      await own.dispose().catch(() => undefined);
    }
  });

  it('long completions sampled together agree with the engine’s π_old on every token (no outlier allowance)', async () => {
    const engine = await EngineModel.open(demoPath, { threads: 1 });
    const own = await RolloutSampler.open({ llama, modelPath: demoPath, groupSize: 8, groupsPerWave: 4, contextSize: 128, threads: 1, kvCacheType: 'F32', fork: 'always' });
    try {
      let worst = 0, n = 0;
      for (let round = 0; round < 2; round++) {
        const groups = [0, 1, 2, 3].map((k) => ({ promptTokens: [1, 261 + k, 272, 296 + round, 316], seeds: Array.from({ length: 8 }, (_, i) => 1000 * round + 10 * k + i) }));
        const out = await own.sampleGroups(groups, { temperature: 1, topP: 1, maxTokens: 64, stop: [] });
        const flat = groups.flatMap((g, k) => out[k]!.map((c) => ({ prompt: g.promptTokens, c })));
        const fwd = await engine.forward(flat.map(({ prompt: p, c }) => ({ tokens: [...p, ...c.tokens], responseStart: p.length })));
        flat.forEach(({ c }, i) => c.samplerLogprobs.forEach((lp, t) => { worst = Math.max(worst, Math.abs(lp - fwd.logprobs[fwd.offsets[i]! + t]!)); n++; }));
      }
      console.log(`sampler vs engine over ${n} tokens (64 completions ≤ 64 tokens, 32 sequences per batch): max |Δ log p| = ${worst.toExponential(2)}`);
      expect(n).toBeGreaterThan(1000);
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await own.dispose();
      await engine.dispose();
    }
  });
});
