// Migration 0010: the local model library (GGUF files the user has added or downloaded).
import type { Migration } from './Migration.js';

export const migration0010: Migration = {
  version: 10,
  name: 'models',
  sql: `
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  name TEXT NOT NULL,
  arch TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  n_params INTEGER,
  quant TEXT,
  -- sha256 when known (downloads are checksummed); otherwise a cheap
  -- fingerprint (size + head/tail hash) so a moved file is recognised.
  fingerprint TEXT NOT NULL,
  added_at INTEGER NOT NULL
) STRICT;
-- A file is registered once; lookups by path on import.
CREATE UNIQUE INDEX models_by_path ON models (path);
-- "Is this model already in the library under another path?"
CREATE INDEX models_by_fingerprint ON models (fingerprint);
`,
};
