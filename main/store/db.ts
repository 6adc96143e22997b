// db.ts: opens the workbench database with the pragmas every connection needs.
//
// Two modes, matching the one-writer rule (docs/STORE.md): the trainer opens
// its database read-write (and migrates it); the UI / API server opens it
// `readonly`, which SQLite enforces, so a bug there can never write a run.
// WAL lets those readers proceed while the trainer commits steps.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { migrate, schemaVersion, latestSchemaVersion } from './migrate.js';
import { StoreError, toStoreError } from './StoreError.js';

export interface OpenDbOptions {
  /** Open for reading only (UI, API server). Default false. */
  readonly?: boolean;
  /** Run pending migrations after opening (writers only). Default true. */
  migrate?: boolean;
  /** How long to wait for a lock before failing with BUSY, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Run PRAGMA quick_check after opening and refuse a damaged file (CORRUPT).
   * Default true. A damaged page otherwise shows up much later, as a query that
   * silently returns fewer rows. The trainer skips it: its supervisor checked.
   */
  integrityCheck?: boolean;
}

/** Rows of PRAGMA quick_check this reports in the error message. */
const QUICK_CHECK_REPORTED = 5;

/**
 * A database file that exists but is empty (0 bytes, and no write-ahead log to
 * recover from) is not a new database: it was truncated (a crash while a sync
 * tool copied it, a full disk). SQLite would silently treat it as empty, and the
 * next run would start over at id 1 next to the old run folders.
 */
function refuseEmptyFile(path: string): void {
  if (path === ':memory:' || path === '') return;
  const size = (p: string): number | null => { try { return statSync(p).size; } catch { return null; } };
  if (size(path) === 0 && !size(`${path}-wal`)) {
    throw new StoreError('CORRUPT', `the database ${path} is an empty file (0 bytes): its runs are lost (the file was truncated). ` +
      'Restore it from a backup, or move it aside to start a new database (the run folders next to it are kept, and new runs do not reuse their numbers)');
  }
}

function quickCheck(db: Db, path: string): void {
  if (path === ':memory:' || path === '') return;
  const rows = db.pragma(`quick_check(${QUICK_CHECK_REPORTED})`) as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0) {
    throw new StoreError('CORRUPT', `the database ${path} is damaged (PRAGMA quick_check: ${problems.join('; ')}). ` +
      'Restore it from a backup, or move it aside to start a new database; reading it could silently miss rows');
  }
}

export function openDb(path: string, options: OpenDbOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  refuseEmptyFile(path);
  let db: Db;
  try {
    // fileMustExist for readers: a reader creating an empty database would hide a wrong path.
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  } catch (err) {
    // better-sqlite3 checks the folder itself and throws a plain TypeError (no SQLite code).
    if (err instanceof TypeError && /directory does not exist/.test(err.message)) {
      throw new StoreError('CANNOT_OPEN', `opening database ${path}: its folder does not exist; check that the folder exists and is writable`, undefined, { cause: err });
    }
    throw toStoreError(err, `opening database ${path}`);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('foreign_keys = ON');
    if (options.integrityCheck ?? true) quickCheck(db, path);
    if (readonly) {
      db.pragma('query_only = ON');
      const version = schemaVersion(db);
      if (version > latestSchemaVersion()) {
        throw new StoreError('FUTURE_VERSION', `the database ${path} is at schema version ${version}, newer than this build knows (${latestSchemaVersion()}); update the app`);
      }
    } else {
      // journal_mode is persistent in the file; setting it needs write access.
      if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode; only a power
      // loss can lose the last commits, which resume handles like a crash.
      db.pragma('synchronous = NORMAL');
      if (options.migrate ?? true) migrate(db);
    }
    return db;
  } catch (err) {
    db.close();
    throw toStoreError(err, `opening database ${path}`);
  }
}
