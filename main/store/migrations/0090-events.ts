// Migration 0090: events (the run log and health alarms; run_id NULL for app-level events).
import type { Migration } from './Migration.js';

export const migration0090: Migration = {
  version: 90,
  name: 'events',
  sql: `
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER,
  time INTEGER NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  kind TEXT NOT NULL,
  message TEXT NOT NULL
) STRICT;
-- The log view reads a run's latest events (the rowid rides along in the index,
-- so ORDER BY id DESC needs no sort) and truncateAfter filters by step in it.
CREATE INDEX events_by_run_id ON events (run_id);
`,
};
