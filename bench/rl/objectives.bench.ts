/**
 * RL core timings at desktop scale: policy weights for 512 sequences × 1024 tokens
 * (64 prompts × 8 rollouts), and one CLIPO step (head forward, InfoNCE, backward, AdamW) at
 * 896 → 512 dims (Qwen2.5-0.5B d_model) on the same 512 rollouts. Prints absolute ms per
 * call and tokens/s (the baseline ratio against the engine comes later).
 * Run: npx vitest run --project unit bench/rl   (written as tests so `vitest run` executes it;
 * BENCH_ITERS=n raises the repeat count).
 */
import { expect, test } from 'vitest';
import { getAdvantage } from '../../main/rl/advantages/index.js';
import { clipoStep } from '../../main/rl/clipo/clipoStep.js';
import { initClipoHead } from '../../main/rl/clipo/headState.js';
import { computePolicyWeights, objectives } from '../../main/rl/objectives/index.js';
import { Rng } from '../../main/rl/random.js';
import type { RolloutBatch } from '../../main/rl/types.js';

const Q = 64;
const G = 8;
const B = Q * G;
const T = 1024;
const ITERS = Number(process.env.BENCH_ITERS ?? 3);
// Kept light by default because `vitest run` (the unit project) executes this file too.
const CLIPO_ITERS = Number(process.env.BENCH_ITERS ?? 1);
const CLIPO_WARM = process.env.BENCH_ITERS !== undefined;

/** Wall ms per call; also records CPU ms per call in `lastCpuMs` (less sensitive to a busy machine). */
let lastCpuMs = 0;
function timeIt(fn: () => unknown, iters = ITERS, warmUp = true): number {
  if (warmUp) fn(); // JIT warm-up
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  const wall = (performance.now() - t0) / iters;
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000 / iters;
  return wall;
}

function bigBatch(): RolloutBatch {
  const rng = Rng.fromSeed(1);
  const n = B * T;
  const off = new Int32Array(B + 1);
  for (let i = 0; i < B; i++) off[i + 1] = off[i]! + T;
  const logp = new Float32Array(n);
  const oldLogp = new Float32Array(n);
  const refLogp = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    logp[k] = rng.uniform(-3, -0.01);
    oldLogp[k] = logp[k]! + rng.uniform(-0.1, 0.1);
    refLogp[k] = logp[k]! + rng.uniform(-0.2, 0.2);
  }
  const groupIndex = Int32Array.from({ length: B }, (_, i) => Math.floor(i / G));
  const labels = Uint8Array.from({ length: B }, () => (rng.nextFloat() < 0.5 ? 1 : 0));
  const rewards = Float64Array.from(labels);
  const advantages = getAdvantage('grpo').compute({ rewards, groupIndex, numGroups: Q }, {}).advantages;
  return { tokenOffsets: off, logp, oldLogp, refLogp, advantages, groupIndex, numGroups: Q, labels };
}

test('bench: policy weights, 512 × 1024 tokens', () => {
  const batch = bigBatch();
  const ctx = { step: 10, totalSteps: 100, aggregation: 'token-mean' as const };
  const rows: string[] = [];
  for (const name of Object.keys(objectives)) {
    if (name === 'ppo-clip') continue;
    const ms = timeIt(() => computePolicyWeights(name, batch, {}, ctx));
    rows.push(`${name.padEnd(10)} ${ms.toFixed(1).padStart(7)} ms/call (cpu ${lastCpuMs.toFixed(1).padStart(6)})  ${((B * T) / (ms / 1000) / 1e6).toFixed(1).padStart(6)} Mtok/s`);
  }
  const msKl = timeIt(() => computePolicyWeights('grpo', batch, {}, ctx, { coef: 1e-3, estimator: 'k3' }));
  rows.push(`grpo+k3    ${msKl.toFixed(1).padStart(7)} ms/call  ${((B * T) / (msKl / 1000) / 1e6).toFixed(1).padStart(6)} Mtok/s`);
  const msAdv = timeIt(() => getAdvantage('grpo').compute({ rewards: Float64Array.from(batch.labels!), groupIndex: batch.groupIndex, numGroups: Q }, {}), 50);
  rows.push(`advantage grpo (B=512) ${msAdv.toFixed(3)} ms/call`);
  console.log(`[bench:rl] weights for ${B} seq × ${T} tok (${B * T} tokens), iters=${ITERS}\n` + rows.join('\n'));
  expect(rows.length).toBeGreaterThan(5);
}, 600_000);

test('bench: CLIPO step, 512 rollouts, 896 → 512', () => {
  const rng = Rng.fromSeed(2);
  const d = 896;
  const pooled = new Float32Array(B * d);
  for (let k = 0; k < pooled.length; k++) pooled[k] = rng.uniform(-1, 1);
  const labels = Uint8Array.from({ length: B }, () => (rng.nextFloat() < 0.5 ? 1 : 0));
  const groupIndex = Int32Array.from({ length: B }, (_, i) => Math.floor(i / G));
  const responseLengths = new Int32Array(B).fill(300);
  const rows: string[] = [];
  for (const kind of ['linear', 'mlp'] as const) {
    const state = initClipoHead({ kind, inDim: d, outDim: 512, seed: 1 });
    // Long loops reach optimised code within the first call (OSR); warm up only on request.
    const ms = timeIt(() => clipoStep(state, { pooled, labels, groupIndex, responseLengths }, {}), CLIPO_ITERS, CLIPO_WARM);
    const cpuStep = lastCpuMs;
    const frozen = timeIt(() => clipoStep(state, { pooled, labels, groupIndex, responseLengths }, { frozen: true }), CLIPO_ITERS, CLIPO_WARM);
    rows.push(
      `${kind.padEnd(6)} step ${ms.toFixed(0).padStart(6)} ms/call (cpu ${cpuStep.toFixed(0)})   ` +
        `forward+loss only (frozen) ${frozen.toFixed(0).padStart(6)} ms/call (cpu ${lastCpuMs.toFixed(0)})`,
    );
  }
  console.log(`[bench:rl] CLIPO head B=${B} (${Q}×${G}), ${d}→512\n` + rows.join('\n'));
  expect(rows.length).toBe(2);
}, 600_000);
