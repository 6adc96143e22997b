// Migration 0140: a run's notes and tags, edited on the run page (runs.update).
// Tags are a JSON array of strings (at most 16, each ≤ 40 characters: the API
// validates; the CHECK only keeps the column a JSON array). Renaming uses the
// existing `name` column.
import type { Migration } from './Migration.js';

export const migration0140: Migration = {
  version: 140,
  name: 'run-notes',
  sql: `
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array');
`,
};
