// db.ts: opens the workbench database with the pragmas every connection needs.
//
// Two modes, matching the one-writer rule (docs/STORE.md): the trainer opens
// its database read-write (and migrates it); the UI / API server opens it
// `readonly`, which SQLite enforces, so a bug there can never write a run.
// WAL lets those readers proceed while the trainer commits steps.
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
}

export function openDb(path: string, options: OpenDbOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
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
