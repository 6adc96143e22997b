// RunLeaseStore: one owner per run across processes (migration 0100, docs/STORE.md).
// The trainer acquires the lease before it reads or truncates anything of its
// run, heartbeats while it trains, and releases it when it ends. Everyone else
// asks `assertFree` before changing a run's lifecycle (resume, delete), and gets
// StoreError('LEASE_HELD') while a live trainer owns it. Acquisition is one
// IMMEDIATE transaction, so two trainers racing for a run cannot both win.
import { hostname } from 'node:os';
import type { Database, Statement } from 'better-sqlite3';
import { leaseState, type LeaseProbe, type LeaseState } from './leaseState.js';
import { StoreError, toStoreError } from './StoreError.js';

export interface RunLease { runId: number; pid: number; host: string; token: string; acquiredAt: number; heartbeatAt: number }

interface Row { run_id: number; pid: number; host: string; token: string; acquired_at: number; heartbeat_at: number }
const toLease = (r: Row): RunLease => ({
  runId: r.run_id, pid: r.pid, host: r.host, token: r.token, acquiredAt: r.acquired_at, heartbeatAt: r.heartbeat_at,
});

export function describeLease(l: RunLease, now = Date.now()): string {
  const ago = Math.max(0, Math.round((now - l.heartbeatAt) / 1000));
  return `trainer process ${l.pid} on ${l.host} (last heartbeat ${ago} s ago)`;
}

export class RunLeaseStore {
  private readonly byRun: Statement;
  private readonly upsert: Statement;
  private readonly beat: Statement;
  private readonly remove: Statement;
  private readonly removeAny: Statement;

  constructor(private readonly db: Database) {
    this.byRun = db.prepare('SELECT * FROM run_leases WHERE run_id = ?');
    this.upsert = db.prepare(
      `INSERT INTO run_leases (run_id, pid, host, token, acquired_at, heartbeat_at) VALUES (:runId, :pid, :host, :token, :now, :now)
       ON CONFLICT (run_id) DO UPDATE SET pid = :pid, host = :host, token = :token, acquired_at = :now, heartbeat_at = :now`,
    );
    this.beat = db.prepare('UPDATE run_leases SET heartbeat_at = ? WHERE run_id = ? AND token = ?');
    this.remove = db.prepare('DELETE FROM run_leases WHERE run_id = ? AND token = ?');
    this.removeAny = db.prepare('DELETE FROM run_leases WHERE run_id = ?');
  }

  get(runId: number): RunLease | null {
    const r = this.byRun.get(runId) as Row | undefined;
    return r ? toLease(r) : null;
  }

  /** The lease if its owner is alive, else null (no lease, or an orphan's). */
  live(runId: number, probe: LeaseProbe = {}): RunLease | null {
    const l = this.get(runId);
    return l && leaseState(l, probe) === 'live' ? l : null;
  }

  /** Throws LEASE_HELD when a live process owns the run; `doing` says what was refused. */
  assertFree(runId: number, doing: string, probe: LeaseProbe = {}): void {
    const l = this.live(runId, probe);
    if (l) {
      throw new StoreError('LEASE_HELD', `cannot ${doing} run ${runId}: it is being trained by ${describeLease(l, probe.now)}; ` +
        'stop it there (or wait for it to finish) first');
    }
  }

  /**
   * Takes the run for this process. Refuses (LEASE_HELD) while another live
   * owner holds it; replaces a dead or stale owner's lease and says so.
   */
  acquire(runId: number, owner: { token: string; pid?: number; host?: string }, probe: LeaseProbe = {}): { replaced: RunLease | null; state: LeaseState | null } {
    const now = probe.now ?? Date.now();
    try {
      return this.db.transaction(() => {
        const old = this.get(runId);
        const state = old && old.token !== owner.token ? leaseState(old, { ...probe, now }) : null;
        if (old && state === 'live') {
          throw new StoreError('LEASE_HELD', `run ${runId} is already being trained by ${describeLease(old, now)}; ` +
            'only one process may train a run: stop it there (or wait for it to finish) first');
        }
        this.upsert.run({ runId, pid: owner.pid ?? process.pid, host: owner.host ?? hostname(), token: owner.token, now });
        return { replaced: state ? old : null, state };
      }).immediate();
    } catch (err) {
      throw toStoreError(err, `taking the lease of run ${runId}`);
    }
  }

  /** Refreshes the owner's heartbeat; LEASE_LOST when another process has taken the run over. */
  heartbeat(runId: number, token: string, now = Date.now()): void {
    let changes: number;
    try {
      changes = this.beat.run(now, runId, token).changes;
    } catch (err) {
      throw toStoreError(err, `refreshing the lease of run ${runId}`);
    }
    if (changes === 0) {
      throw new StoreError('LEASE_LOST', `run ${runId} was taken over by another process (its trainer looked dead); this trainer stops without writing`);
    }
  }

  release(runId: number, token: string): void {
    try { this.remove.run(runId, token); } catch (err) { throw toStoreError(err, `releasing the lease of run ${runId}`); }
  }

  /** Drops an orphan's lease (the supervisor, after it marked the run). */
  clear(runId: number): void {
    try { this.removeAny.run(runId); } catch (err) { throw toStoreError(err, `clearing the lease of run ${runId}`); }
  }
}
