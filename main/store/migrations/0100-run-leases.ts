// Migration 0100: run leases and the run-id high-water mark.
//
// run_leases: exactly one process owns a run while it trains (docs/STORE.md,
// "One owner per run"). The trainer inserts its lease (pid, host, a random
// token) before it touches the run, refreshes heartbeat_at while it works and
// deletes the lease when it ends. Every other process (a second `clipo resume`,
// the web API's resume/delete) sees a live lease and refuses; a lease whose pid
// is dead on this host, or whose heartbeat is stale, is an orphan.
//
// store_counters: `runs.id` is a plain INTEGER PRIMARY KEY, so SQLite would hand
// the id of the newest deleted run to the next one, and with it the old run
// folder <dataDir>/runs/<id>. RunStore.create takes ids above this high-water
// mark instead (what AUTOINCREMENT does, without rebuilding the runs table).
import type { Migration } from './Migration.js';

export const migration0100: Migration = {
  version: 100,
  name: 'run-leases',
  sql: `
CREATE TABLE run_leases (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  pid INTEGER NOT NULL,
  -- a pid means nothing on another machine (a data folder on a network drive)
  host TEXT NOT NULL,
  -- random per trainer process: a trainer whose lease was taken over can tell
  token TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;
CREATE TABLE store_counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO store_counters (name, value) SELECT 'run_id', coalesce(max(id), 0) FROM runs;
`,
};
