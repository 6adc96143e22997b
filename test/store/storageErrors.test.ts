// Storage failures become typed StoreErrors with actionable messages: a
// read-only folder, a missing folder, a missing file for a reader, a full disk.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../main/store/db.js';
import { Store } from '../../main/store/Store.js';
import { StoreError } from '../../main/store/StoreError.js';
import { makeStep, tempDir } from './helpers.js';

function caught(f: () => unknown): StoreError {
  try {
    f();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('expected a StoreError');
}

/** Mounts a read-only tmpfs (we run as root in CI); null where mounting is not permitted. */
function readOnlyMount(): { dir: string; unmount: () => void } | null {
  const dir = join(tempDir(), 'ro');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'ignore' }) };
}

describe('storage errors', () => {
  it('a database in a read-only directory gives READ_ONLY/CANNOT_OPEN with a hint', (ctx) => {
    const m = readOnlyMount();
    if (!m) {
      ctx.skip();
      return;
    }
    try {
      const e = caught(() => openDb(join(m.dir, 'runs.sqlite')));
      expect(['READ_ONLY', 'CANNOT_OPEN']).toContain(e.code);
      expect(e.message).toMatch(/runs\.sqlite/);
      expect(e.message).toMatch(/writable/);
    } finally {
      m.unmount();
    }
  });

  it('a database in a missing directory gives CANNOT_OPEN naming the path', () => {
    const path = join(tempDir(), 'no', 'such', 'dir', 'runs.sqlite');
    const e = caught(() => openDb(path));
    expect(e.code).toBe('CANNOT_OPEN');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/folder exists and is writable/);
  });

  it('a reader never creates a database: a wrong path is CANNOT_OPEN', () => {
    const e = caught(() => openDb(join(tempDir(), 'missing.sqlite'), { readonly: true }));
    expect(e.code).toBe('CANNOT_OPEN');
  });

  it('a file that is not a database is CORRUPT', async () => {
    const { writeFileSync } = await import('node:fs');
    const path = join(tempDir(), 'junk.sqlite');
    writeFileSync(path, 'this is not sqlite, just some text padding it out to a page'.repeat(100));
    expect(caught(() => openDb(path)).code).toBe('CORRUPT');
  });

  it('a full disk (simulated with max_page_count) gives DISK_FULL and leaves the step out entirely', () => {
    const store = Store.open(join(tempDir(), 'full.sqlite'));
    const runId = store.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 1000 });
    store.steps.writeStep(runId, makeStep(0));
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 2}`);
    const big = makeStep(1, 40, 16);
    for (const s of big.samples!) s.completion = 'x'.repeat(2000);
    const e = caught(() => store.steps.writeStep(runId, big));
    expect(e.code).toBe('DISK_FULL');
    expect(e.sqliteCode).toBe('SQLITE_FULL');
    expect(e.message).toMatch(/disk .* is full; free space/);
    expect(store.samples.countOfStep(runId, 1)).toBe(0);
    expect(store.metrics.latest(runId, 10).map((s) => s.step)).toEqual([0]);
    // After freeing space the same step can be written.
    store.db.pragma('max_page_count = 1073741823');
    store.steps.writeStep(runId, big);
    expect(store.samples.countOfStep(runId, 1)).toBe(640);
    store.close();
  });
});
