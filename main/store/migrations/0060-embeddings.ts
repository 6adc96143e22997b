// Migration 0060: 2-D projections of per-sample representations for the
// embedding scatter ('head' = CLIPO head output z, 'pooled' = mean-pooled h̄).
//
// sample_id deliberately has no FOREIGN KEY: SQLite checks a parent delete by
// looking the child up, which would need a second index on this large table
// just for that. writeStep inserts embeddings in the same transaction as their
// samples and truncateAfter deletes both by step, so the link cannot dangle.
import type { Migration } from './Migration.js';

export const migration0060: Migration = {
  version: 60,
  name: 'embeddings',
  sql: `
CREATE TABLE embeddings (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  sample_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('head', 'pooled')),
  x REAL NOT NULL,
  y REAL NOT NULL,
  -- Optional raw vector, little-endian Float32.
  raw BLOB
) STRICT;
-- The scatter loads (run, step, kind); truncateAfter deletes by step range.
CREATE INDEX embeddings_by_run_id_step_kind ON embeddings (run_id, step, kind);
`,
};
