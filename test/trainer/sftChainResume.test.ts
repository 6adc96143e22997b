/**
 * A recipe that chains SFT then RL, killed (SIGKILL) just after the switch and
 * resumed: the resume starts from the checkpoint of the last SFT step, RL
 * continues on the SFT adapter (its first rollouts are already far above the
 * random demo model's ~16%), and the run ends with every step exactly once,
 * SFT metrics on SFT steps and RL metrics on RL steps. Real trainer process.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { parseRecipe, recipePresets, totalRunSteps } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { Supervisor } from '../../main/trainer/Supervisor.js';

const ENTRY = resolve('dist/main/trainer/trainerMain.js');

describe('SFT → RL chain', () => {
  it('resumes at the boundary after kill -9 with contiguous steps and the SFT adapter carried into RL', async () => {
    expect(existsSync(ENTRY), 'run `npm run build` first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'sftchain-'));
    const dbPath = join(dataDir, 'clipo.db');
    const store = Store.open(dbPath);
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const S = 20;
    const recipe = parseRecipe({
      ...demo, name: 'sft then grpo',
      sft: { enabled: true, steps: S, batchSize: 16, lr: 5e-3, evalRows: 16, evalEvery: 10 },
      training: { ...demo.training, steps: 6, checkpointEvery: 8 },
    });
    const total = totalRunSteps(recipe);
    const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: total });

    let killed = false;
    let accBeforeKill: number | undefined;
    const supervisor = new Supervisor({
      dbPath, dataDir, entry: ENTRY,
      store: {
        updateStatus: (id, status, extra) => store.runs.updateStatus(id, status as never, extra),
        currentStep: (id) => store.runs.get(id).currentStep,
        status: (id) => store.runs.get(id).status,
      },
      onMessage: (_id, m) => {
        if (m.type === 'step' && m.step === S && !killed) { // the first RL step
          killed = true;
          accBeforeKill = m.metrics['reward/accuracy'];
          process.kill(supervisor.pid(runId)!, 'SIGKILL');
        }
      },
    });
    expect(await supervisor.start(runId, false)).toBe('crashed');
    // Checkpoints at 7 and 15 (every 8) and at the last SFT step, 19, whatever checkpointEvery says.
    expect(store.checkpoints.latest(runId)!.step).toBe(S - 1);

    expect(await supervisor.start(runId, true)).toBe('finished');
    const steps = (store.db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').all(runId) as { step: number }[]).map((r) => r.step);
    expect(steps).toEqual([...Array(total).keys()]);
    const phase = store.metrics.series(runId, 'run/phase');
    expect(phase.map((p) => p.value)).toEqual([...Array<number>(S).fill(0), ...Array<number>(total - S).fill(1)]);
    expect(store.metrics.series(runId, 'sft/loss').map((p) => p.step)).toEqual([...Array(S).keys()]);
    const acc = store.metrics.series(runId, 'reward/accuracy');
    expect(acc.map((p) => p.step)).toEqual([...Array(total - S).keys()].map((k) => S + k));
    // RL's first step after the resume samples with the SFT adapter restored from the checkpoint: the
    // same seeded rollouts as before the kill, and far above the base model's ~0.16.
    expect(acc[0]!.value).toBe(accBeforeKill);
    expect(acc[0]!.value!).toBeGreaterThan(0.4);
    const events = store.events.latest(runId).map((e) => `${e.kind}: ${e.message}`);
    expect(events.some((e) => e === `resume: resumed from the checkpoint after step ${S}`)).toBe(true); // 1-based in messages: stored step S − 1
    expect(events.filter((e) => e.startsWith('phase: SFT done')).length).toBeGreaterThanOrEqual(1);
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([7, 15, 19, 23, 25]);
    expect(store.runs.get(runId).totalSteps).toBe(total);

    // RL began with a fresh AdamW: the final checkpoint's optimizer step counts RL updates only, not SFT's.
    const rlUpdates = store.metrics.series(runId, 'policy/updated').reduce((n, p) => n + (p.value ?? 0), 0);
    expect(rlUpdates).toBeGreaterThan(0);
    await using engine = await EngineModel.open(join(dataDir, 'models', 'tiny-demo.gguf'), { threads: 1 });
    await engine.lora.init({ rank: recipe.lora.rank, alpha: recipe.lora.alpha });
    await engine.loadState(join(store.checkpoints.latest(runId)!.path, 'engine.state'));
    expect(engine.lora.info!.step).toBe(rlUpdates);
    store.close();
  });
});
