/**
 * The runs service against a real store: run rows from validated recipes,
 * dashboard reads (metric series with wall-clock times, grouped samples with
 * answers, embeddings) and the compare view's config diff.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../main/store/index.js';
import { createRunsService } from '../../main/services/runsService.js';
import { recipeDiff } from '../../main/services/recipeDiff.js';
import type { Supervisor } from '../../main/trainer/Supervisor.js';

const idleSupervisor = { isRunning: () => false, start: () => Promise.resolve('finished') } as unknown as Supervisor;

function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'runs-'));
  const store = Store.open(join(dataDir, 'clipo.db'));
  const svc = createRunsService({ store, supervisor: idleSupervisor, emit: () => undefined, dataDir });
  return { store, svc, dataDir };
}

describe('runsService', () => {
  it('creates runs from recipes (defaults resolved) and refuses bad ones with the field', () => {
    const { svc, store } = setup();
    const { runId } = svc.create({ recipe: { name: 'a', training: { steps: 7 } }, start: false }) as { runId: string };
    const run = store.runs.get(Number(runId));
    expect(run.totalSteps).toBe(7);
    expect(JSON.parse(run.recipeJson).optim.lr).toBe(1e-5);
    expect(() => svc.create({ recipe: { optim: { lr: -1 } }, start: false })).toThrow(/optim\.lr/);
  });

  it('serves metric series with times, grouped samples with answers, and compares runs', () => {
    const { svc, store } = setup();
    const a = Number((svc.create({ recipe: { name: 'a' }, start: false }) as { runId: string }).runId);
    const b = Number((svc.create({ recipe: { name: 'b', optim: { lr: 2e-5 } }, start: false }) as { runId: string }).runId);
    for (const [id, base] of [[a, 0], [b, 0.5]] as const) {
      for (let step = 0; step < 3; step++) {
        store.steps.writeStep(id, {
          step, metrics: { 'reward/mean': base + step / 10, 'time/elapsed': 2 * step },
          samples: [0, 1].flatMap((g) => [0, 1].map((i) => ({ promptIndex: g, sampleIndex: i, prompt: `p${g}`, answer: `ans${g}`, completion: `c${i}`, reward: g === 0 ? i : 1, length: 3 }))),
        });
      }
    }
    const [series] = svc.metrics({ runId: String(a), names: ['reward/mean'] }) as { values: number[]; times: number[]; steps: number[] }[];
    expect(series!.steps).toEqual([0, 1, 2]);
    expect(series!.values).toEqual([0, 0.1, 0.2]);
    expect(series!.times).toEqual([0, 2, 4]);
    const page = svc.samples({ runId: String(a), step: 1 }) as { groups: { answer: string; zeroVariance: boolean; samples: unknown[] }[]; total: number };
    expect(page.total).toBe(2);
    expect(page.groups.map((g) => [g.answer, g.zeroVariance, g.samples.length])).toEqual([['ans0', false, 2], ['ans1', true, 2]]);
    const cmp = svc.compare({ runIds: [String(a), String(b)], names: ['reward/mean'] }) as { series: Record<string, { values: number[] }[]>; configDiff: { path: string }[] };
    expect(cmp.series[String(b)]![0]!.values).toEqual([0.5, 0.6, 0.7]);
    expect(cmp.configDiff.map((d) => d.path)).toEqual(['name', 'optim.lr']);
  });
});

describe('runs.delete', () => {
  it('removes the rows and the run folder, and refuses a running run', () => {
    const { svc, store, dataDir } = setup();
    const { runId } = svc.create({ recipe: {}, start: false }) as { runId: string };
    const folder = join(dataDir, 'runs', runId, 'checkpoints', 'step-0');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'engine.state'), 'x');
    expect(svc.delete({ runId, confirm: true })).toEqual({ deleted: true });
    expect(existsSync(join(dataDir, 'runs', runId))).toBe(false);
    expect(() => store.runs.get(Number(runId))).toThrow(/does not exist/);
    const busy = createRunsService({ store, supervisor: { isRunning: () => true } as unknown as Supervisor, emit: () => undefined, dataDir });
    const other = (svc.create({ recipe: {}, start: false }) as { runId: string }).runId;
    expect(() => busy.delete({ runId: other, confirm: true })).toThrow(/running; stop it/);
  });
});

describe('recipeDiff', () => {
  it('lists only paths whose values differ, including arrays as values', () => {
    expect(recipeDiff({ x: { a: 1, b: { c: [1, 2] } }, y: { a: 1, b: { c: [1, 3] }, d: true } }))
      .toEqual([{ path: 'b.c', values: { x: [1, 2], y: [1, 3] } }, { path: 'd', values: { x: undefined, y: true } }]);
  });

  it('keeps each run\'s alarm history in the store, extending an episode across calls, and refuses to steer a run another process drives', async () => {
    const { svc, store } = setup();
    const id = Number((svc.create({ recipe: { name: 'alarms' }, start: false }) as { runId: string }).runId);
    // A NaN loss at stored steps 2-3, then again from 7 on; the history is recorded while steps arrive.
    const loss = (s: number) => (s === 2 || s === 3 || s >= 7 ? NaN : 0.1);
    for (let step = 0; step < 8; step++) store.steps.writeStep(id, { step, metrics: { 'optim/loss': loss(step) } });
    svc.alarms!({ runId: String(id) });
    for (let step = 8; step < 10; step++) store.steps.writeStep(id, { step, metrics: { 'optim/loss': loss(step) } });
    const eps = svc.alarms!({ runId: String(id) }) as { alarm: string; firstStep: number; lastStep: number }[];
    expect(eps.map((e) => [e.alarm, e.firstStep, e.lastStep])).toEqual([['nan-loss', 2, 3], ['nan-loss', 7, 9]]);
    expect(store.alarms.list(id)).toHaveLength(2); // one row per episode, the open one extended in place
    // A run marked running with no trainer of ours: another process drives it.
    store.runs.updateStatus(id, 'running', { pid: 1 });
    expect(() => svc.pause!({ runId: String(id) })).toThrow(/another program/);
    await expect(Promise.resolve().then(() => svc.stop!({ runId: String(id) }))).rejects.toThrow(/another program/); // stop is async (a force stop waits for the kill)
    expect(store.runs.get(id).status).toBe('running');
    expect((svc.get!({ runId: String(id) }) as { external?: boolean }).external).toBe(true);
  });
});
