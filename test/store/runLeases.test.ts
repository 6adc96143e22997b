// One owner per run across processes (issue 16): a run's lease names its
// trainer (pid, host, token). A live owner makes every other acquire, delete
// and resume refuse with LEASE_HELD; a dead pid or a stale heartbeat is an
// orphan that the next owner replaces and the supervisor marks crashed; a
// trainer whose lease was taken over cannot write another step.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEASE_STALE_MS, leaseState } from '../../main/store/leaseState.js';
import { Store } from '../../main/store/Store.js';
import { StoreError } from '../../main/store/StoreError.js';
import { makeStep, tempDir } from './helpers.js';

function code(f: () => unknown): string {
  try { f(); } catch (err) { return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`; }
  return 'no error';
}

function newRun(store: Store): number {
  return store.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 10 });
}

describe('run leases', () => {
  it('a live owner in another process blocks acquire, delete and assertFree; its death frees the run', async () => {
    const path = join(tempDir(), 'lease.db');
    const store = Store.open(path);
    const runId = newRun(store);
    // A real second process takes the lease (as a trainer does) and stays alive until killed.
    const holder = spawn(process.execPath, ['-e', `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('busy_timeout = 5000');
      db.prepare("INSERT INTO run_leases VALUES (?, ?, ?, 'other', ?, ?)").run(${runId}, process.pid, require('os').hostname(), Date.now(), Date.now());
      db.close();
      process.stdout.write('held\\n');
      setTimeout(() => {}, 60000);`, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('exit', (c) => reject(new Error(`holder exited with ${c}`)));
    });
    try {
      expect(code(() => store.leases.acquire(runId, { token: 'mine' }))).toBe('LEASE_HELD');
      expect(code(() => store.runs.delete(runId))).toBe('LEASE_HELD');
      expect(code(() => store.leases.assertFree(runId, 'resume'))).toBe('LEASE_HELD');
      expect(store.runs.get(runId).name).toBe('r'); // not deleted
      // The supervisor at startup leaves a run with a live owner alone.
      store.runs.updateStatus(runId, 'running', { pid: holder.pid! });
      expect(store.runs.markOrphansCrashed((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } })).toEqual([]);
      expect(store.runs.get(runId).status).toBe('running');
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // Owner dead: the supervisor marks the run crashed and says why; the lease is cleared.
    expect(store.runs.markOrphansCrashed((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } })).toEqual([runId]);
    const run = store.runs.get(runId);
    expect(run.status).toBe('crashed');
    expect(run.error).toMatch(new RegExp(`trainer process ${holder.pid} exited unexpectedly`));
    expect(store.leases.get(runId)).toBeNull();
    expect(store.leases.acquire(runId, { token: 'mine' }).replaced).toBeNull();
    store.close();
  });

  it('replaces a dead or stale owner, and the replaced trainer can no longer write steps', () => {
    const store = Store.open(join(tempDir(), 'lease2.db'));
    const runId = newRun(store);
    store.leases.acquire(runId, { token: 'old', pid: 4242 });
    store.steps.writeStep(runId, makeStep(0), { leaseToken: 'old' }); // also refreshes the heartbeat
    const t0 = store.leases.get(runId)!.heartbeatAt;
    // pid alive and heartbeat fresh: refused.
    expect(code(() => store.leases.acquire(runId, { token: 'new' }, { now: t0 + 1000, isAlive: () => true }))).toBe('LEASE_HELD');
    // pid alive but no heartbeat for longer than LEASE_STALE_MS (pid reused, or hung): replaced.
    const taken = store.leases.acquire(runId, { token: 'new' }, { now: t0 + LEASE_STALE_MS + 1, isAlive: () => true });
    expect(taken.state).toBe('stale');
    expect(taken.replaced?.pid).toBe(4242);
    expect(code(() => store.steps.writeStep(runId, makeStep(1), { leaseToken: 'old' }))).toBe('LEASE_LOST');
    expect(code(() => store.leases.heartbeat(runId, 'old'))).toBe('LEASE_LOST');
    expect(store.steps.stepsWithSamples(runId)).toEqual([0]);
    store.steps.writeStep(runId, makeStep(1), { leaseToken: 'new' });
    // Dead pid on this host: replaced at once, whatever the heartbeat.
    expect(leaseState({ pid: 1, host: hostname(), heartbeatAt: t0 }, { now: t0, isAlive: () => false })).toBe('dead');
    // Another host: the pid means nothing there; only the heartbeat counts.
    expect(leaseState({ pid: 1, host: 'elsewhere', heartbeatAt: t0 }, { now: t0 + 10, isAlive: () => false })).toBe('live');
    expect(leaseState({ pid: 1, host: 'elsewhere', heartbeatAt: t0 }, { now: t0 + LEASE_STALE_MS + 1 })).toBe('stale');
    store.leases.release(runId, 'new');
    expect(store.leases.get(runId)).toBeNull();
    store.close();
  });
});

describe('run ids', () => {
  it('never reuses the id of a deleted run, nor the number of an existing run folder', () => {
    const store = Store.open(join(tempDir(), 'ids.db'));
    const a = newRun(store);
    const b = newRun(store);
    store.runs.delete(b);
    const c = newRun(store);
    expect([a, b, c]).toEqual([1, 2, 3]);
    expect(store.runs.create({ name: 'x', recipeJson: '{}', totalSteps: 1, minId: 10 })).toBe(10);
    expect(newRun(store)).toBe(11);
    store.close();
  });
});
