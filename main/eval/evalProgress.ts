/**
 * Resumable evaluation: one JSON line per evaluated problem ({i, n, c}),
 * appended as each problem finishes, in a file keyed by everything that
 * determines the result (model/checkpoint, dataset, split, k, temperature,
 * limit, prompt). A rerun skips the problems already in the file, so a stopped
 * evaluation continues where it was and no problem is counted twice; a final
 * {"done":…} line marks it complete, after which the results are in the
 * evaluations table and a rerun records nothing new. Memory: O(1) per problem
 * (running sums), the file is read line by line.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ProgressLine { i: number; n: number; c: number }

export function progressKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export class EvalProgressFile {
  readonly done = new Map<number, ProgressLine>();
  complete = false;
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        let v: Partial<ProgressLine> & { done?: boolean };
        try { v = JSON.parse(line); } catch { continue; } // a torn last line from a kill: ignore it
        if (v.done) this.complete = true;
        else if (Number.isInteger(v.i) && Number.isInteger(v.n) && Number.isInteger(v.c)) this.done.set(v.i!, { i: v.i!, n: v.n!, c: v.c! });
      }
      // a torn last line without a newline would glue onto the next append: end it
      if (text.length && !text.endsWith('\n')) appendFileSync(path, '\n');
    } else closeSync(openSync(path, 'a'));
  }
  add(p: ProgressLine): void {
    if (this.done.has(p.i)) return;
    appendFileSync(this.path, JSON.stringify(p) + '\n');
    this.done.set(p.i, p);
  }
  markComplete(): void {
    appendFileSync(this.path, JSON.stringify({ done: true, problems: this.done.size }) + '\n');
    this.complete = true;
  }
}
