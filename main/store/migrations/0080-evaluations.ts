// Migration 0080: evaluation results (pass@k and friends), for a run's
// checkpoint or for a base model alone (run_id NULL).
import type { Migration } from './Migration.js';

export const migration0080: Migration = {
  version: 80,
  name: 'evaluations',
  sql: `
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
  checkpoint_step INTEGER,
  model TEXT NOT NULL,
  dataset TEXT NOT NULL,
  split TEXT NOT NULL,
  metric TEXT NOT NULL,
  k INTEGER,
  value REAL NOT NULL,
  n INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
-- The evaluate view lists a run's results by checkpoint; run deletion cascades.
CREATE INDEX evaluations_by_run_id_checkpoint_step ON evaluations (run_id, checkpoint_step);
-- Base-vs-adapter comparison looks up results by model and dataset.
CREATE INDEX evaluations_by_model_dataset ON evaluations (model, dataset);
`,
};
