/**
 * One owner per run across processes, and a trainer that outlives its parent
 * (issue 16). Real trainer processes from the build output (npm test builds first):
 *  - while one supervisor's trainer trains a run, a second supervisor's resume is
 *    refused by the lease (no steps deleted, status never flips) and deleting the
 *    run is refused too;
 *  - when the process that started the trainer dies (kill -9 of the CLI or web
 *    server), the trainer finishes its step, checkpoints it, marks the run
 *    stopped with the reason and exits, instead of crashing on the closed IPC
 *    channel and leaving the run "running" with a dead pid;
 *  - a force stop kills the trainer's process group; the run is stopped and
 *    resumes with contiguous steps.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { pidAlive, Store, StoreError } from '../../main/store/index.js';
import { Supervisor } from '../../main/trainer/Supervisor.js';

const ENTRY = resolve('dist/main/trainer/trainerMain.js');

function setup(steps: number, checkpointEvery: number) {
  expect(existsSync(ENTRY), 'run `npm run build` first').toBe(true);
  const dataDir = mkdtempSync(join(tmpdir(), 'owner-'));
  const dbPath = join(dataDir, 'clipo.db');
  const store = Store.open(dbPath);
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, rollout: { ...demo.rollout, groupSize: 4, promptsPerStep: 4 }, training: { ...demo.training, steps, checkpointEvery } });
  const runId = store.runs.create({ name: 'owner', recipeJson: JSON.stringify(recipe), totalSteps: steps });
  return { dataDir, dbPath, store, runId, recipe };
}

function supervisor(store: Store, dbPath: string, dataDir: string, onStep?: (step: number) => void): Supervisor {
  return new Supervisor({
    dbPath, dataDir, entry: ENTRY,
    store: {
      updateStatus: (id, status, extra) => store.runs.updateStatus(id, status as never, extra),
      currentStep: (id) => store.runs.get(id).currentStep,
      status: (id) => store.runs.get(id).status,
    },
    onMessage: (_id, m) => { if (m.type === 'step') onStep?.(m.step); },
  });
}

const stepsOf = (store: Store, runId: number) =>
  (store.db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').all(runId) as { step: number }[]).map((r) => r.step);

async function until(what: string, f: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('run ownership across processes', () => {
  it('a second resume of a run being trained is refused and deletes nothing; delete is refused', async () => {
    const { dataDir, dbPath, store, runId } = setup(2000, 3); // far more steps than run before the test stops it
    let statusAfterSecond = '';
    let second: Promise<string> | null = null;
    let deleteError: unknown = null;
    const b = supervisor(store, dbPath, dataDir);
    const a: Supervisor = supervisor(store, dbPath, dataDir, (step) => {
      if (step !== 2 || second) return;
      second = b.start(runId, true).then((s) => {
        statusAfterSecond = store.runs.get(runId).status;
        try { store.runs.delete(runId); } catch (err) { deleteError = err; }
        a.stop(runId, 'finish-step'); // the first trainer was never disturbed: end the test
        return s;
      });
    });
    const first = await a.start(runId, false);
    const secondStatus = await second!;
    expect(secondStatus).toBe('running'); // B's trainer refused and left the run to its owner
    expect(statusAfterSecond).toBe('running');
    expect((deleteError as StoreError | null)?.code).toBe('LEASE_HELD');
    expect(first).toBe('stopped');
    const run = store.runs.get(runId);
    expect(run.status).toBe('stopped');
    expect(run.error).toBeNull();
    const steps = stepsOf(store, runId);
    expect(steps.length).toBeGreaterThan(3);
    expect(steps).toEqual([...Array(steps.length).keys()]); // nothing deleted under the live trainer
    const perStep = store.db.prepare('SELECT count(*) AS n FROM samples WHERE run_id = ? GROUP BY step').all(runId) as { n: number }[];
    expect(perStep.map((r) => r.n)).toEqual(Array(steps.length).fill(16));
    expect(store.checkpoints.latest(runId)?.step).toBe(steps.at(-1));
    expect(store.leases.get(runId)).toBeNull(); // released at the end
    store.close();
  });

  it('when its parent process is killed, the trainer finishes the step, checkpoints and marks the run stopped', async () => {
    const { dataDir, dbPath, store, runId } = setup(40, 100);
    const parentScript = join(dataDir, 'parent.mjs');
    const url = (p: string) => pathToFileURL(resolve(p)).href;
    writeFileSync(parentScript, `
      import { Store } from ${JSON.stringify(url('dist/main/store/index.js'))};
      import { Supervisor } from ${JSON.stringify(url('dist/main/trainer/Supervisor.js'))};
      const [dbPath, dataDir, runId] = process.argv.slice(2);
      const store = Store.open(dbPath);
      const sup = new Supervisor({ dbPath, dataDir, store: {
        updateStatus: (id, s, e) => store.runs.updateStatus(id, s, e), currentStep: (id) => store.runs.get(id).currentStep,
        status: (id) => store.runs.get(id).status },
        onMessage: (_id, m) => { if (m.type === 'step') process.stdout.write('step ' + m.step + '\\n'); } });
      await sup.start(Number(runId), false);
    `);
    const parent = spawn(process.execPath, [parentScript, dbPath, dataDir, String(runId)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res, rej) => {
      parent.stdout.on('data', (d: Buffer) => { if (/step 2\b/.test(d.toString())) res(); });
      parent.once('exit', (c) => rej(new Error(`parent exited early (${c})`)));
    });
    parent.kill('SIGKILL');
    const trainerPid = store.runs.get(runId).pid!;
    expect(trainerPid).toBeGreaterThan(0);
    await until('the orphaned trainer to exit', () => !pidAlive(trainerPid), 60_000);
    const run = store.runs.get(runId);
    expect(run.status).toBe('stopped');
    expect(run.pid).toBeNull();
    const steps = stepsOf(store, runId);
    expect(steps).toEqual([...Array(steps.length).keys()]);
    expect(steps.length).toBeLessThan(40);
    expect(store.checkpoints.latest(runId)?.step).toBe(steps.at(-1)); // the last finished step is kept
    expect(store.events.latest(runId).some((e) => e.kind === 'stopped' && /exited/.test(e.message))).toBe(true);
    expect(store.leases.get(runId)).toBeNull();
    store.close();
  });

  it('force stop kills the trainer now; the run is stopped and resumes with contiguous steps', async () => {
    const { dataDir, dbPath, store, runId } = setup(8, 2);
    let forced = false;
    const sup: Supervisor = supervisor(store, dbPath, dataDir, (step) => {
      if (step === 2 && !forced) { forced = true; sup.forceStop(runId); }
    });
    const pidBox: { pid?: number } = {};
    const done = sup.start(runId, false);
    pidBox.pid = sup.pid(runId);
    expect(await done).toBe('stopped');
    expect(pidAlive(pidBox.pid!)).toBe(false);
    expect(store.runs.get(runId).status).toBe('stopped');
    // Nothing before the last checkpoint is lost: the resume re-runs only what came after it.
    const ckpt = store.checkpoints.latest(runId)!.step;
    expect(stepsOf(store, runId).slice(0, ckpt + 1)).toEqual([...Array(ckpt + 1).keys()]);
    expect(await sup.start(runId, true)).toBe('finished');
    expect(stepsOf(store, runId)).toEqual([...Array(8).keys()]);
    store.close();
  });
});
