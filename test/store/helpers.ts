// Test helpers for the run store (Signal's helpers.node.ts pattern): a fresh
// database at a chosen schema version, query plans, and a tiny step builder.
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../main/store/migrate.js';
import type { SampleInput, StepInput } from '../../main/store/types.js';

/** :memory: database with foreign keys on, migrated to `version` (default: newest). */
export function createDb(version?: number): Db {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, version === undefined ? {} : { to: version });
  return db;
}

export function tempDir(prefix = 'clipo-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** EXPLAIN QUERY PLAN details, one string per plan row, joined by newlines. */
export function explain(db: Db, sql: string, params: unknown = {}): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as Record<string, unknown>) as { detail: string }[];
  return rows.map((r) => r.detail).join('\n');
}

export function insertRun(db: Db, name = 'run'): number {
  return Number(
    db.prepare(`INSERT INTO runs (name, recipe_json, created_at, total_steps) VALUES (?, '{}', ?, 100)`).run(name, Date.now())
      .lastInsertRowid,
  );
}

/** A step with `groups` × `perGroup` samples, a reward/mean metric and one 'head' embedding per sample. */
export function makeStep(step: number, groups = 2, perGroup = 4, extra: Partial<StepInput> = {}): StepInput {
  const samples: SampleInput[] = [];
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < perGroup; i++) {
      // group 0 is zero-variance (all wrong); others alternate.
      const correct = g === 0 ? false : i % 2 === 0;
      samples.push({
        promptIndex: g, sampleIndex: i, prompt: `What is ${g}+${step}?`, answer: String(g + step), completion: `The answer is \\boxed{${g + step + i}}`,
        tokens: Int32Array.from([1, 2, 3, g, i]), reward: correct ? 1 : 0, rewardComponents: { answer: correct ? 1 : 0 },
        advantage: correct ? 0.5 : -0.5, correct, length: 5, truncated: i === perGroup - 1, contrastiveReward: 0.1,
      });
    }
  }
  return {
    step,
    wallTime: 1_700_000_000 + step,
    metrics: { 'reward/mean': step / 100, 'policy/clipFrac': 0.1 },
    samples,
    embeddings: samples.map((_, k) => ({ sample: k, kind: 'head' as const, x: k, y: -k })),
    ...extra,
  };
}
