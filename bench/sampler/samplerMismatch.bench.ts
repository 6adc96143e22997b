/**
 * Sampler soak: every sampled token's probability as node-llama-cpp reported it, against the
 * engine's π_old of the same token, for groups sampled the way the trainer samples them (all
 * prompts of a round together: RolloutSampler.sampleGroups, prompts of mixed lengths in one wave).
 * A group is mismatched when any of its tokens differs by more than 1e-3 in log-prob, or the engine
 * has no finite log-prob for it (F32 KV agrees to ~3e-6; the wrong-logits-row fault gave up to
 * 8.7 nats). No outlier allowance: one such token anywhere makes its group count. Short rounds
 * sample 2 tokens per completion (the fault hit the second token); every BENCH_LONG_EVERY-th round
 * samples up to 64 (EOS may end one earlier; the count that reached 64 is printed). Prints
 *   sampler: N groups, M mismatched
 * Background (docs/ENGINE.md, "Sampler vs trainer"): before the fix, 6 groups in 31,844 had a
 * sequence sampled from another sequence's logits row.
 *
 * Where the time goes (2 cores, demo model): sampling ~1 ms of CPU per sequence for a 2-token
 * completion (0.4 ms of it the prompt prefill call, ~0.2 ms per decoded token: node-llama-cpp's
 * per-token promise chain and libuv sample job), the same per sequence whether 8 or 32 groups share
 * a wave. The engine checks round r on the other core while round r + 1 samples (~2 ms of CPU per
 * short group), all of a round's sequences in one forward call but in small micro-batches: its
 * packed attention is quadratic in the micro-batch, and tokenBudget 2048 cost 2.5x tokenBudget 64 on
 * 2-token groups, 7.5x tokenBudget 128 on 64-token ones; so the budget is the longest sequence, ≥ 64.
 *   npm run bench:sampler                       (100,000 groups, 1 in 100 long)
 *   BENCH_GROUPS=2000 BENCH_PROGRESS=soak.log npm run bench:sampler
 *   BENCH_FIRST_GROUP=500000 …                  (another range of prompts and seeds, e.g. a second shard)
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { RolloutSampler, type GroupRequest, type SampledCompletion, type SamplingSettings } from '../../main/trainer/rollout/RolloutSampler.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';

const TARGET_GROUPS = Number(process.env.BENCH_GROUPS ?? 100_000);
/** First group index (prompts and seeds follow it): concurrent or later runs with disjoint ranges add up. */
const FIRST_GROUP = Number(process.env.BENCH_FIRST_GROUP ?? 0);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 6 * 3600);
const PROGRESS_FILE = process.env.BENCH_PROGRESS;
const G = 8;
const PROMPTS_PER_ROUND = Number(process.env.BENCH_PROMPTS ?? 16);
/** Every LONG_EVERY-th round is long: 1 group in 100 (a long group costs ~20 short ones, so ~1/6 of the sampling time). */
const LONG_EVERY = Number(process.env.BENCH_LONG_EVERY ?? 100);
const SHORT_TOKENS = 2;
const LONG_TOKENS = 64;
const MAX_PROMPT = 12;
const TOLERANCE = 1e-3;

/** Demo-like prompts (BOS + 2–11 ordinary pieces, T = 1, no truncation), varied per group by a hash. */
function prompt(group: number): number[] {
  let h = (group + 1) * 2654435761 >>> 0;
  const next = () => (h = (Math.imul(h ^ (h >>> 15), 2246822507) + 0x9e3779b9) >>> 0);
  const len = 3 + (next() % (MAX_PROMPT - 2));
  return [1, ...Array.from({ length: len - 1 }, () => 5 + (next() % 320))];
}

interface Tally { groups: number; bad: number; worst: number; tokens: number; full: number; completions: number }
const tally = (): Tally => ({ groups: 0, bad: 0, worst: 0, tokens: 0, full: 0, completions: 0 });

