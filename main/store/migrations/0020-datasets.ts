// Migration 0020: datasets (built-in procedural tasks and imported files) and recipes.
import type { Migration } from './Migration.js';

export const migration0020: Migration = {
  version: 20,
  name: 'datasets',
  sql: `
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('builtin', 'jsonl', 'csv')),
  -- file path for imports, task name for builtins
  path TEXT NOT NULL,
  -- {"question": "...", "answer": "...", "choices"?: ..., "id"?: ...}
  field_mapping_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(field_mapping_json)),
  -- {"train": 7473, "test": 1319}
  row_counts_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(row_counts_json)),
  malformed_count INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL
) STRICT;
-- Names are what the recipe refers to, so they must be unique.
CREATE UNIQUE INDEX datasets_by_name ON datasets (name);

CREATE TABLE recipes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  json TEXT NOT NULL CHECK (json_valid(json)),
  created_at INTEGER NOT NULL
) STRICT;
-- Saved recipes are immutable; editing one saves (name, version + 1).
CREATE UNIQUE INDEX recipes_by_name_version ON recipes (name, version);
`,
};
