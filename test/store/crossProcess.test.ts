// A real second process writes steps (as the trainer does) while this process
// reads through a `readonly` connection (as the UI does). The reader must never
// fail and must only ever see whole steps: for every visible step, all of its
// metrics and samples are visible too.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../main/store/Store.js';
import { tempDir } from './helpers.js';

// Plain CommonJS so the child needs no TypeScript: it mimics writeStep's shape
// (one transaction: steps row, 3 metrics, 8 samples).
const WRITER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const step = db.prepare('INSERT INTO steps (run_id, step, wall_time) VALUES (1, ?, 0)');
const metric = db.prepare('INSERT INTO step_metrics (run_id, name, step, value) VALUES (1, ?, ?, ?)');
const sample = db.prepare("INSERT INTO samples (run_id, step, prompt_index, sample_index, prompt, completion, reward, length) VALUES (1, ?, 0, ?, 'p', 'c', 0, 1)");
const write = db.transaction((s) => {
  step.run(s);
  for (const n of ['a', 'b', 'c']) metric.run(n, s, s);
  for (let k = 0; k < 8; k++) sample.run(s, k);
});
// 1 ms between steps so the reader observes the run mid-way.
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let s = 0; s < 300; s++) { write(s); Atomics.wait(pause, 0, 0, 1); }
db.close();
`;

describe('cross-process reader and writer', () => {
  it('the reader sees only complete steps while another process writes', async () => {
    const path = join(tempDir(), 'xp.sqlite');
    const setup = Store.open(path);
    setup.runs.create({ name: 'r', recipeJson: '{}', totalSteps: 300 });
    setup.close();

    const reader = Store.open(path, { readonly: true });
    const child = spawn(process.execPath, ['-e', WRITER, path], { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    let exited = false;
    void done.then(() => (exited = true));

    const counts = reader.db.prepare(
      `SELECT (SELECT count(*) FROM steps WHERE run_id = 1) AS steps,
              (SELECT count(*) FROM step_metrics WHERE run_id = 1) AS metrics,
              (SELECT count(*) FROM samples WHERE run_id = 1) AS samples`,
    );
    const seen: number[] = [];
    // One read statement is one snapshot, so the three counts are consistent with each other.
    while (!exited) {
      const c = counts.get() as { steps: number; metrics: number; samples: number };
      expect(c.metrics).toBe(c.steps * 3);
      expect(c.samples).toBe(c.steps * 8);
      seen.push(c.steps);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await done, stderr).toBe(0);
    const final = counts.get() as { steps: number };
    expect(final.steps).toBe(300);
    // The reader did observe the run mid-way, and its reads were monotonic.
    expect(seen.some((n) => n > 0 && n < 300), `observed: ${seen.join(',')}`).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    reader.close();
  });
});
