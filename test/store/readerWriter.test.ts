// The one-writer rule in practice: the trainer writes through a read-write
// connection in WAL mode while the UI reads through a `readonly` one. Readers
// are never blocked by an open write transaction and see only committed steps.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../main/store/db.js';
import { Store } from '../../main/store/Store.js';
import { StoreError } from '../../main/store/StoreError.js';
import { makeStep, tempDir } from './helpers.js';

describe('readonly reader beside the writer (WAL)', () => {
  it('opens with the expected pragmas', () => {
    const path = join(tempDir(), 'w.sqlite');
    const w = openDb(path);
    expect(w.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(w.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(w.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(w.pragma('busy_timeout', { simple: true })).toBe(5000);
    const r = openDb(path, { readonly: true });
    expect(r.readonly).toBe(true);
    expect(r.pragma('query_only', { simple: true })).toBe(1);
    r.close();
    w.close();
  });

  it('reads committed steps while the writer holds an open write transaction', () => {
    const path = join(tempDir(), 'rw.sqlite');
    const writer = Store.open(path);
    const runId = writer.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 10 });
    writer.steps.writeStep(runId, makeStep(0));
    const reader = Store.open(path, { readonly: true, busyTimeoutMs: 0 });
    expect(reader.metrics.latest(runId, 5).map((s) => s.step)).toEqual([0]);

    // Hold the writer mid-transaction (as writeStep does while inserting samples).
    writer.db.exec('BEGIN IMMEDIATE');
    writer.db.prepare('INSERT INTO steps (run_id, step, wall_time) VALUES (?, 1, 0)').run(runId);
    // busy_timeout 0: the read would throw BUSY at once if WAL did not isolate it.
    expect(reader.metrics.latest(runId, 5).map((s) => s.step)).toEqual([0]);
    expect(reader.samples.countOfStep(runId, 0)).toBe(8);
    writer.db.exec('ROLLBACK');

    writer.steps.writeStep(runId, makeStep(1));
    expect(reader.metrics.latest(runId, 5).map((s) => s.step)).toEqual([0, 1]);
    expect(reader.runs.get(runId).currentStep).toBe(1);
    writer.checkpointWal();
    expect(reader.samples.countOfRun(runId)).toBe(16);
    reader.close();
    writer.close();
  });

  it('refuses writes through the readonly connection with a typed error', () => {
    const path = join(tempDir(), 'ro.sqlite');
    const writer = Store.open(path);
    const runId = writer.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 10 });
    const reader = Store.open(path, { readonly: true });
    let err: unknown;
    try {
      reader.steps.writeStep(runId, makeStep(0));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('READ_ONLY');
    reader.close();
    writer.close();
  });

  it('a second writer waiting on the lock fails with BUSY, not a hang', () => {
    const path = join(tempDir(), 'busy.sqlite');
    const a = Store.open(path);
    const b = Store.open(path, { busyTimeoutMs: 50 });
    const runId = a.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 10 });
    a.db.exec('BEGIN IMMEDIATE');
    let err: unknown;
    try {
      b.steps.writeStep(runId, makeStep(0));
    } catch (e) {
      err = e;
    }
    a.db.exec('ROLLBACK');
    expect((err as StoreError).code).toBe('BUSY');
    a.close();
    b.close();
  });
});
