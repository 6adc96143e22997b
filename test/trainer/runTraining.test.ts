import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { runTraining } from '../../main/trainer/runTraining.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';
import type { TrainerToSupervisor } from '../../main/trainer/protocol.js';

describe('runTraining (in-process)', () => {
  it('runs demo steps, writes every step and a final checkpoint', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'train-'));
    const store = Store.open(join(dataDir, 'clipo.db'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, training: { ...demo.training, steps: 4, checkpointEvery: 2 } });
    const runId = store.runs.create({ name: 'demo', recipeJson: JSON.stringify(recipe), totalSteps: 4 });
    const msgs: TrainerToSupervisor[] = [];
    const out = await runTraining({ store, runId, dataDir, resume: false, control: new TrainerControl(), send: (m) => msgs.push(m) });
    expect(out.status).toBe('finished');
    const steps = msgs.filter((m) => m.type === 'step');
    expect(steps.map((m) => (m as { step: number }).step)).toEqual([0, 1, 2, 3]);
    const last = (steps.at(-1) as { metrics: Record<string, number> }).metrics;
    for (const name of ['reward/mean', 'reward/accuracy', 'time/rollout', 'time/update', 'perf/tokensPerSec', 'hidden_states/group/pos_pair_sim/mean']) {
      expect(Number.isFinite(last[name]), name).toBe(true);
    }
    // the rollout correction is on by default; with an F32 KV cache the sampler is the engine's π_old to ~1e-5
    expect(recipe.algorithm.rolloutCorrection).toEqual({ enabled: true, level: 'token', cap: 2 });
    for (const m of steps) {
      const metrics = (m as { metrics: Record<string, number> }).metrics;
      expect(Math.abs(metrics[M.isWeightMean]! - 1)).toBeLessThan(1e-3);
      expect(metrics[M.isTruncatedFrac]).toBe(0);
    }
    expect(store.metrics.latest(runId, 1)[0]!.metrics[M.isWeightMean]).toBe(last[M.isWeightMean]);
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([1, 3]);
    expect(store.samples.countOfRun(runId)).toBe(4 * recipe.rollout.promptsPerStep * recipe.rollout.groupSize);
    // the engine reserved its buffers up front and said where it runs; on the CPU nothing falls back
    const events = store.events.latest(runId);
    const engineEvent = events.find((e) => e.kind === 'engine');
    expect(engineEvent?.message).toMatch(/^training engine on CPU: \d+ MiB for 1024-token micro-batches/);
    expect(events.some((e) => e.kind === 'cpu-fallback')).toBe(false);
    store.close();
  });
});
