// Migration 0070: checkpoints (the files are written atomically by the trainer;
// the row is inserted only after the rename, so a row always means a usable file).
import type { Migration } from './Migration.js';

export const migration0070: Migration = {
  version: 70,
  name: 'checkpoints',
  sql: `
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL
) STRICT;
-- One checkpoint per step; resume asks for the latest (ORDER BY step DESC LIMIT 1).
CREATE UNIQUE INDEX checkpoints_by_run_id_step ON checkpoints (run_id, step);
`,
};
