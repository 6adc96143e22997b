/**
 * kill -9 of the trainer mid-run, then resume (issue 5): the supervisor marks
 * the run crashed with the reason; resume continues from the last checkpoint;
 * the run completes with contiguous steps, no duplicates, and the metrics of
 * the steps before the checkpoint untouched. Runs the real trainer process
 * from the build output (npm test builds first).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { Supervisor } from '../../main/trainer/Supervisor.js';

const ENTRY = resolve('dist/main/trainer/trainerMain.js');

describe('crash and resume', () => {
  it('survives kill -9 mid-run and resumes from the last checkpoint', async () => {
    expect(existsSync(ENTRY), 'run `npm run build` first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'crash-'));
    const dbPath = join(dataDir, 'clipo.db');
    const store = Store.open(dbPath);
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, training: { ...demo.training, steps: 24, checkpointEvery: 5 } });
    const runId = store.runs.create({ name: 'crash', recipeJson: JSON.stringify(recipe), totalSteps: 24 });

    let killed = false;
    const seen: number[] = [];
    const supervisor = new Supervisor({
      dbPath, dataDir, entry: ENTRY,
      store: {
        updateStatus: (id, status, extra) => store.runs.updateStatus(id, status as never, extra),
        currentStep: (id) => store.runs.get(id).currentStep,
        status: (id) => store.runs.get(id).status,
      },
      onMessage: (_id, m) => {
        if (m.type !== 'step') return;
        seen.push(m.step);
        if (m.step === 12 && !killed) {
          killed = true;
          process.kill(supervisor.pid(runId)!, 'SIGKILL');
        }
      },
    });

    const first = await supervisor.start(runId, false);
    expect(first).toBe('crashed');
    const crashed = store.runs.get(runId);
    expect(crashed.status).toBe('crashed');
    expect(crashed.error).toMatch(/SIGKILL/);
    const ckpt = store.checkpoints.latest(runId)!;
    expect(ckpt.step).toBe(9); // checkpoints after steps 4 and 9; killed at 12
    const before = store.metrics.series(runId, 'reward/mean').filter((p) => p.step <= ckpt.step);

    const second = await supervisor.start(runId, true);
    expect(second).toBe('finished');
    const run = store.runs.get(runId);
    expect(run.status).toBe('finished');
    expect(run.currentStep).toBe(23);

    const steps = (store.db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').all(runId) as { step: number }[]).map((r) => r.step);
    expect(steps).toEqual([...Array(24).keys()]);
    const perStep = store.db.prepare('SELECT step, count(*) AS n FROM samples WHERE run_id = ? GROUP BY step').all(runId) as { n: number }[];
    expect(perStep).toHaveLength(24);
    for (const r of perStep) expect(r.n).toBe(recipe.rollout.promptsPerStep * recipe.rollout.groupSize);
    expect(store.metrics.series(runId, 'reward/mean').filter((p) => p.step <= ckpt.step)).toEqual(before);
    // The resumed process re-ran steps 10..23 only.
    expect(seen.filter((s) => s >= 10 && s <= 12).length).toBeGreaterThanOrEqual(2);
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([4, 9, 14, 19, 23]);
    store.close();
  });
});
