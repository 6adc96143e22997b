// MetricStore: dashboard reads of step metrics. Every query here is a range
// read of the (run_id, name, step) primary key or the (run_id, step) covering
// index; test/store/queryPlans.test.ts pins that.
import type { Database, Statement } from 'better-sqlite3';
import type { MetricPoint, StepMetrics } from './types.js';

export interface SeriesOptions {
  /** Inclusive step range; default the whole run. */
  fromStep?: number;
  toStep?: number;
  /**
   * Downsample to at most this many points: steps are cut into equal-width
   * buckets; each point carries the bucket's mean and its min/max envelope, so
   * a spike survives downsampling (a chart can draw the band).
   */
  maxPoints?: number;
}

const MAX_STEP = Number.MAX_SAFE_INTEGER;

/**
 * The statements, named so test/store/queryPlans.test.ts can EXPLAIN exactly
 * what runs. Parameters: :run, :name, :lo, :hi, :buckets, :step, :limit.
 */
const SQL = {
  series: 'SELECT step, value FROM step_metrics WHERE run_id = :run AND name = :name AND step BETWEEN :lo AND :hi ORDER BY step',
  // Two scalar subqueries so each is a single seek (SQLite's min/max optimisation
  // applies only to a lone min() or max()). No count(*): that would read the whole range.
  bounds: `SELECT (SELECT min(step) FROM step_metrics WHERE run_id = :run AND name = :name AND step BETWEEN :lo AND :hi) AS lo,
              (SELECT max(step) FROM step_metrics WHERE run_id = :run AND name = :name AND step BETWEEN :lo AND :hi) AS hi`,
  // JS numbers bind as REAL, so the bucket number needs an explicit integer cast.
  bucketed: `SELECT min(step) AS step, avg(value) AS value, min(value) AS min, max(value) AS max, count(*) AS count
       FROM step_metrics WHERE run_id = :run AND name = :name AND step BETWEEN :lo AND :hi
       GROUP BY CAST(((step - :lo) * :buckets) / (:hi - :lo + 1) AS INTEGER) ORDER BY 1`,
  latestSteps: 'SELECT step, wall_time FROM steps WHERE run_id = :run ORDER BY step DESC LIMIT :limit',
  metricsFrom: 'SELECT step, name, value FROM step_metrics WHERE run_id = :run AND step >= :step',
  // One metric from a step on: a range of the primary key (run_id, name, step).
  metricFrom: 'SELECT step, value FROM step_metrics WHERE run_id = :run AND name = :name AND step >= :step',
  // Loose index scan: one seek per distinct name instead of reading every row of the run.
  names: `WITH RECURSIVE n(name) AS (
         SELECT (SELECT min(name) FROM step_metrics WHERE run_id = :run)
         UNION ALL
         SELECT (SELECT min(name) FROM step_metrics WHERE run_id = :run AND name > n.name) FROM n WHERE n.name IS NOT NULL
       ) SELECT name FROM n WHERE name IS NOT NULL`,
} as const;

export class MetricStore {
  static readonly SQL = SQL;
  private readonly raw: Statement;
  private readonly bounds: Statement;
  private readonly bucketed: Statement;
  private readonly latestSteps: Statement;
  private readonly metricsFrom: Statement;
  private readonly metricFrom: Statement;
  private readonly names: Statement;

  constructor(db: Database) {
    // raw(): arrays instead of row objects, about a third cheaper at 10,000 rows.
    this.raw = db.prepare(SQL.series).raw(true);
    this.bounds = db.prepare(SQL.bounds);
    this.bucketed = db.prepare(SQL.bucketed);
    this.latestSteps = db.prepare(SQL.latestSteps);
    this.metricsFrom = db.prepare(SQL.metricsFrom).raw(true);
    this.metricFrom = db.prepare(SQL.metricFrom).raw(true);
    this.names = db.prepare(SQL.names);
  }

  /** All values of `name` for `runId` in step order, optionally downsampled. */
  series(runId: number, name: string, options: SeriesOptions = {}): MetricPoint[] {
    const lo0 = options.fromStep ?? 0;
    const hi0 = options.toStep ?? MAX_STEP;
    const maxPoints = options.maxPoints;
    if (maxPoints !== undefined) {
      const b = this.bounds.get({ run: runId, name, lo: lo0, hi: hi0 }) as { lo: number | null; hi: number | null };
      // Steps are integers, so a span of at most maxPoints steps has at most maxPoints rows: return them raw.
      if (b.lo !== null && b.hi !== null && b.hi - b.lo + 1 > maxPoints) {
        return this.bucketed.all({ run: runId, name, lo: b.lo, hi: b.hi, buckets: Math.max(1, Math.floor(maxPoints)) }) as MetricPoint[];
      }
    }
    const rows = this.raw.all({ run: runId, name, lo: lo0, hi: hi0 }) as [number, number | null][];
    return rows.map(([step, value]) => ({ step, value, min: value, max: value, count: 1 }));
  }

  /** Several metrics at once (compare view, dashboard grid). */
  seriesMany(runId: number, names: readonly string[], options: SeriesOptions = {}): Record<string, MetricPoint[]> {
    return Object.fromEntries(names.map((n) => [n, this.series(runId, n, options)]));
  }

  /** Metric names the run has logged, sorted. */
  metricNames(runId: number): string[] {
    return (this.names.all({ run: runId }) as { name: string }[]).map((r) => r.name);
  }

  /**
   * The newest `n` steps with their metrics (all of them, or only `names`), newest last. With
   * `names` each metric is one primary-key range: replaying a 10,000-step run's alarm history reads
   * its ~12 alarm metrics instead of all ~77 (5-12 s → well under a second, bench:ui).
   */
  latest(runId: number, n: number, names?: readonly string[]): StepMetrics[] {
    const steps = (this.latestSteps.all({ run: runId, limit: n }) as { step: number; wall_time: number }[]).reverse();
    const first = steps[0];
    if (!first) return [];
    const byStep = new Map<number, StepMetrics>(steps.map((s) => [s.step, { step: s.step, wallTime: s.wall_time, metrics: {} }]));
    if (names) {
      for (const name of names) {
        for (const [step, value] of this.metricFrom.all({ run: runId, name, step: first.step }) as [number, number | null][]) {
          const entry = byStep.get(step);
          if (entry) entry.metrics[name] = value;
        }
      }
      return steps.map((s) => byStep.get(s.step)!);
    }
    for (const [step, name, value] of this.metricsFrom.all({ run: runId, step: first.step }) as [number, string, number | null][]) {
      const entry = byStep.get(step);
      if (entry) entry.metrics[name] = value;
    }
    return steps.map((s) => byStep.get(s.step)!);
  }
}
