// Migration 0030: runs. One row per training run; the trainer that owns the run
// is its only writer (see docs/STORE.md, "one writer").
import type { Migration } from './Migration.js';

export const migration0030: Migration = {
  version: 30,
  name: 'runs',
  sql: `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'paused', 'finished', 'stopped', 'crashed', 'failed')),
  -- The fully resolved recipe, verbatim: the run must be reproducible even if
  -- the saved recipe or the defaults change later.
  recipe_json TEXT NOT NULL CHECK (json_valid(recipe_json)),
  model_id INTEGER REFERENCES models (id) ON DELETE SET NULL,
  dataset_id INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  error TEXT,
  total_steps INTEGER NOT NULL,
  -- Last step fully written (-1 before the first); maintained by writeStep and truncateAfter.
  current_step INTEGER NOT NULL DEFAULT -1,
  best_reward REAL,
  pid INTEGER
) STRICT;
-- The run list is shown newest first.
CREATE INDEX runs_by_created_at ON runs (created_at);
-- The supervisor looks for runs left 'running' by a dead trainer at startup.
CREATE INDEX runs_by_status ON runs (status);
`,
};
