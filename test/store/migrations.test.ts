// Each migration applied alone on :memory: and on a file; monotonic version
// checks; refusal of a database from the future; a failing migration rolls back.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMigrationList, migrate, schemaVersion } from '../../main/store/migrate.js';
import { migrations } from '../../main/store/migrations/migrations.js';
import { openDb } from '../../main/store/db.js';
import { StoreError } from '../../main/store/StoreError.js';
import { createDb, insertRun, tempDir } from './helpers.js';

const tablesOf = (db: Database.Database): string[] =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('migrations', () => {
  it('are positive multiples of 10 in increasing order', () => {
    expect(() => checkMigrationList(migrations)).not.toThrow();
    expect(migrations.length).toBeGreaterThan(0);
  });

  it.each(migrations.map((m, i) => [m.version, m.name, i] as const))('%i-%s applies on :memory: and on a file', (version, _name, i) => {
    const dir = tempDir();
    for (const db of [new Database(':memory:'), new Database(join(dir, 'db.sqlite'))]) {
      db.pragma('foreign_keys = ON');
      migrate(db, { to: migrations[i - 1]?.version ?? 0 });
      const before = new Set(tablesOf(db));
      const cols = (t: string) => (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(t) as { name: string }[]).map((c) => c.name).join(',');
      const sqlOf = (t: string) => (db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(t) as { sql: string }).sql;
      const colsBefore = new Map([...before].map((t) => [t, cols(t) + sqlOf(t)]));
      expect(migrate(db, { to: version })).toEqual([version]);
      expect(schemaVersion(db)).toBe(version);
      // Every migration adds a table, adds columns to one (0130, 0140) or rebuilds one (0150), and every table stays STRICT.
      const added = tablesOf(db).filter((t) => !before.has(t));
      const widened = [...before].filter((t) => cols(t) + sqlOf(t) !== colsBefore.get(t));
      expect(added.length + widened.length).toBeGreaterThan(0);
      for (const t of [...added, ...widened]) {
        const sql = (db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(t) as { sql: string }).sql;
        expect(sql, `table ${t} must be STRICT`).toMatch(/\)\s*STRICT/);
      }
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.close();
    }
  });

  it('0130 keeps existing samples, with no per-token log-probs (NULL)', () => {
    const db = createDb(120);
    const run = insertRun(db);
    db.prepare(`INSERT INTO samples (run_id, step, prompt_index, sample_index, prompt, completion, reward, length) VALUES (?, 0, 0, 0, 'p', 'c', 1, 1)`).run(run);
    migrate(db, { to: 130 });
    expect(db.prepare('SELECT completion, sampler_logp, trainer_logp FROM samples').all()).toEqual([{ completion: 'c', sampler_logp: null, trainer_logp: null }]);
  });

  it('is idempotent: migrating an up-to-date database applies nothing', () => {
    const db = createDb();
    expect(migrate(db)).toEqual([]);
  });

  it('names every index <table>_by_<cols>', () => {
    const db = createDb();
    const idx = db.prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL").all() as {
      name: string; tbl_name: string;
    }[];
    for (const { name, tbl_name } of idx) expect(name.startsWith(`${tbl_name}_by_`), name).toBe(true);
  });

  it('rejects non-monotonic or non-decade versions', () => {
    const a = { version: 10, name: 'a', sql: '' };
    expect(() => checkMigrationList([a, { version: 10, name: 'b', sql: '' }])).toThrow(/not after version 10/);
    expect(() => checkMigrationList([{ version: 15, name: 'c', sql: '' }])).toThrow(/multiples of 10/);
  });

  it('refuses a database from the future with a clear, typed error', () => {
    const dir = tempDir();
    const path = join(dir, 'future.sqlite');
    const db = openDb(path);
    db.pragma('user_version = 99990');
    db.close();
    let caught: unknown;
    try {
      openDb(path);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('FUTURE_VERSION');
    expect((caught as StoreError).message).toMatch(/newer version: update the app/);
    expect(() => openDb(path, { readonly: true })).toThrow(/newer than this build/);
  });

  it('rolls a failing migration back entirely (tables and user_version)', () => {
    const db = new Database(':memory:');
    const bad = [
      { version: 10, name: 'ok', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: 20, name: 'bad', sql: 'CREATE TABLE b (x INTEGER) STRICT; CREATE TABLE a (y INTEGER) STRICT;' },
    ];
    expect(() => migrate(db, { list: bad })).toThrow(/migration 20 \(bad\) failed/);
    expect(schemaVersion(db)).toBe(10);
    expect(tablesOf(db)).toEqual(['a']);
  });
});

