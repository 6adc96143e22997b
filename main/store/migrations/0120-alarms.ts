// Migration 0120: alarms (each run's health-alarm history: which alarm held over which steps).
import type { Migration } from './Migration.js';

export const migration0120: Migration = {
  version: 120,
  name: 'alarms',
  sql: `
CREATE TABLE alarms (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  alarm TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('warn', 'error')),
  title TEXT NOT NULL,
  fix TEXT NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  UNIQUE (run_id, alarm, first_step)
) STRICT;
`,
};
