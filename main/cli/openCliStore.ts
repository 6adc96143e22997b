/** The CLI's handle on the data dir and the run database (it writes run rows, like the app's main process). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, Store } from '../store/index.js';
import { resolveDataDir } from '../services/resolveDataDir.js';

export interface CliContext { dataDir: string; dbPath: string; store: Store }

export function openCliStore(): CliContext {
  const dataDir = resolveDataDir();
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, 'clipo.db');
  const store = Store.open(dbPath);
  // Like the app at startup: a run left 'running' by a trainer that died is shown (and resumable) as crashed.
  try { store.runs.markOrphansCrashed(pidAlive); } catch { /* a read-only data folder: `clipo runs` still reads */ }
  return { dataDir, dbPath, store };
}
