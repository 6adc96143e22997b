// The shape of one numbered schema migration. Versions go up in tens (Signal's
// habit) so a fix can slot in between two releases' migrations without renumbering.

export interface Migration {
  /** Becomes PRAGMA user_version once this migration has run. Multiple of 10. */
  readonly version: number;
  /** Short kebab-case name, matches the file name after the number. */
  readonly name: string;
  /** DDL executed as one script inside the migration's transaction. */
  readonly sql: string;
  /**
   * Run with PRAGMA foreign_keys=OFF (set outside the transaction: SQLite ignores it
   * inside one), for a migration that rebuilds a parent table: dropping the old table
   * with foreign keys on would cascade into its children. The migrator runs
   * PRAGMA foreign_key_check before committing and restores the setting after.
   */
  readonly foreignKeysOff?: true;
}
