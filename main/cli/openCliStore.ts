/**
 * The CLI's handle on the data dir and the run database (it writes run rows,
 * like the app's main process). Commands that only read (runs, show, export)
 * open it read-only, so a read-only data folder (a backup, a mounted share)
 * still lists runs. SQLite cannot open a WAL database read-only in a folder
 * it cannot write unless its -shm file already exists (sqlite.org/wal.html
 * "Read-Only Databases"), and better-sqlite3 is built without URI filenames
 * (no `immutable=1`), so then the reader works on a snapshot copy.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive, Store } from '../store/index.js';
import { resolveDataDir } from '../services/resolveDataDir.js';

export interface CliContext { dataDir: string; dbPath: string; store: Store; close(): void }

export function openCliStore(opts: { readonly?: boolean } = {}): CliContext {
  const dataDir = resolveDataDir();
  const dbPath = join(dataDir, 'clipo.db');
  if (!opts.readonly) {
    mkdirSync(dataDir, { recursive: true });
    const store = Store.open(dbPath);
    // Like the app at startup: a run left 'running' by a trainer that died is shown (and resumable) as crashed.
    store.runs.markOrphansCrashed(pidAlive);
    return { dataDir, dbPath, store, close: () => store.close() };
  }
  // Read-only commands leave orphans to the next writer (the app or a writing command).
  // No database yet: nothing to read, and a reader must not create one.
  if (!existsSync(dbPath)) {
    const store = Store.open(':memory:');
    return { dataDir, dbPath, store, close: () => store.close() };
  }
  try {
    const store = Store.open(dbPath, { readonly: true });
    return { dataDir, dbPath, store, close: () => store.close() };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'CANNOT_OPEN' && code !== 'READ_ONLY') throw err;
  }
  const snap = mkdtempSync(join(tmpdir(), 'clipo-readonly-'));
  copyFileSync(dbPath, join(snap, 'clipo.db'));
  if (existsSync(`${dbPath}-wal`)) copyFileSync(`${dbPath}-wal`, join(snap, 'clipo.db-wal'));
  const store = Store.open(join(snap, 'clipo.db'), { readonly: true });
  return { dataDir, dbPath, store, close: () => { store.close(); rmSync(snap, { recursive: true, force: true }); } };
}
