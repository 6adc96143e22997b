/**
 * Export and evaluation run in tool processes (exportEvalService). A tool that
 * never finishes (issue 16: an endless mkdir loop that ignored SIGTERM left the
 * UI on "Exporting…" forever) must be bounded: a time limit and a cancel, both
 * killing the tool's whole process group (its own children too), and both
 * answering the pending call with a typed error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExportEvalService } from '../../main/services/exportEvalService.js';
import { Store } from '../../main/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tool-jobs-'));
const store = Store.open(join(dir, 'clipo.db'));
const runId = store.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 1 });
afterAll(() => { store.close(); rmSync(dir, { recursive: true, force: true }); });

// The grandchild sleeps for a duration unique to this test run, so pgrep never matches another process's `sleep 300`.
const SLEEP = `${300 + (process.pid % 97)}.${String(Date.now() % 1000).padStart(3, '0')}`;
// A tool that starts a grandchild (same process group), reports its pid, ignores SIGTERM and spins forever.
const HUNG_TOOL = join(dir, 'hungTool.mjs');
writeFileSync(HUNG_TOOL, `
import { spawn } from 'node:child_process';
process.on('SIGTERM', () => {});
process.on('message', () => {
  const g = spawn('sleep', ['${SLEEP}'], { stdio: 'ignore' });
  process.send({ type: 'progress', done: g.pid, total: null, correct: 0, samples: 0 }, () => { for (;;) {} });
});
`);

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const waitDead = async (pid: number, ms: number) => { const t = Date.now(); while (alive(pid) && Date.now() - t < ms) await new Promise((r) => setTimeout(r, 50)); return !alive(pid); };

describe('tool processes are bounded', () => {
  it('an export that never finishes is killed with its process group at the time limit, with a typed error', async () => {
    let grandchild = 0;
    const svc = createExportEvalService({
      store, dbPath: join(dir, 'clipo.db'), dataDir: dir, entry: HUNG_TOOL, exportTimeoutMs: 1500,
      emit: () => undefined,
    });
    const t0 = Date.now();
    const err = await (Promise.resolve(svc.export!({ runId: String(runId), format: 'gguf', outDir: join(dir, 'out') })).catch((e: unknown) => e) as Promise<{ code: string; message: string }>);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect(err.message).toMatch(/did not finish within/);
    const ps = spawnSync('pgrep', ['-f', `sleep ${SLEEP}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    for (const pid of ps) grandchild = pid;
    expect(grandchild === 0 || await waitDead(grandchild, 3000), 'the tool\'s child survived').toBe(true);
  }, 15_000);

  it('runs.cancelJob stops a running export at once (typed error) and kills its process group', async () => {
    const svc = createExportEvalService({ store, dbPath: join(dir, 'clipo.db'), dataDir: dir, entry: HUNG_TOOL, emit: () => undefined });
    const pending = Promise.resolve(svc.export!({ runId: String(runId), format: 'gguf', outDir: join(dir, 'out') })).catch((e: unknown) => e) as Promise<{ code: string; message: string }>;
    await new Promise((r) => setTimeout(r, 700));
    const t0 = Date.now();
    expect(await svc.cancelJob!({ runId: String(runId), job: 'export' })).toEqual({ cancelled: true });
    const err = await pending;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect(err.message).toMatch(/cancelled/);
    expect(await svc.cancelJob!({ runId: String(runId), job: 'export' })).toEqual({ cancelled: false });
    const left = spawnSync('pgrep', ['-f', `sleep ${SLEEP}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    for (const pid of left) expect(await waitDead(pid, 3000), `grandchild ${pid} survived`).toBe(true);
  }, 15_000);

  it('shutting the services down kills running tool processes (none outlives the app)', async () => {
    const svc = createExportEvalService({ store, dbPath: join(dir, 'clipo.db'), dataDir: dir, entry: HUNG_TOOL, emit: () => undefined });
    const pending = (Promise.resolve(svc.export!({ runId: String(runId), format: 'gguf', outDir: join(dir, 'out') })).catch((e: unknown) => e)) as Promise<{ code: string; message: string }>;
    await new Promise((r) => setTimeout(r, 700));
    svc.dispose();
    expect(await pending).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/cancelled/) });
    const left = spawnSync('pgrep', ['-f', `sleep ${SLEEP}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
    for (const pid of left) expect(await waitDead(pid, 3000), `grandchild ${pid} survived`).toBe(true);
  }, 15_000);
});
