// Migration 0050: samples (one row per completion) — the biggest table, about
// B×G rows per step (1,000,000 for a 10,000-step run).
import type { Migration } from './Migration.js';

export const migration0050: Migration = {
  version: 50,
  name: 'samples',
  sql: `
CREATE TABLE samples (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  -- The group: completions of the same prompt share prompt_index.
  prompt_index INTEGER NOT NULL,
  sample_index INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  -- The prompt's reference answer (same for the whole group), shown beside completions.
  answer TEXT,
  completion TEXT NOT NULL,
  -- Completion token ids as little-endian Int32 (4 bytes per token).
  tokens BLOB,
  reward REAL NOT NULL,
  reward_components_json TEXT NOT NULL DEFAULT '{}',
  advantage REAL,
  correct INTEGER CHECK (correct IN (0, 1)),
  length INTEGER NOT NULL,
  truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
  contrastive_reward REAL
) STRICT;
-- The rollout inspector reads one step at a time; truncateAfter deletes a step
-- range; deleting a run cascades by run_id. Unique, because a sample is
-- identified by (run, step, group, index).
CREATE UNIQUE INDEX samples_by_run_id_step_prompt_index_sample_index
  ON samples (run_id, step, prompt_index, sample_index);
`,
};