describe('migration 0110 (imported datasets)', () => {
  it('rebuilds datasets with Parquet allowed, keeping rows and the runs that point at them', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, { to: 90 });
    db.prepare(`INSERT INTO datasets (id, name, kind, path, field_mapping_json, row_counts_json, malformed_count, added_at)
      VALUES (7, 'gsm8k', 'jsonl', '/d/g.jsonl', '{"question":"q","answer":"a"}', '{"train":10}', 2, 1)`).run();
    db.prepare(`INSERT INTO runs (id, name, recipe_json, dataset_id, created_at, total_steps) VALUES (3, 'r', '{}', 7, 1, 10)`).run();
    expect(() => db.prepare(`INSERT INTO datasets (name, kind, path, added_at) VALUES ('p', 'parquet', '/x', 1)`).run()).toThrow(/CHECK/);
    migrate(db);
    expect(db.prepare('SELECT dataset_id FROM runs WHERE id = 3').get()).toEqual({ dataset_id: 7 });
    expect(db.prepare('SELECT name, kind, row_counts_json, malformed_count, splits_json FROM datasets WHERE id = 7').get())
      .toEqual({ name: 'gsm8k', kind: 'jsonl', row_counts_json: '{"train":10}', malformed_count: 2, splits_json: '{}' });
    db.prepare(`INSERT INTO datasets (name, kind, path, added_at) VALUES ('p', 'parquet', '/x', 1)`).run();
    expect(() => db.prepare(`INSERT INTO datasets (name, kind, path, added_at) VALUES ('p', 'csv', '/y', 1)`).run()).toThrow(/UNIQUE/);
    // Deleting a dataset removes its failed rows and unlinks (not deletes) its runs.
    db.prepare(`INSERT INTO dataset_errors (dataset_id, split, file, line, reason, detail) VALUES (7, 'train', 'f', 1, 'empty', 'x')`).run();
    db.prepare('DELETE FROM datasets WHERE id = 7').run();
    expect(db.prepare('SELECT count(*) AS n FROM dataset_errors').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT dataset_id FROM runs WHERE id = 3').get()).toEqual({ dataset_id: null });
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('migration 0150 (run drafts)', () => {
  it("rebuilds runs with 'draft' allowed, keeping every run's rows in the tables that cascade from it", () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, { to: 140 });
    db.prepare(`INSERT INTO runs (id, name, status, recipe_json, created_at, total_steps, current_step, notes, tags_json)
      VALUES (4, 'r', 'stopped', '{}', 1, 10, 0, 'kept', '["a"]')`).run();
    db.prepare('INSERT INTO steps (run_id, step, wall_time) VALUES (4, 0, 1.5)').run();
    db.prepare(`INSERT INTO samples (run_id, step, prompt_index, sample_index, prompt, completion, reward, length) VALUES (4, 0, 0, 0, 'p', 'c', 1, 1)`).run();
    db.prepare(`INSERT INTO events (run_id, step, time, level, kind, message) VALUES (4, 0, 1, 'info', 'k', 'm')`).run();
    expect(() => db.prepare(`UPDATE runs SET status = 'draft' WHERE id = 4`).run()).toThrow(/CHECK/);
    // Left 'queued' by the old runs.duplicate: never started (5); just queued by a live trainer (6, its lease); started (7).
    const queued = db.prepare(`INSERT INTO runs (id, name, status, recipe_json, created_at, started_at, total_steps, current_step) VALUES (?, 'q', 'queued', '{}', 1, ?, 10, ?)`);
    queued.run(5, null, -1); queued.run(6, null, -1); queued.run(7, 2, 3);
    db.prepare(`INSERT INTO run_leases (run_id, pid, host, token, acquired_at, heartbeat_at) VALUES (6, 1, 'h', 't', 1, 1)`).run();
    expect(migrate(db)).toContain(150);
    expect(db.prepare('SELECT id, status FROM runs WHERE id IN (5, 6, 7) ORDER BY id').all())
      .toEqual([{ id: 5, status: 'draft' }, { id: 6, status: 'queued' }, { id: 7, status: 'queued' }]);
    // Dropping the old table with foreign keys on would have cascaded into these.
    const count = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t} WHERE run_id = 4`).get() as { n: number }).n;
    expect([count('steps'), count('samples'), count('events')]).toEqual([1, 1, 1]);
    expect(db.prepare('SELECT name, status, notes, tags_json, current_step FROM runs WHERE id = 4').get())
      .toEqual({ name: 'r', status: 'stopped', notes: 'kept', tags_json: '["a"]', current_step: 0 });
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1); // restored after the migration
    db.prepare(`UPDATE runs SET status = 'draft' WHERE id = 4`).run();
    expect(() => db.prepare(`UPDATE runs SET status = 'nonsense' WHERE id = 4`).run()).toThrow(/CHECK/);
    // The references still point at the rebuilt table: deleting the run cascades as before.
    db.prepare('DELETE FROM runs WHERE id = 4').run();
    expect([count('steps'), count('samples'), count('events')]).toEqual([0, 0, 0]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
