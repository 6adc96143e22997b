// Migration 0040: steps and their scalar metrics.
//
// Metrics are a long table (run_id, name, step, value), not a JSON column per
// step. The dashboard's hot query is "all values of metric M for run R in step
// order": with the primary key (run_id, name, step) on a WITHOUT ROWID table
// that is one B-tree seek plus a contiguous range read of exactly the rows
// wanted (10,000 rows), whereas a JSON column would read and parse all ~60
// metrics of every step (600,000 values) to return 10,000. The long table also
// lets SQLite downsample with GROUP BY and lets new metric names appear without
// a migration.
import type { Migration } from './Migration.js';

export const migration0040: Migration = {
  version: 40,
  name: 'steps',
  sql: `
CREATE TABLE steps (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  -- Unix time in seconds (TensorBoard's convention) when the step was written.
  wall_time REAL NOT NULL,
  -- The primary key is what makes a duplicate step impossible: writeStep
  -- inserts this row first, in the same transaction as everything else.
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE step_metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, name, step)
) STRICT, WITHOUT ROWID;
-- "All metrics of the latest N steps" and truncateAfter's range delete. On a
-- WITHOUT ROWID table the index also carries the primary key (name), so with
-- value in it the index covers those queries without touching the table.
CREATE INDEX step_metrics_by_run_id_step ON step_metrics (run_id, step, value);
`,
};
