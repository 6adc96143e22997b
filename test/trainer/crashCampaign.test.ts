/**
 * Crash campaign (issue 16): kill -9 real trainer processes at seeded random
 * points of demo runs (between and inside steps: while sampling, during the
 * update, while a checkpoint is written), sometimes the parent process (the
 * CLI / web server) with it or instead of it, then resume, over and over. After
 * every kill and every resume:
 *  - steps are contiguous from 0, none duplicated; every step is whole (all of
 *    its samples, metrics and embeddings);
 *  - nothing at or before the last checkpoint changes (not lost, not re-run);
 *  - PRAGMA integrity_check is ok; checkpoint rows point at complete folders;
 *  - a trainer killed with its parent is found orphaned (dead pid) by the next
 *    start (markOrphansCrashed, as the app and the CLI do) and marked crashed; a
 *    trainer whose parent alone died stops itself cleanly.
 * Two runs go in parallel (one per core). Prints `crash campaign: N attempts, N recovered`.
 *
 * Two sizes, the same checks after every kill and resume:
 *  - CI (default): 3 kills per lane on a fixed schedule that covers every mode and
 *    every place a kill lands (trainer alone, parent with trainer, parent alone; between
 *    steps, early in a step = sampling, late in a step = update, inside a checkpoint
 *    write), 15-step runs. About a fifth of the full campaign's time.
 *  - Full (CLIPO_FULL_CAMPAIGN=1): 16 kills per lane at seeded random modes and points,
 *    40-step runs, as docs/STORE.md "Crash campaign" describes; run it after touching
 *    the store, the checkpoint code or the supervisor:
 *      CLIPO_FULL_CAMPAIGN=1 npx vitest run --project unit test/trainer/crashCampaign.test.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rngFor } from '../../main/data/rng.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { pidAlive, Store } from '../../main/store/index.js';

const ENTRY = resolve('dist/main/trainer/trainerMain.js');
const FULL = process.env.CLIPO_FULL_CAMPAIGN === '1';
const KILLS_PER_LANE = FULL ? 16 : 3;
const STEPS = FULL ? 40 : 15;
const CHECKPOINT_EVERY = 3;
const GROUP = 4, PROMPTS = 4;

const url = (p: string) => JSON.stringify(pathToFileURL(resolve(p)).href);
// The parent: what the CLI does (a Supervisor over the store), printing the trainer's messages as JSON lines.
const PARENT = `
import { Store } from ${url('dist/main/store/index.js')};
import { Supervisor } from ${url('dist/main/trainer/Supervisor.js')};
const [dbPath, dataDir, runId, resume] = process.argv.slice(2);
const store = Store.open(dbPath, { integrityCheck: false });
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const sup = new Supervisor({ dbPath, dataDir, store: {
  updateStatus: (id, s, e) => store.runs.updateStatus(id, s, e), currentStep: (id) => store.runs.get(id).currentStep,
  status: (id) => store.runs.get(id).status },
  onMessage: (_id, m) => out(m) });
const done = sup.start(Number(runId), resume === '1');
out({ type: 'pid', pid: sup.pid(Number(runId)) });
out({ type: 'done', status: await done });
store.close();
`;

type Mode = 'trainer' | 'parent+trainer' | 'parent';
interface Attempt { lane: number; runId: number; mode: Mode; afterStep: number; delayMs: number; atCheckpoint: boolean }
/**
 * Where a CI kill lands, after the message of step `afterStep`: `between` steps (no delay), inside the
 * checkpoint write (a checkpoint step, 2 ms), or a fraction of the way into the next step (the time a
 * step took in this process, measured between two step messages): early is sampling, late the update.
 */
type Place = { at: 'between' } | { at: 'checkpoint' } | { at: 'step'; fraction: number };
const SCHEDULE: { mode: Mode; place: Place }[][] = [
  [{ mode: 'trainer', place: { at: 'checkpoint' } }, { mode: 'parent+trainer', place: { at: 'step', fraction: 0.25 } },
    { mode: 'trainer', place: { at: 'step', fraction: 0.85 } }],
  [{ mode: 'parent', place: { at: 'step', fraction: 0.5 } }, { mode: 'trainer', place: { at: 'between' } },
    { mode: 'parent+trainer', place: { at: 'checkpoint' } }],
];
const isCheckpointStep = (s: number) => (s + 1) % CHECKPOINT_EVERY === 0;

