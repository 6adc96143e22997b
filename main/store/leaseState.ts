// Whether a run lease still has a living owner (docs/STORE.md, "One owner per run").
// Pure: the clock, the host name and the pid probe are parameters, so the
// supervisor, the API and the tests decide with the same rule.
import { hostname } from 'node:os';

/** How often a trainer refreshes its lease. */
export const LEASE_HEARTBEAT_MS = 5_000;
/**
 * A lease whose heartbeat is older than this is stale even if its pid is alive:
 * the pid was reused by another program, or the owner is on another machine and
 * stopped. 24 missed heartbeats: a trainer whose event loop is busy for a while
 * (a long synchronous phase) is not taken over.
 */
export const LEASE_STALE_MS = 120_000;

export interface LeaseOwner { pid: number; host: string; heartbeatAt: number }
export type LeaseState = 'live' | 'dead' | 'stale';

export interface LeaseProbe {
  now?: number;
  host?: string;
  isAlive?: (pid: number) => boolean;
  staleMs?: number;
}

/** kill(pid, 0): ESRCH = no such process; EPERM = it exists but is another user's. */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leaseState(l: LeaseOwner, probe: LeaseProbe = {}): LeaseState {
  const now = probe.now ?? Date.now();
  if (l.host === (probe.host ?? hostname()) && !(probe.isAlive ?? pidAlive)(l.pid)) return 'dead';
  if (now - l.heartbeatAt > (probe.staleMs ?? LEASE_STALE_MS)) return 'stale';
  return 'live';
}
