/**
 * Rollout throughput: generated tokens/s for one step's worth of groups (P prompts × G, up to N new
 * tokens, T = 1, no truncation), sampled
 *   (a) one group at a time as the trainer did before issue 13 (each of a group's G sequences
 *       evaluates the prompt itself; node-llama-cpp batches the group's sequences),
 *   (a') one group at a time with RolloutSampler (prompt once, KV forked),
 *   (b) all groups together (RolloutSampler.sampleGroups: one shared batch per token),
 *   (c) the ideal: single-sequence speed × P·G sequences,
 * on the tiny test models and on a random-weight model of Qwen2.5-0.5B's shape (24 layers, d 896,
 * 14 heads / 2 KV heads, FFN 4864, tied embeddings; the tiny 325-token vocabulary, random Q4_0 blocks (written fast; a common sampler format), in
 * /tmp). Then the adapter hand-off at that shape: the engine writes a rank-16 all-linear LoRA and
 * the sampler loads it (a new context), as a share of the step's rollout time (b).
 * (a), (a') and (b) run interleaved BENCH_REPEATS times (default 3), best of each, and each line says how
 * long this process's threads waited runnable for a CPU (/proc schedstat): at load ~20 on 2 cores that
 * wait is 5-7x the CPU time, so wall ratios measure the scheduler; tokens per CPU-second measure the modes.
 * Prints, does not assert (a benchmark).
 *   npm run bench:rollout                       (defaults: P 8, G 8, N 128 on the tiny models)
 *   BENCH_QWEN=1 BENCH_QWEN_TOKENS=32 npm run bench:rollout   (adds the 0.5B shape; BENCH_QWEN_ONLY=1: only it)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import type { Llama, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { EngineModel } from '../../engine/index.js';
import { writeTinyModel, type TinyModelOptions } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { RolloutSampler, type GroupRequest, type SamplingSettings } from '../../main/trainer/rollout/RolloutSampler.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';

const P = Number(process.env.BENCH_PROMPTS ?? 8);
const G = Number(process.env.BENCH_G ?? 8);
const N = Number(process.env.BENCH_TOKENS ?? 128);
const PROMPT_LEN = Number(process.env.BENCH_PROMPT_LEN ?? 48);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const QWEN_05B_SHAPE: TinyModelOptions = { arch: 'qwen2', seed: 5, nLayer: 24, dModel: 896, nHead: 14, nHeadKv: 2, nFf: 4864, contextLength: 4096, weightType: 'Q4_0' };

function requests(n: number): GroupRequest[] {
  return Array.from({ length: P }, (_, k) => ({
    promptTokens: [1, ...Array.from({ length: PROMPT_LEN - 1 }, (_, t) => 261 + ((k * 7 + t * 13) % 64))],
    seeds: Array.from({ length: G }, (_, i) => 1000 * n + k * G + i + 1),
  }));
}

/** (a) the pre-issue-13 sampler: every sequence evaluates the whole prompt; sequences re-queue as their samples finish. */
async function oldGroup(model: LlamaModel, seqs: LlamaContextSequence[], r: GroupRequest, s: SamplingSettings): Promise<number> {
  await Promise.all(seqs.map((q) => q.clearHistory()));
  const counts = await Promise.all(seqs.map(async (seq, i) => {
    let n = 0;
    for await (const out of seq.evaluateWithMetadata(r.promptTokens as Token[], { confidence: true },
      { temperature: s.temperature, topK: 0, topP: s.topP, minP: 0, seed: r.seeds[i]!, yieldEogToken: true })) {
      n++;
      if (model.isEogToken(out.token) || n >= s.maxTokens) break;
    }
    return n;
  }));
  return counts.reduce((a, b) => a + b, 0);
}

/** ms this process's threads ran and waited runnable for a CPU (Linux /proc schedstat; 0 elsewhere). */
function sched(): { run: number; wait: number } {
  let run = 0, wait = 0;
  if (!existsSync('/proc/self/task')) return { run, wait };
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const [a, b] = readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ').map(Number);
      run += a! / 1e6;
      wait += b! / 1e6;
    } catch { /* thread ended */ }
  }
  return { run, wait };
}