function stepsOf(store: Store, runId: number): number[] {
  return (store.db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').all(runId) as { step: number }[]).map((r) => r.step);
}

/** Every invariant that must hold between attempts; returns the fingerprint of the steps up to the last checkpoint. */
function checkRun(store: Store, runId: number, dataDir: string): { ckpt: number; frozen: string } {
  const steps = stepsOf(store, runId);
  expect(steps, 'contiguous steps').toEqual([...Array(steps.length).keys()]);
  const run = store.runs.get(runId);
  expect(run.currentStep).toBe(steps.length - 1);
  const perStep = store.db.prepare(
    `SELECT s.step, (SELECT count(*) FROM samples WHERE run_id = s.run_id AND step = s.step) AS samples,
            (SELECT count(*) FROM step_metrics WHERE run_id = s.run_id AND step = s.step) AS metrics,
            (SELECT count(*) FROM embeddings e WHERE e.run_id = s.run_id AND e.step = s.step
               AND NOT EXISTS (SELECT 1 FROM samples x WHERE x.id = e.sample_id)) AS dangling
     FROM steps s WHERE s.run_id = ? ORDER BY s.step`).all(runId) as { step: number; samples: number; metrics: number; dangling: number }[];
  for (const r of perStep) {
    expect(r.samples, `samples of step ${r.step}`).toBe(GROUP * PROMPTS);
    expect(r.metrics, `metrics of step ${r.step}`).toBeGreaterThan(10);
    expect(r.dangling).toBe(0);
  }
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  const ckpts = store.checkpoints.list(runId);
  for (const c of ckpts) {
    expect(c.step).toBeLessThanOrEqual(run.currentStep);
    expect(existsSync(join(c.path, 'engine.state')) && existsSync(join(c.path, 'trainer.json')), `checkpoint ${c.step} complete`).toBe(true);
  }
  const ckpt = ckpts.at(-1)?.step ?? -1;
  const frozen = JSON.stringify(store.db.prepare(
    `SELECT m.step, m.name, m.value FROM step_metrics m WHERE m.run_id = ? AND m.step <= ? AND m.name NOT LIKE 'time/%' ORDER BY m.step, m.name`).all(runId, ckpt))
    + JSON.stringify(store.db.prepare('SELECT step, prompt_index, sample_index, completion, reward FROM samples WHERE run_id = ? AND step <= ? ORDER BY id').all(runId, ckpt));
  void dataDir;
  return { ckpt, frozen };
}

function lines(child: ChildProcess, on: (m: Record<string, unknown>) => void): void {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { on(JSON.parse(l) as Record<string, unknown>); } catch { /* not ours */ }
    }
  });
}

