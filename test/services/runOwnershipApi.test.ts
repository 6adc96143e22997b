/**
 * The runs API and a run another process trains (issue 16): resume, delete and
 * a plain stop are refused with `conflict`-coded errors naming the owner; a
 * force stop kills the owner's process group (a trainer stuck in a long
 * synchronous phase never reads a stop message), clears its lease and marks
 * the run stopped; a new run never reuses an existing run folder's number.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toApiError } from '../../main/api/toApiError.js';
import { createRunsService } from '../../main/services/runsService.js';
import { pidAlive, Store } from '../../main/store/index.js';
import type { Supervisor } from '../../main/trainer/Supervisor.js';

const idleSupervisor = { isRunning: () => false, start: () => Promise.resolve('finished') } as unknown as Supervisor;

async function caught(f: () => unknown): Promise<unknown> {
  try { await f(); } catch (e) { return e; }
  return null;
}

describe('runs API vs a run owned by another process', () => {
  it('refuses resume, delete and stop; force stop kills the owner; the run is stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'own-api-'));
    const dbPath = join(dataDir, 'clipo.db');
    const store = Store.open(dbPath);
    const svc = createRunsService({ store, supervisor: idleSupervisor, emit: () => undefined, dataDir });
    const runId = (svc.create({ recipe: { name: 'other' }, start: false }) as { runId: string }).runId;
    // The owner: a detached process (its own group, like a trainer) that takes the lease and then spins,
    // never reading messages (the 50 MB-row hang of the issue).
    const owner = spawn(process.execPath, ['-e', `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('busy_timeout = 5000');
      db.prepare("INSERT INTO run_leases VALUES (?, ?, ?, 't', ?, ?)").run(${Number(runId)}, process.pid, require('os').hostname(), Date.now(), Date.now());
      db.prepare("UPDATE runs SET status = 'running', pid = ? WHERE id = ?").run(process.pid, ${Number(runId)});
      db.close();
      process.stdout.write('owned\\n');
      for (;;) {}`, dbPath], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    await new Promise<void>((res, rej) => { owner.stdout.once('data', () => res()); owner.once('exit', (c) => rej(new Error(`owner exited ${c}`))); });
    try {
      for (const call of [() => svc.resume({ runId }), () => svc.delete({ runId, confirm: true }), () => svc.stop({ runId })]) {
        const err = await caught(call);
        expect(toApiError(err, 'runs.x').code).toBe('conflict');
        expect((err as Error).message).toMatch(new RegExp(`trainer process ${owner.pid}`));
      }
      expect(store.runs.get(Number(runId)).status).toBe('running'); // untouched
      const t0 = performance.now();
      const summary = await svc.stop({ runId, force: true }) as { status: string };
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(summary.status).toBe('stopped');
      expect(pidAlive(owner.pid!)).toBe(false);
      expect(store.leases.get(Number(runId))).toBeNull();
      expect(store.events.latest(Number(runId)).some((e) => /force-stopped/.test(e.message))).toBe(true);
      svc.delete({ runId, confirm: true }); // now it may go
    } finally {
      try { process.kill(-owner.pid!, 'SIGKILL'); } catch { /* gone */ }
    }
    // A run folder left from a lost database: the next run does not take its number.
    mkdirSync(join(dataDir, 'runs', '41'), { recursive: true });
    expect((svc.create({ recipe: { name: 'next' }, start: false }) as { runId: string }).runId).toBe('42');
    store.close();
  });
});