const count = (groups: { tokens: number[] }[][]) => groups.flat().reduce((a, c) => a + c.tokens.length, 0);

async function benchModel(llama: Llama, label: string, modelPath: string, maxTokens: number, handOff: boolean) {
  const settings: SamplingSettings = { temperature: 1, topP: 1, maxTokens, stop: [] };
  const contextSize = PROMPT_LEN + maxTokens + 8;
  const rate = (tokens: number, ms: number) => tokens / (ms / 1000);
  // On a shared machine wall time is mostly waiting for a core; CPU time of this process (ggml and
  // libuv threads included) is the cost each mode actually has, so both are printed.
  let cpu0 = process.cpuUsage();
  const cpuMs = () => { const d = process.cpuUsage(cpu0); cpu0 = process.cpuUsage(); return (d.user + d.system) / 1000; };
  // (c) one sequence alone
  const single = await RolloutSampler.open({ llama, modelPath, groupSize: 1, contextSize, threads: THREADS, kvCacheType: 'F32' });
  await single.sampleGroup(requests(0)[0]!.promptTokens, [1], { ...settings, maxTokens: 4 }); // warm-up
  let t = performance.now();
  cpuMs();
  const one = count([await single.sampleGroup(requests(1)[0]!.promptTokens, [7], settings)]);
  const singleRate = rate(one, performance.now() - t);
  const singleCpu = rate(one, cpuMs());
  await single.dispose();
  // (a), (a') and (b) interleaved, REPEATS times, best of each: on a shared machine the load drifts
  // within a run, and a mode measured only once, later than another, can look 2x slower for it.
  const model = await llama.loadModel({ modelPath });
  const ctx = await model.createContext({ contextSize, sequences: G, threads: THREADS, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  const seqs = Array.from({ length: G }, () => ctx.getSequence());
  const sampler = await RolloutSampler.open({ llama, modelPath, groupSize: G, groupsPerWave: P, contextSize, threads: THREADS, kvCacheType: 'F32' });
  const waited = { a: 0, a1: 0, b: 0 };
  let s0 = sched();
  const waitMs = () => { const s1 = sched(); const w = s1.wait - s0.wait; s0 = s1; return w; };
  let oldRate = 0, oldCpu = 0, oldTokens = 0, serialRate = 0, serialCpu = 0, togetherRate = 0, togetherCpu = 0, together = 0, togetherMs = Infinity;
  for (let rep = 0; rep < REPEATS; rep++) {
    t = performance.now();
    cpuMs();
    waitMs();
    oldTokens = 0;
    for (const r of requests(2)) oldTokens += await oldGroup(model, seqs, r, settings);
    oldRate = Math.max(oldRate, rate(oldTokens, performance.now() - t));
    oldCpu = Math.max(oldCpu, rate(oldTokens, cpuMs()));
    waited.a += waitMs() / REPEATS;
    t = performance.now();
    let serialTokens = 0;
    for (const r of requests(3)) serialTokens += count([await sampler.sampleGroup(r.promptTokens, r.seeds, settings)]);
    serialRate = Math.max(serialRate, rate(serialTokens, performance.now() - t));
    serialCpu = Math.max(serialCpu, rate(serialTokens, cpuMs()));
    waited.a1 += waitMs() / REPEATS;
    t = performance.now();
    together = count(await sampler.sampleGroups(requests(4), settings));
    const ms = performance.now() - t;
    togetherMs = Math.min(togetherMs, ms);
    togetherRate = Math.max(togetherRate, rate(together, ms));
    togetherCpu = Math.max(togetherCpu, rate(together, cpuMs()));
    waited.b += waitMs() / REPEATS;
  }
  await ctx.dispose();
  await model.dispose();
  const ideal = singleRate * P * G;
  const f = (x: number) => x.toFixed(0).padStart(7);
  console.log(`${label}: ${P}×${G} sequences, prompt ${PROMPT_LEN}, ≤${maxTokens} new tokens, ${THREADS} threads` +
    ` (tok/s wall | tok per CPU-second, best of ${REPEATS} interleaved)\n` +
    `  (a)  one group at a time, as before:     ${f(oldRate)} | ${f(oldCpu)}  (${oldTokens} tokens; threads waited for a CPU ${(waited.a / 1000).toFixed(1)} s a run)\n` +
    `  (a') one group at a time, prompt forked: ${f(serialRate)} | ${f(serialCpu)}  (waited ${(waited.a1 / 1000).toFixed(1)} s)\n` +
    `  (b)  all groups together:                ${f(togetherRate)} | ${f(togetherCpu)}  (${together} tokens in ${(togetherMs / 1000).toFixed(1)} s; waited ${(waited.b / 1000).toFixed(1)} s)\n` +
    `  (c)  ideal, single sequence × ${P * G}:     ${f(ideal)} |         (single ${singleRate.toFixed(1)} tok/s, ${singleCpu.toFixed(1)} per CPU-s)\n` +
    `  (b)/(a) ${(togetherRate / oldRate).toFixed(2)}x wall, ${(togetherCpu / oldCpu).toFixed(2)}x CPU; (b)/(a') ${(togetherRate / serialRate).toFixed(2)}x wall, ` +
    `${(togetherCpu / serialCpu).toFixed(2)}x CPU; (b)/(c) ${(togetherRate / ideal).toFixed(2)} wall`);
  if (handOff) {
    const engine = await EngineModel.open(modelPath, { threads: THREADS });
    await engine.lora.init({ rank: 16, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seed: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'clipo-handoff-'));
    const times: { save: number; load: number }[] = [];
    for (let v = 0; v < 3; v++) {
      const path = join(dir, `step-${v}.gguf`);
      const ts = performance.now();
      await engine.lora.save(path, 'gguf');
      const tl = performance.now();
      await sampler.setAdapter(path);
      times.push({ save: tl - ts, load: performance.now() - tl });
    }
    const med = (k: 'save' | 'load') => times.map((x) => x[k]).sort((a, b) => a - b)[1]!;
    const total = med('save') + med('load');
    console.log(`  adapter hand-off (rank 16, all linear): write ${med('save').toFixed(0)} ms + load into the sampler ${med('load').toFixed(0)} ms = ` +
      `${total.toFixed(0)} ms, ${(100 * total / togetherMs).toFixed(1)}% of this step's rollout (b) (an upper bound on its share of a step)`);
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  await sampler.dispose();
}

test('rollout throughput: one group at a time vs all together vs ideal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clipo-rollout-bench-'));
  const llama = await loadLlama('cpu', THREADS);
  try {
    if (process.env.BENCH_QWEN_ONLY !== '1') {
      const demo = join(dir, 'demo.gguf');
      writeTinyModel(demo, { ...TINY_DEMO_MODEL, contextLength: 4096 });
      await benchModel(llama, 'tiny demo model (2 layers, d 64)', demo, N, false);
      const small = join(dir, 'small.gguf');
      writeTinyModel(small, { arch: 'qwen2', seed: 2, nLayer: 4, dModel: 256, nHead: 4, nHeadKv: 2, nFf: 768, contextLength: 4096 });
      await benchModel(llama, 'small test model (4 layers, d 256)', small, N, true);
    }
    if (process.env.BENCH_QWEN === '1') {
      const qwen = join(dir, 'qwen05b-shape.gguf');
      writeTinyModel(qwen, QWEN_05B_SHAPE);
      await benchModel(llama, 'Qwen2.5-0.5B shape (random Q4_0 blocks)', qwen, Number(process.env.BENCH_QWEN_TOKENS ?? N), true);
    }
  } finally {
    await llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, 3_600_000);