async function until(what: string, f: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function lane(lane: number, stats: { attempts: number; recovered: number; midCheckpoint: number; orphansFound: number; selfStopped: number; log: string[] }) {
  const rand = rngFor(20261203, 'crash-campaign', lane);
  const dataDir = mkdtempSync(join(tmpdir(), `campaign-${lane}-`));
  const dbPath = join(dataDir, 'clipo.db');
  const store = Store.open(dbPath);
  const parentScript = join(dataDir, 'parent.mjs');
  writeFileSync(parentScript, PARENT);
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, rollout: { ...demo.rollout, groupSize: GROUP, promptsPerStep: PROMPTS },
    training: { ...demo.training, steps: STEPS, checkpointEvery: CHECKPOINT_EVERY }, hardware: { ...demo.hardware, threads: 1 } });
  const newRun = () => store.runs.create({ name: `campaign-${lane}`, recipeJson: JSON.stringify(recipe), totalSteps: STEPS });
  let runId = newRun();
  let resume = false;
  let frozen = { ckpt: -1, frozen: '' };
  let kills = 0;
  while (kills < KILLS_PER_LANE) {
    const current = store.runs.get(runId).currentStep;
    let mode: Mode, afterStep: number, atCheckpoint: boolean;
    /** The delay after step `afterStep`'s message; `stepMs` is the last step's duration seen in this attempt. */
    let delayOf: (stepMs: number) => number;
    if (FULL) {
      const r = rand();
      mode = r < 0.7 ? 'trainer' : r < 0.9 ? 'parent+trainer' : 'parent';
      afterStep = current + 1 + Math.floor(rand() * 3);
      atCheckpoint = isCheckpointStep(afterStep) || rand() < 0.25;
      // At a checkpoint step the files are written right after the step message: a few ms lands inside the write.
      const ms = atCheckpoint && isCheckpointStep(afterStep) ? Math.floor(rand() * 15) : Math.floor(rand() * 250);
      delayOf = () => ms;
    } else {
      const { mode: m, place } = SCHEDULE[lane]![kills]!;
      mode = m;
      // The second step message of this attempt at the earliest, so a step's duration has been seen.
      afterStep = current + 2;
      if (place.at === 'checkpoint') while (!isCheckpointStep(afterStep)) afterStep++;
      else while (isCheckpointStep(afterStep)) afterStep++;
      atCheckpoint = place.at === 'checkpoint';
      delayOf = place.at === 'step' ? (stepMs) => Math.round(place.fraction * stepMs) : place.at === 'checkpoint' ? () => 2 : () => 0;
    }
    let lastStepAt = 0, stepMs = 0, delayMs = 0;
    const a: Attempt = { lane, runId, mode, afterStep, delayMs, atCheckpoint };
    const parent = spawn(process.execPath, [parentScript, dbPath, dataDir, String(runId), resume ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let trainerPid = 0;
    let finished: string | null = null;
    let killedAt: number | null = null;
    const parentExit = new Promise<void>((res) => parent.once('exit', () => res()));
    lines(parent, (m) => {
      if (m.type === 'pid') trainerPid = m.pid as number;
      if (m.type === 'done') finished = m.status as string;
      if (m.type === 'step') {
        const now = performance.now();
        if (lastStepAt > 0) stepMs = now - lastStepAt;
        lastStepAt = now;
      }
      if (m.type === 'step' && (m.step as number) >= afterStep && killedAt === null) {
        killedAt = m.step as number;
        delayMs = a.delayMs = delayOf(stepMs);
        setTimeout(() => {
          if (mode !== 'parent' && trainerPid) { try { process.kill(trainerPid, 'SIGKILL'); } catch { /* already gone */ } }
          if (mode !== 'trainer') parent.kill('SIGKILL');
        }, delayMs);
      }
    });
    await parentExit;
    await until('the trainer to exit', () => trainerPid === 0 || !pidAlive(trainerPid), 60_000);
    stats.attempts++;
    if (killedAt === null) {
      // The run ended before the chosen point: start a fresh run and keep going.
      expect(finished).toBe('finished');
      checkRun(store, runId, dataDir);
      runId = newRun();
      resume = false;
      frozen = { ckpt: -1, frozen: '' };
      stats.recovered++;
      continue;
    }
    kills++;
    const ckDir = join(dataDir, 'runs', String(runId), 'checkpoints');
    const rows = new Set(store.checkpoints.list(runId).map((c) => resolve(c.path)));
    const leftovers = existsSync(ckDir) ? readdirSync(ckDir).filter((n) => n.includes('.tmp-') || !rows.has(resolve(ckDir, n))) : [];
    if (leftovers.length > 0) stats.midCheckpoint++;
    let status = store.runs.get(runId).status;
    // A kill delayed past the last step lands on a finished run (the 'trainer' and 'parent' modes allow the same):
    // then there is no orphan to find.
    if (mode === 'parent+trainer' && status !== 'finished') {
      // Nobody was left to mark the run: it still says running, with a dead pid. The next start finds it.
      expect(status).toBe('running');
      expect(store.runs.markOrphansCrashed(pidAlive)).toEqual([runId]);
      status = store.runs.get(runId).status;
      stats.orphansFound++;
    }
    if (mode === 'parent') {
      // The trainer saw its parent go, finished its step, checkpointed and stopped itself.
      expect(['stopped', 'finished']).toContain(status);
      expect(store.checkpoints.latest(runId)?.step).toBe(store.runs.get(runId).currentStep);
      stats.selfStopped++;
    } else if (status !== 'finished') {
      expect(status, JSON.stringify(a)).toBe('crashed');
    }
    expect(store.leases.live(runId)).toBeNull();
    // Nothing at or before the previous checkpoint changed.
    const now = checkRun(store, runId, dataDir);
    if (frozen.ckpt >= 0) {
      expect(now.ckpt).toBeGreaterThanOrEqual(frozen.ckpt);
      expect(checkRunPrefix(store, runId, frozen.ckpt), `steps ≤ ${frozen.ckpt} after ${JSON.stringify(a)}`).toBe(frozen.frozen);
    }
    frozen = now;
    stats.log.push(`${lane}:${mode}@${killedAt}+${delayMs}ms${leftovers.length ? ' (mid-checkpoint)' : ''}`);
    stats.recovered++;
    if (status === 'finished') { runId = newRun(); resume = false; frozen = { ckpt: -1, frozen: '' }; } else resume = true;
  }
  // Finally resume to the end: whole run, stray files gone.
  if (resume) {
    const parent = spawn(process.execPath, [parentScript, dbPath, dataDir, String(runId), '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let finished: string | null = null;
    lines(parent, (m) => { if (m.type === 'done') finished = m.status as string; });
    await new Promise<void>((res) => parent.once('exit', () => res()));
    expect(finished).toBe('finished');
    const end = checkRun(store, runId, dataDir);
    if (frozen.ckpt >= 0) expect(checkRunPrefix(store, runId, frozen.ckpt)).toBe(frozen.frozen);
    expect(stepsOf(store, runId)).toEqual([...Array(STEPS).keys()]);
    expect(end.ckpt).toBe(STEPS - 1);
    const runDir = join(dataDir, 'runs', String(runId));
    expect(readdirSync(join(runDir, 'adapters'))).toEqual([]);
    expect(readdirSync(join(runDir, 'checkpoints')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }
  store.close();
}

function checkRunPrefix(store: Store, runId: number, ckpt: number): string {
  return JSON.stringify(store.db.prepare(
    `SELECT m.step, m.name, m.value FROM step_metrics m WHERE m.run_id = ? AND m.step <= ? AND m.name NOT LIKE 'time/%' ORDER BY m.step, m.name`).all(runId, ckpt))
    + JSON.stringify(store.db.prepare('SELECT step, prompt_index, sample_index, completion, reward FROM samples WHERE run_id = ? AND step <= ? ORDER BY id').all(runId, ckpt));
}

describe('crash campaign', () => {
  it(`kill -9 at ${2 * KILLS_PER_LANE} ${FULL ? 'seeded' : 'scheduled'} points, resume each time: nothing lost before the last checkpoint`, async () => {
    expect(existsSync(ENTRY), 'run `npm run build` first').toBe(true);
    const stats = { attempts: 0, recovered: 0, midCheckpoint: 0, orphansFound: 0, selfStopped: 0, log: [] as string[] };
    const t0 = performance.now();
    await Promise.all([lane(0, stats), lane(1, stats)]);
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(`crash campaign: ${stats.attempts} attempts, ${stats.recovered} recovered (${stats.midCheckpoint} killed mid-checkpoint, ` +
      `${stats.orphansFound} orphans found at the next start, ${stats.selfStopped} stopped themselves when the parent died; ${s} s)\n  ${stats.log.join(' ')}`);
    expect(stats.recovered).toBe(stats.attempts);
    expect(stats.attempts).toBeGreaterThanOrEqual(2 * KILLS_PER_LANE);
    // Both recovery paths that need the next start or the trainer itself were exercised.
    expect(stats.orphansFound).toBeGreaterThan(0);
    expect(stats.selfStopped).toBeGreaterThan(0);
  }, 600_000);
});
