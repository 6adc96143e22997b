// Schema guard (Actual's schema-guard.test.ts): the schema produced by all
// migrations must equal the committed snapshot. A diff means either a new
// migration (update the snapshot deliberately) or an edited old migration
// (never do that: users' databases already ran the old text).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaVersion } from '../../main/store/migrate.js';
import { createDb } from './helpers.js';

const SNAPSHOT = fileURLToPath(new URL('./schema-snapshot.json', import.meta.url));

function currentSchema(): { userVersion: number; objects: { type: string; name: string; table: string; sql: string }[] } {
  const db = createDb();
  const objects = (
    db.prepare("SELECT type, name, tbl_name AS 'table', sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name").all() as {
      type: string; name: string; table: string; sql: string;
    }[]
  ).map((o) => ({ ...o, sql: o.sql.replace(/\s+/g, ' ').trim() }));
  return { userVersion: schemaVersion(db), objects };
}

describe('schema snapshot', () => {
  it('matches test/store/schema-snapshot.json', () => {
    const schema = currentSchema();
    if (process.env.UPDATE_SCHEMA_SNAPSHOT === '1') {
      writeFileSync(SNAPSHOT, `${JSON.stringify(schema, null, 2)}\n`);
    }
    if (!existsSync(SNAPSHOT)) {
      throw new Error('test/store/schema-snapshot.json is missing; create it with UPDATE_SCHEMA_SNAPSHOT=1 npx vitest run --project unit-shared test/store/schemaSnapshot.test.ts');
    }
    const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as ReturnType<typeof currentSchema>;
    expect(
      schema,
      'The schema produced by main/store/migrations differs from test/store/schema-snapshot.json.\n' +
        '  - If you ADDED a migration: review the diff, then run\n' +
        '      UPDATE_SCHEMA_SNAPSHOT=1 npx vitest run --project unit-shared test/store/schemaSnapshot.test.ts\n' +
        '    and commit the snapshot with the migration.\n' +
        '  - If you EDITED an existing migration: revert it and add a new numbered migration instead;\n' +
        '    databases in the field already ran the old text.\n',
    ).toEqual(committed);
  });
});
