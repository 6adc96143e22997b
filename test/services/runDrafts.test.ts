/**
 * Drafts (runs created but not started): runs.duplicate and runs.create with
 * start: false make a 'draft' that nothing starts by itself; runs.start starts
 * it (a real trainer process, through the validated router); starting anything
 * else is a typed conflict, and resuming a draft is refused with a pointer to Start.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import type { RunSummary } from '../../main/api/contract/index.js';
import { createRouter } from '../../main/api/router.js';
import { recipePresets } from '../../main/recipes/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { forkSpawner, TRAINER_ENTRY } from '../../main/trainer/Supervisor.js';

// The built trainer (vitest runs main/ from source, where there is no trainerMain.js).
const ENTRY = resolve('dist/main/trainer/trainerMain.js');
const tmp = mkdtempSync(join(tmpdir(), 'drafts-'));
const dataDir = join(tmp, 'data');
const events = new ApiEventBus();
const statuses: string[] = [];
events.on('run.status', (e) => statuses.push(`${e.runId}:${e.status}`));
const spawn = forkSpawner();
const created = createDefaultServices({
  mode: 'web', dataDir, appRoot: findAppRoot(), events,
  spawnTrainer: (entry) => spawn(entry === TRAINER_ENTRY ? ENTRY : entry),
});
const route = createRouter(created.handlers);
async function call<T>(method: string, args: unknown): Promise<T> {
  const r = await route(method as never, args);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as T;
}
const statusOf = async (runId: string) => (await call<RunSummary>('runs.get', { runId })).status;

afterAll(async () => {
  await created.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('draft runs', () => {
  it('duplicate makes a draft that stays a draft; runs.start trains it to the end', async () => {
    expect(existsSync(ENTRY), 'run `node scripts/build.mjs node` first').toBe(true);
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const steps = 2;
    const recipe = { ...demo, name: 'original', rollout: { ...demo.rollout, groupSize: 4, promptsPerStep: 4 }, training: { ...demo.training, steps } };
    const { runId: original } = await call<{ runId: string }>('runs.create', { recipe, start: false });
    expect(await statusOf(original)).toBe('draft');
    const { runId: copy } = await call<{ runId: string }>('runs.duplicate', { runId: original, name: 'the copy' });
    expect(await statusOf(copy)).toBe('draft');
    // Nothing picks a draft up: no trainer starts, no status event comes.
    await new Promise((r) => setTimeout(r, 500));
    expect(await statusOf(copy)).toBe('draft');
    expect(statuses).toEqual([]);
    expect(await call<RunSummary[]>('runs.list', {})).toEqual(expect.arrayContaining([expect.objectContaining({ id: copy, status: 'draft', name: 'the copy' })]));

    const started = await call<RunSummary>('runs.start', { runId: copy });
    expect(started.status).toBe('queued');
    const end = Date.now() + 120_000;
    while (!['finished', 'crashed', 'failed'].includes(await statusOf(copy)) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const run = await call<RunSummary & { events: { kind: string }[] }>('runs.get', { runId: copy });
    expect(run.status, JSON.stringify(run.events)).toBe('finished');
    expect(run.step).toBe(steps);
    expect(run.events.some((e) => e.kind === 'start')).toBe(true); // who started it is in its log
    expect(statuses).toContain(`${copy}:running`);
    expect(await statusOf(original)).toBe('draft'); // only the one asked for
  }, 150_000);

  it('refuses to start anything but a draft (typed conflict) and to resume a draft', async () => {
    const { runId } = await call<{ runId: string }>('runs.create', { recipe: { name: 'd' }, start: false });
    await expect(call('runs.resume', { runId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/draft.*start it/) });
    created.context.runs!.stop!({ runId }); // a draft can be stopped (given up) like a queued run
    await new Promise((r) => setTimeout(r, 50));
    expect(await statusOf(runId)).toBe('stopped');
    await expect(call('runs.start', { runId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/stopped, not a draft.*resume it/) });
    await expect(call('runs.start', { runId: '999999' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('runs.start', { runId, extra: 1 })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(call('runs.start', {})).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
