// Typed errors for the run store. better-sqlite3 throws SqliteError with a
// string `code` (SQLITE_FULL, SQLITE_READONLY_DIRECTORY, ...); callers (the
// trainer, the API server, the UI) should never have to parse those, so every
// public store function maps them to one of a few codes with a message that
// says what the user can do about it.

export type StoreErrorCode =
  | 'DISK_FULL'
  | 'READ_ONLY'
  | 'CANNOT_OPEN'
  | 'BUSY'
  | 'CORRUPT'
  | 'IO_ERROR'
  | 'FUTURE_VERSION'
  | 'BAD_MIGRATIONS'
  | 'DUPLICATE_STEP'
  | 'NOT_FOUND'
  /** Another live process owns the run (run_leases): resume, delete or a second trainer is refused. */
  | 'LEASE_HELD'
  /** This trainer's lease was taken over (it looked dead); it must stop without writing. */
  | 'LEASE_LOST'
  | 'INVALID_ARGUMENT'
  | 'SQLITE';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The SQLite error code (e.g. SQLITE_FULL) when there was one. */
    readonly sqliteCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Converts anything thrown by better-sqlite3 into a StoreError. `context` names
 * the operation and the file so the message is actionable on its own.
 */
export function toStoreError(err: unknown, context: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  const make = (c: StoreErrorCode, hint: string): StoreError =>
    new StoreError(c, `${context}: ${hint} (${code ?? 'error'}: ${detail})`, code, { cause: err });
  if (code === undefined || !code.startsWith('SQLITE_')) return make('SQLITE', 'unexpected error');
  if (code.startsWith('SQLITE_FULL')) {
    return make('DISK_FULL', 'the disk holding the database is full; free space (or move the workbench data folder) and resume the run');
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return make('READ_ONLY', 'the database or its folder is read-only; check the folder permissions or choose a writable data folder');
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) {
    return make('CANNOT_OPEN', 'cannot open the database file; check that the folder exists and is writable');
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return make('BUSY', 'the database is locked by another writer; only one trainer may write a run at a time');
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return make('CORRUPT', 'the database file is damaged or is not a workbench database');
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    // Input the schema refuses (a CHECK, a duplicate key, a missing referenced row): a caller bug, not storage trouble.
    return make('INVALID_ARGUMENT', 'a value violates the database schema');
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return make('IO_ERROR', 'an I/O error occurred on the database file (a removed drive, a network folder, or a full disk); check the data folder');
  }
  return make('SQLITE', 'database error');
}
