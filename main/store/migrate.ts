// Applies numbered migrations (Signal-Desktop's scheme): each runs in its own
// transaction that also sets PRAGMA user_version, so a crash or a failing
// migration leaves the database at the previous version, never in between.
// Deliberately no down-migrations: users roll forward.
import type { Database } from 'better-sqlite3';
import type { Migration } from './migrations/Migration.js';
import { migrations as allMigrations } from './migrations/migrations.js';
import { StoreError, toStoreError } from './StoreError.js';

/** Throws StoreError('BAD_MIGRATIONS') unless versions are positive multiples of 10, strictly increasing. */
export function checkMigrationList(list: readonly Migration[]): void {
  let previous = 0;
  for (const m of list) {
    if (!Number.isInteger(m.version) || m.version <= 0 || m.version % 10 !== 0) {
      throw new StoreError('BAD_MIGRATIONS', `migration "${m.name}" has version ${m.version}; versions are positive multiples of 10`);
    }
    if (m.version <= previous) {
      throw new StoreError('BAD_MIGRATIONS', `migration "${m.name}" (version ${m.version}) is not after version ${previous}; keep the list in increasing order`);
    }
    previous = m.version;
  }
}

/** PRAGMA user_version of the open database. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** The version the newest migration this build knows produces. */
export function latestSchemaVersion(list: readonly Migration[] = allMigrations): number {
  return list.at(-1)?.version ?? 0;
}

/**
 * Brings `db` up to version `to` (default: the newest). Refuses a database
 * written by a newer build (FUTURE_VERSION) rather than guessing at its schema.
 * Returns the versions applied.
 */
export function migrate(db: Database, options: { to?: number; list?: readonly Migration[] } = {}): number[] {
  const list = options.list ?? allMigrations;
  checkMigrationList(list);
  const latest = latestSchemaVersion(list);
  const to = options.to ?? latest;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new StoreError(
      'FUTURE_VERSION',
      `the database is at schema version ${current} but this build of Clipo Workbench only knows up to ${latest}; ` +
        'it was written by a newer version: update the app (or open a copy of an older database)',
    );
  }
  const applied: number[] = [];
  for (const m of list) {
    if (m.version <= current || m.version > to) continue;
    const fkWasOn = m.foreignKeysOff ? db.pragma('foreign_keys', { simple: true }) === 1 : false;
    if (fkWasOn) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (m.foreignKeysOff) {
          // The rebuilt table must still satisfy every reference to it (SQLite's step 10).
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length) throw new StoreError('BAD_MIGRATIONS', `migration ${m.version} (${m.name}) left ${broken.length} broken foreign key(s)`);
        }
        // PRAGMA takes no bind parameters; the version is a checked integer.
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err) {
      throw toStoreError(err, `migration ${m.version} (${m.name}) failed`);
    } finally {
      if (fkWasOn) db.pragma('foreign_keys = ON');
    }
    applied.push(m.version);
  }
  return applied;
}
