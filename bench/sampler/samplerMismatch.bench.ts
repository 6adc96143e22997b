/**
 * Sampler soak: every sampled token's probability as node-llama-cpp reported it, against the
 * engine's π_old of the same token, for groups sampled the way the trainer samples them (all
 * prompts of a step together: RolloutSampler.sampleGroups). A group is mismatched when any of its
 * tokens differs by more than 1e-3 in log-prob (F32 KV agrees to ~3e-6; the wrong-logits-row
 * fault gave up to 8.7 nats). Soaks short (2-token) and long (64-token) completions and prints
 *   sampler: N groups, M mismatched
 * Background (docs/ENGINE.md, "Sampler vs trainer"): before the fix, 6 groups in 31,844 had a
 * sequence sampled from another sequence's logits row.
 *   BENCH_SECONDS=60 BENCH_LONG_SECONDS=60 npm run bench:sampler
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { RolloutSampler, type GroupRequest, type SampledCompletion, type SamplingSettings } from '../../main/trainer/rollout/RolloutSampler.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';

const SHORT_SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const LONG_SECONDS = Number(process.env.BENCH_LONG_SECONDS ?? SHORT_SECONDS);
const G = 8;
const PROMPTS_PER_STEP = Number(process.env.BENCH_PROMPTS ?? 8);
// demo-like prompts: 5 prompt tokens, T = 1, no truncation (the sampler's probabilities are then the engine's)
const PROMPTS = [[261, 88, 272, 296, 316], [261, 90, 272, 296, 316], [261, 95, 272, 300, 316], [261, 88, 280, 296, 316], [1, 300, 301], [1, 270, 280, 290, 300, 310, 320, 262]];

async function soak(engine: EngineModel, sampler: RolloutSampler, settings: SamplingSettings, seconds: number, seedBase: number) {
  let groups = 0, bad = 0, worst = 0, tokens = 0, round = 0, samplerMs = 0;
  const check = async (requests: GroupRequest[], out: SampledCompletion[][]) => {
    const flat = out.flatMap((g, k) => g.map((c) => ({ prompt: requests[k]!.promptTokens, c })));
    const fwd = await engine.forward(flat.map(({ prompt, c }) => ({ tokens: [...prompt, ...c.tokens], responseStart: prompt.length })));
    let j = 0;
    for (const g of out) {
      let groupWorst = 0;
      for (const c of g) {
        c.samplerLogprobs.forEach((lp, t) => { groupWorst = Math.max(groupWorst, Math.abs(lp - fwd.logprobs[fwd.offsets[j]! + t]!)); tokens++; });
        j++;
      }
      if (groupWorst > 1e-3) bad++;
      worst = Math.max(worst, groupWorst);
      groups++;
    }
  };
  // The engine checks round r while the sampler samples round r + 1 (two native threads).
  let pending: Promise<void> = Promise.resolve();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const requests = Array.from({ length: PROMPTS_PER_STEP }, (_, k) => ({
      promptTokens: PROMPTS[(round * PROMPTS_PER_STEP + k) % PROMPTS.length]!,
      seeds: Array.from({ length: G }, (_, i) => seedBase + (round * PROMPTS_PER_STEP + k) * G + i),
    }));
    round++;
    const ts = performance.now();
    const out = await sampler.sampleGroups(requests, settings);
    samplerMs += performance.now() - ts;
    await pending;
    pending = check(requests, out);
  }
  await pending;
  return { groups, bad, worst, tokens, perSec: groups / ((performance.now() - t0) / 1000), samplerShare: samplerMs / (performance.now() - t0) };
}

test('sampler vs engine: groups sampled together, short and long completions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clipo-soak-'));
  const modelPath = join(dir, 'm.gguf');
  writeTinyModel(modelPath, { ...TINY_DEMO_MODEL });
  const engine = await EngineModel.open(modelPath, { threads: 1 });
  const llama = await loadLlama('cpu', 1);
  const sampler = await RolloutSampler.open({ llama, modelPath, groupSize: G, groupsPerWave: PROMPTS_PER_STEP, contextSize: 128, threads: 1, kvCacheType: 'F32' });
  try {
    const short = await soak(engine, sampler, { temperature: 1, topP: 1, maxTokens: 2, stop: [] }, SHORT_SECONDS, 1);
    console.log(`short (2 tokens):  ${short.groups} groups, ${short.tokens} tokens, ${short.perSec.toFixed(0)} groups/s (${(100 * short.samplerShare).toFixed(0)}% sampling), ${short.bad} mismatched, worst |Δ log p| ${short.worst.toExponential(2)}`);
    const long = await soak(engine, sampler, { temperature: 1, topP: 1, maxTokens: 64, stop: [] }, LONG_SECONDS, 1e8);
    console.log(`long (≤64 tokens): ${long.groups} groups, ${long.tokens} tokens, ${long.perSec.toFixed(1)} groups/s (${(100 * long.samplerShare).toFixed(0)}% sampling), ${long.bad} mismatched, worst |Δ log p| ${long.worst.toExponential(2)}`);
    console.log(`sampler: ${short.groups + long.groups} groups, ${short.bad + long.bad} mismatched`);
  } finally {
    await sampler.dispose();
    await llama.dispose();
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, (SHORT_SECONDS + LONG_SECONDS) * 3 * 1000 + 60_000);
