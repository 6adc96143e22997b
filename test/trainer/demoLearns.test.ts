/**
 * The demo task learns (issue 5): with GRPO, GRPO+CLIPO and ConSPO on the
 * built-in tiny model, the mean accuracy of the last 10 steps clearly exceeds
 * that of the first 10. Runs the real loop in-process: node-llama-cpp rollouts,
 * engine forward/backward/AdamW, RL core, SQLite store.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecipeInput } from '../../main/api/contract/index.js';
import { M } from '../../main/api/contract/metricNames.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { runTraining } from '../../main/trainer/runTraining.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function train(over: (demo: RecipeInput) => RecipeInput) {
  const dataDir = mkdtempSync(join(tmpdir(), 'learn-'));
  const store = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe(over(structuredClone(demo)));
  const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
  const acc: number[] = [];
  const out = await runTraining({
    store, runId, dataDir, resume: false, control: new TrainerControl(),
    send: (m) => { if (m.type === 'step') acc.push(m.metrics['reward/accuracy']!); },
  });
  const stored = store.metrics.series(runId, 'reward/accuracy').map((p) => p.value);
  const mismatch = store.metrics.series(runId, M.samplerLogpDiffMax).map((p) => p.value ?? Infinity);
  store.close();
  return { out, acc, stored, mismatch };
}

describe('the demo task learns', () => {
  it.each([
    ['GRPO', (d: RecipeInput) => d],
    ['GRPO+CLIPO', (d: RecipeInput) => ({ ...d, algorithm: { ...d.algorithm, clipo: { enabled: true, outputSize: 16 } } })],
    // ConSPO at twice GRPO's learning rate, the paper's ratio (docs/ALGORITHMS.md §4).
    ['ConSPO', (d: RecipeInput) => ({ ...d, algorithm: { ...d.algorithm, objective: 'conspo' as const }, optim: { ...d.optim, lr: 1e-2 } })],
  ])('%s: last-10-step accuracy clearly exceeds the first 10', async (_name, over) => {
    const { out, acc, stored, mismatch } = await train(over);
    expect(out.status).toBe('finished');
    // The sampler drew from the policy the trainer scored (same weights, F32 KV cache): ~2.5e-6 a step.
    // Steps of 8.7e-3 to 6.3 nats on the second token were the wrong-logits-row fault (llama.cpp's
    // unlocked output_reorder raced by node-llama-cpp's per-sequence samplers, docs/ENGINE.md); since
    // the lockstep sampler, every step of every CI run agrees, so one outlier step fails the test.
    expect(mismatch).toHaveLength(60);
    const outliers = mismatch.map((v, step) => [step, v] as const).filter(([, v]) => v >= 1e-3);
    const median = [...mismatch].sort((a, b) => a - b)[30]!;
    console.log(`[${_name}] sampler vs trainer, max |Δ log p| per step: median ${median.toExponential(2)}, outlier steps ${JSON.stringify(outliers)}`);
    expect(median).toBeLessThan(1e-4);
    expect(outliers).toEqual([]);
    expect(acc).toHaveLength(60);
    expect(stored).toEqual(acc); // what the dashboard reads is what the loop measured
    const first = mean(acc.slice(0, 10));
    const last = mean(acc.slice(-10));
    expect(last).toBeGreaterThan(first + 0.25);
    expect(last).toBeGreaterThan(0.85);
  });
});
