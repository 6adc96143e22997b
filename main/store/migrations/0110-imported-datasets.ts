// Migration 0110: imported datasets (from a file or the Hugging Face Hub) as
// first-class rows: the format may be Parquet, and each dataset records where
// it came from, the file's own columns, its splits' files and record counts,
// and (new table) the rows that failed the mapping, with why.
// The kind CHECK cannot be altered in place, so the table is rebuilt (SQLite's
// "12-step" ALTER procedure, https://sqlite.org/lang_altertable.html#otheralter).
// With foreign_keys=ON, dropping the old table would null runs.dataset_id
// (ON DELETE SET NULL), so the links are saved and restored around the swap.
import type { Migration } from './Migration.js';

export const migration0110: Migration = {
  version: 110,
  name: 'imported-datasets',
  sql: `
CREATE TABLE datasets_new (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  -- the file format of its splits; 'builtin' for a procedural task
  kind TEXT NOT NULL CHECK (kind IN ('builtin', 'jsonl', 'csv', 'parquet')),
  -- the folder holding its files (or a file path, or the task name for builtins)
  path TEXT NOT NULL,
  -- where it came from: {"type":"file","file":"gsm8k.csv"} or {"type":"hub","repo":"openai/gsm8k","config":"main","revision":"main","preset":"gsm8k"}
  source_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(source_json)),
  -- the file's own columns (dotted paths), as [{"path","type","example"}]
  columns_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(columns_json)),
  -- per split: {"train": {"files": ["main/train-00000-of-00001.parquet"], "records": 7473}}
  splits_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(splits_json)),
  field_mapping_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(field_mapping_json)),
  -- usable rows per split under the current mapping
  row_counts_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(row_counts_json)),
  malformed_count INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL
) STRICT;
INSERT INTO datasets_new (id, name, kind, path, field_mapping_json, row_counts_json, malformed_count, added_at)
  SELECT id, name, kind, path, field_mapping_json, row_counts_json, malformed_count, added_at FROM datasets;
CREATE TEMP TABLE run_dataset_links AS SELECT id, dataset_id FROM runs WHERE dataset_id IS NOT NULL;
DROP TABLE datasets;
ALTER TABLE datasets_new RENAME TO datasets;
UPDATE runs SET dataset_id = (SELECT l.dataset_id FROM run_dataset_links l WHERE l.id = runs.id)
  WHERE id IN (SELECT id FROM run_dataset_links);
DROP TABLE temp.run_dataset_links;
CREATE UNIQUE INDEX datasets_by_name ON datasets (name);

-- The rows of a dataset that failed the mapping (or the file's format), first 1000 per split;
-- the exact count is in datasets.malformed_count.
CREATE TABLE dataset_errors (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  split TEXT NOT NULL,
  -- line (JSONL, CSV) or row number (Parquet), 1-based, in file order
  line INTEGER NOT NULL,
  file TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
-- The dataset page lists one dataset's failures; deleting a dataset cascades through it.
CREATE INDEX dataset_errors_by_dataset_id ON dataset_errors (dataset_id, split);
`,
};
