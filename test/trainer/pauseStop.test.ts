/**
 * Graceful pause, resume and stop of the loop (issue 5): pause holds between
 * steps with status 'paused'; resume continues; stop finishes the current step,
 * checkpoints it and ends 'stopped'; a later resume continues from there with
 * contiguous steps. Abandon drops the step in flight without writing it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { runTraining } from '../../main/trainer/runTraining.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';
import type { TrainerToSupervisor } from '../../main/trainer/protocol.js';

function setup(steps: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pause-'));
  const store = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, training: { ...demo.training, steps, checkpointEvery: 100 } });
  const runId = store.runs.create({ name: 'p', recipeJson: JSON.stringify(recipe), totalSteps: steps });
  return { dataDir, store, runId };
}
const stepsOf = (store: Store, runId: number) =>
  (store.db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').all(runId) as { step: number }[]).map((r) => r.step);

describe('pause, resume, stop', () => {
  it('pauses between steps, resumes, stops after a finished step, and resumes later', async () => {
    const { dataDir, store, runId } = setup(12);
    const control = new TrainerControl();
    const statuses: string[] = [];
    let pausedAtStep = -1;
    let stepsWhilePaused = 0;
    const send = (m: TrainerToSupervisor) => {
      if (m.type === 'status') statuses.push(m.status);
      if (m.type !== 'step') return;
      if (control.isPaused) stepsWhilePaused++;
      if (m.step === 2) {
        control.pause();
        pausedAtStep = m.step;
        setTimeout(() => {
          expect(store.runs.get(runId).status).toBe('paused');
          expect(stepsOf(store, runId).at(-1)).toBe(pausedAtStep); // nothing ran while paused
          control.resume();
        }, 400);
      }
      if (m.step === 5) control.stop('finish-step');
    };
    const out = await runTraining({ store, runId, dataDir, resume: false, control, send });
    expect(out.status).toBe('stopped');
    expect(stepsWhilePaused).toBe(0);
    expect(statuses).toEqual(['running', 'paused', 'running', 'stopped']);
    expect(stepsOf(store, runId)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(store.checkpoints.latest(runId)?.step).toBe(5); // "on stop": the last finished step is kept

    const again = await runTraining({ store, runId, dataDir, resume: true, control: new TrainerControl(), send: () => undefined });
    expect(again.status).toBe('finished');
    expect(stepsOf(store, runId)).toEqual([...Array(12).keys()]);
    store.close();
  });

  it('abandon drops the step in flight: nothing half-written', async () => {
    const { dataDir, store, runId } = setup(30);
    const control = new TrainerControl();
    const out = await runTraining({
      store, runId, dataDir, resume: false, control,
      send: (m) => { if (m.type === 'step' && m.step === 3) setTimeout(() => control.stop('abandon'), 0); },
    });
    expect(out.status).toBe('stopped');
    const steps = stepsOf(store, runId);
    expect(steps).toEqual([...Array(steps.length).keys()]);
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(steps.length).toBeLessThan(30);
    expect(store.checkpoints.latest(runId)?.step).toBe(steps.at(-1));
    const n = (store.db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ?').get(runId) as { n: number }).n;
    expect(n).toBe(steps.length * 64);
    store.close();
  });
});
