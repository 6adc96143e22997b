/**
 * Full-parameter SFT in a run (recipe sft.params 'full', engine model.full): an SFT-only run on the demo
 * model trains every tensor, checkpoints through the engine's full state, measures held-out accuracy from a
 * saved model GGUF, and exports as merged-gguf (the complete model): the export reproduces the checkpoint's
 * log-probs in the engine. Adapter exports and RL steps after full SFT are refused with the reason.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { M } from '../../main/api/contract/metricNames.js';
import { parseRecipe, recipePresets, validateRecipe } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { exportRun } from '../../main/trainer/export/exportRun.js';
import { evaluateRun } from '../../main/trainer/eval/evaluateRun.js';
import { resolveModelPath } from '../../main/trainer/resolveModelPath.js';
import { runTraining } from '../../main/trainer/runTraining.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';
import type { TrainerToSupervisor } from '../../main/trainer/protocol.js';

describe('full-parameter SFT run', () => {
  it('validation refuses RL steps after full SFT and full without SFT', () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const bad = validateRecipe({ ...demo, sft: { enabled: true, steps: 4, params: 'full' }, training: { ...demo.training, steps: 3 } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.map((e) => e.field)).toContain('training.steps');
    const off = validateRecipe({ ...demo, sft: { enabled: false, steps: 0, params: 'full' }, training: { ...demo.training, steps: 0 } });
    expect(!off.ok && off.errors.map((e) => e.field)).toContain('sft.params');
    expect(validateRecipe({ ...demo, sft: { enabled: true, steps: 4, params: 'full' }, training: { ...demo.training, steps: 0 } }).ok).toBe(true);
  });

  it('trains every tensor, checkpoints, evaluates held-out rows and exports the model GGUF', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fullsft-'));
    const store = Store.open(join(dataDir, 'clipo.db'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({
      ...demo, name: 'full sft',
      sft: { enabled: true, steps: 6, batchSize: 16, lr: 3e-3, evalRows: 8, evalEvery: 3, params: 'full' },
      training: { ...demo.training, steps: 0, checkpointEvery: 3 },
    });
    const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: 6 });
    const msgs: TrainerToSupervisor[] = [];
    const out = await runTraining({ store, runId, dataDir, resume: false, control: new TrainerControl(), send: (m) => msgs.push(m) });
    expect(out.status).toBe('finished');
    const steps = msgs.filter((m) => m.type === 'step') as { step: number; metrics: Record<string, number> }[];
    expect(steps.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    const loss = steps.map((m) => m.metrics[M.sftLoss]!);
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss.at(-1)!).toBeLessThan(loss[0]!);
    expect(Number.isFinite(steps[2]!.metrics[M.sftHeldoutAccuracy])).toBe(true);
    expect(Number.isFinite(steps[5]!.metrics[M.sftHeldoutAccuracy])).toBe(true);
    const events = store.events.latest(runId);
    expect(events.find((e) => e.kind === 'engine')?.message).toMatch(/full-parameter gradients \+ AdamW moments \(\d+ parameters\)/);
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([2, 5]);

    // adapter formats do not exist for a full run; merged-gguf is the trained model itself
    await expect(exportRun({ store, dataDir, runId, format: 'gguf', outDir: join(dataDir, 'x1'), hashBase: false }))
      .rejects.toMatchObject({ message: expect.stringMatching(/merged-gguf/) });
    const ex = await exportRun({ store, dataDir, runId, format: 'merged-gguf', outDir: join(dataDir, 'x2'), hashBase: false });
    const file = ex.files.find((f) => f.endsWith('.gguf'))!;
    const batch = [{ tokens: [1, 3, 290, 300, 310, 5, 320], responseStart: 3 }];
    const fromState = await EngineModel.open(resolveModelPath(recipe, dataDir), { threads: 1 });
    const exported = await EngineModel.open(file, { threads: 1 });
    const base = await EngineModel.open(resolveModelPath(recipe, dataDir), { threads: 1 });
    try {
      await fromState.loadState(join(store.checkpoints.latest(runId)!.path, 'engine.state'));
      expect(fromState.info.trainable).toBe('full');
      const a = (await fromState.forward(batch)).logprobs, b = (await exported.forward(batch)).logprobs, c = (await base.forward(batch)).logprobs;
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - c[i]!)))).toBeGreaterThan(1e-4);   // it did train
    } finally {
      await fromState.dispose(); await exported.dispose(); await base.dispose();
    }
    // evaluating the full checkpoint samples its model GGUF (no adapter)
    const ds = { kind: 'builtin' as const, task: 'tiny-demo', splitName: 'test' };
    const ev = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 1, temperature: 0, limit: 8 });
    expect(ev.complete).toBe(true);
    expect(ev.checkpointStep).toBe(5);
    expect(Number.isFinite(ev.metrics['pass@1'])).toBe(true);
    store.close();
  }, 600_000);

  it('stop after a step and resume: the final full state is bit-identical to an uninterrupted run', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({
      ...demo, name: 'full sft resume',
      sft: { enabled: true, steps: 5, batchSize: 8, lr: 3e-3, evalRows: 0, params: 'full' },
      training: { ...demo.training, steps: 0, checkpointEvery: 100 },
    });
    const finalState = async (stopAt: number | null): Promise<Buffer> => {
      const dataDir = mkdtempSync(join(tmpdir(), 'fullsft-resume-'));
      const store = Store.open(join(dataDir, 'clipo.db'));
      const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: 5 });
      const control = new TrainerControl();
      const first = await runTraining({ store, runId, dataDir, resume: false, control, send: (m) => {
        if (stopAt !== null && m.type === 'step' && m.step === stopAt) control.stop('finish-step');
      } });
      if (stopAt !== null) {
        expect(first.status).toBe('stopped');
        expect(store.checkpoints.latest(runId)!.step).toBe(stopAt);
        expect((await runTraining({ store, runId, dataDir, resume: true, control: new TrainerControl(), send: () => undefined })).status).toBe('finished');
      } else {
        expect(first.status).toBe('finished');
      }
      const ck = store.checkpoints.latest(runId)!;
      expect(ck.step).toBe(4);
      const bytes = readFileSync(join(ck.path, 'engine.state'));
      store.close();
      return bytes;
    };
    const straight = await finalState(null);
    const resumed = await finalState(1);
    expect(resumed.readUInt32LE(8)).toBe(2);   // a full-parameter state file
    expect(resumed.equals(straight)).toBe(true);
  }, 600_000);
});