test('sampler vs engine: groups sampled together, short and long completions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clipo-soak-'));
  const modelPath = join(dir, 'm.gguf');
  writeTinyModel(modelPath, { ...TINY_DEMO_MODEL });
  const engine = await EngineModel.open(modelPath, { threads: 1 });
  const llama = await loadLlama('cpu', 1);
  const sampler = await RolloutSampler.open({ llama, modelPath, groupSize: G, groupsPerWave: PROMPTS_PER_ROUND,
    contextSize: MAX_PROMPT + LONG_TOKENS + 4, threads: 1, kvCacheType: 'F32' });
  const short = tally(), long = tally();
  let samplerMs = 0, engineMs = 0;
  const check = async (requests: GroupRequest[], out: SampledCompletion[][], t: Tally, maxTokens: number) => {
    const flat = out.flatMap((g, k) => g.map((c) => ({ prompt: requests[k]!.promptTokens, c })));
    const longest = Math.max(...flat.map(({ prompt: p, c }) => p.length + c.tokens.length));
    const te = performance.now();
    const fwd = await engine.forward(flat.map(({ prompt: p, c }) => ({ tokens: [...p, ...c.tokens], responseStart: p.length })),
      { tokenBudget: Math.max(64, longest) });
    engineMs += performance.now() - te;
    let j = 0;
    out.forEach((g, k) => {
      let groupWorst = 0;
      let ok = g.length === requests[k]!.seeds.length;
      for (const c of g) {
        ok &&= c.tokens.length > 0 && c.tokens.length === c.samplerLogprobs.length && fwd.offsets[j + 1]! - fwd.offsets[j]! === c.tokens.length;
        c.samplerLogprobs.forEach((lp, i) => {
          const d = Math.abs(lp - fwd.logprobs[fwd.offsets[j]! + i]!);
          // NaN (no finite log-prob on either side) is a mismatch: !(d <= tol), not d > tol.
          if (!(d <= TOLERANCE)) ok = false;
          groupWorst = Number.isFinite(d) ? Math.max(groupWorst, d) : Infinity;
          t.tokens++;
        });
        t.completions++;
        if (c.tokens.length >= maxTokens) t.full++;
        j++;
      }
      if (!ok) {
        t.bad++;
        console.log(`MISMATCH: prompt ${JSON.stringify(requests[k]!.promptTokens)} seeds ${requests[k]!.seeds[0]}… worst |Δ log p| ${groupWorst}`);
      }
      t.worst = Math.max(t.worst, groupWorst);
      t.groups++;
    });
  };
  const line = (label: string, t: Tally, n: number) =>
    `${label}: ${t.groups} groups, ${t.completions} completions (${t.full} of ${n} tokens), ${t.tokens} tokens, ${t.bad} mismatched, worst |Δ log p| ${t.worst.toExponential(2)}`;
  const t0 = performance.now();
  let lastReport = t0;
  const report = (final: boolean) => {
    const s = (performance.now() - t0) / 1000;
    const text = `${final ? 'final' : 'progress'} ${s.toFixed(0)} s, ${((short.groups + long.groups) / s).toFixed(1)} groups/s ` +
      `(sampling ${(samplerMs / 1000).toFixed(0)} s, engine ${(engineMs / 1000).toFixed(0)} s on the other thread)\n  ${line('short', short, SHORT_TOKENS)}\n  ${line('long', long, LONG_TOKENS)}`;
    console.log(text);
    if (PROGRESS_FILE) appendFileSync(PROGRESS_FILE, `${new Date().toISOString()} ${text}\n`);
  };
  try {
    // The engine checks round r while the sampler samples round r + 1 (two native threads).
    let pending: Promise<void> = Promise.resolve();
    let next = FIRST_GROUP; // group index: seeds and prompts never repeat
    for (let round = 0; next < FIRST_GROUP + TARGET_GROUPS && performance.now() - t0 < MAX_SECONDS * 1000; round++) {
      const isLong = round % LONG_EVERY === LONG_EVERY - 1;
      const settings: SamplingSettings = { temperature: 1, topP: 1, maxTokens: isLong ? LONG_TOKENS : SHORT_TOKENS, stop: [] };
      const requests = Array.from({ length: Math.min(PROMPTS_PER_ROUND, FIRST_GROUP + TARGET_GROUPS - next) }, (_, k) => ({
        promptTokens: prompt(next + k),
        seeds: Array.from({ length: G }, (_, i) => 1 + (next + k) * G + i),
      }));
      next += requests.length;
      const ts = performance.now();
      const out = await sampler.sampleGroups(requests, settings);
      samplerMs += performance.now() - ts;
      await pending;
      pending = check(requests, out, isLong ? long : short, settings.maxTokens);
      if (performance.now() - lastReport > 60_000) { lastReport = performance.now(); report(false); }
    }
    await pending;
    report(true);
    const s = (performance.now() - t0) / 1000;
    console.log(`sampler: ${short.groups + long.groups} groups, ${short.bad + long.bad} mismatched` +
      `  (${short.groups} of ${SHORT_TOKENS} tokens, ${long.groups} of ≤${LONG_TOKENS}; ${s.toFixed(0)} s, ${((short.groups + long.groups) / s).toFixed(1)} groups/s)`);
    if (PROGRESS_FILE) appendFileSync(PROGRESS_FILE, `sampler: ${short.groups + long.groups} groups, ${short.bad + long.bad} mismatched\n`);
    expect(short.bad + long.bad).toBe(0);
  } finally {
    await sampler.dispose();
    await llama.dispose();
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, (Number(process.env.BENCH_MAX_SECONDS ?? 6 * 3600) + 600) * 1000);
