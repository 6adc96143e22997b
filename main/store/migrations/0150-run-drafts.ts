// Migration 0150: a run can be a draft ('draft'): created (runs.create with
// start: false, runs.duplicate) but never started; runs.start starts it.
// Before, such runs were 'queued' and nothing ever picked them up; the ones
// left so (never started, no trainer holding them) become drafts here.
// The status CHECK cannot be altered in place, so the table is rebuilt
// (SQLite's "12-step" procedure, https://sqlite.org/lang_altertable.html#otheralter).
// Nine tables reference runs ON DELETE CASCADE: with foreign_keys=ON, dropping
// the old table would delete every run's steps, samples and checkpoints, so
// this migration runs with foreign keys off (migrate.ts, `foreignKeysOff`) and
// the migrator checks PRAGMA foreign_key_check before it commits.
import type { Migration } from './Migration.js';

export const migration0150: Migration = {
  version: 150,
  name: 'run-drafts',
  foreignKeysOff: true,
  sql: `
CREATE TABLE runs_new (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  -- 'draft': created but never started (runs.start starts it).
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('draft', 'queued', 'running', 'paused', 'finished', 'stopped', 'crashed', 'failed')),
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
  pid INTEGER,
  notes TEXT NOT NULL DEFAULT '',
  tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array')
) STRICT;
INSERT INTO runs_new (id, name, status, recipe_json, model_id, dataset_id, created_at, started_at, ended_at, error,
                      total_steps, current_step, best_reward, pid, notes, tags_json)
  SELECT id, name, status, recipe_json, model_id, dataset_id, created_at, started_at, ended_at, error,
         total_steps, current_step, best_reward, pid, notes, tags_json FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
-- Runs left 'queued' by the old behaviour (created without starting, never started: no step, no start
-- time, no trainer holding them) were waiting for nothing: they are the drafts they were meant to be.
UPDATE runs SET status = 'draft'
  WHERE status = 'queued' AND started_at IS NULL AND current_step = -1 AND id NOT IN (SELECT run_id FROM run_leases);
-- The run list is shown newest first.
CREATE INDEX runs_by_created_at ON runs (created_at);
-- The supervisor looks for runs left 'running' by a dead trainer at startup.
CREATE INDEX runs_by_status ON runs (status);
`,
};
