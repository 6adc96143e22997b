// Store: one object bundling the table-family stores over one connection, so
// the trainer and the API server each hold a single handle. Opened `readonly`
// it still exposes the writers; SQLite (query_only) rejects their writes.
import type { Database } from 'better-sqlite3';
import { AlarmStore } from './AlarmStore.js';
import { CheckpointStore } from './CheckpointStore.js';
import { openDb, type OpenDbOptions } from './db.js';
import { EmbeddingStore } from './EmbeddingStore.js';
import { EvaluationStore } from './EvaluationStore.js';
import { EventStore } from './EventStore.js';
import { LibraryStore } from './LibraryStore.js';
import { MetricStore, type SeriesOptions } from './MetricStore.js';
import { RunLeaseStore } from './RunLeaseStore.js';
import { RunStore } from './RunStore.js';
import { SampleStore } from './SampleStore.js';
import { StepStore } from './StepStore.js';
import type { MetricPoint, RunSummary } from './types.js';

export interface RunComparison {
  runs: RunSummary[];
  /** series[runId][metricName] */
  series: Record<number, Record<string, MetricPoint[]>>;
}

export class Store {
  readonly runs: RunStore;
  readonly leases: RunLeaseStore;
  readonly steps: StepStore;
  readonly metrics: MetricStore;
  readonly samples: SampleStore;
  readonly embeddings: EmbeddingStore;
  readonly checkpoints: CheckpointStore;
  readonly events: EventStore;
  readonly evaluations: EvaluationStore;
  readonly library: LibraryStore;
  readonly alarms: AlarmStore;

  constructor(readonly db: Database) {
    this.runs = new RunStore(db);
    this.leases = new RunLeaseStore(db);
    this.steps = new StepStore(db);
    this.metrics = new MetricStore(db);
    this.samples = new SampleStore(db);
    this.embeddings = new EmbeddingStore(db);
    this.checkpoints = new CheckpointStore(db);
    this.events = new EventStore(db);
    this.evaluations = new EvaluationStore(db);
    this.library = new LibraryStore(db);
    this.alarms = new AlarmStore(db);
  }

  static open(path: string, options: OpenDbOptions = {}): Store {
    return new Store(openDb(path, options));
  }

  /** The compare view: summaries plus the same metrics for each run, on a shared downsampling budget. */
  compareRuns(runIds: readonly number[], metricNames: readonly string[], options: SeriesOptions = {}): RunComparison {
    const wanted = new Set(runIds);
    const runs = this.runs.list().filter((r) => wanted.has(r.id));
    const series: RunComparison['series'] = {};
    for (const id of runIds) series[id] = this.metrics.seriesMany(id, metricNames, options);
    return { runs, series };
  }

  /**
   * Writer hygiene at step boundaries (STYLE §5): a long-lived reader can starve
   * WAL checkpoints; RESTART waits for readers to move on and resets the log.
   */
  checkpointWal(): void {
    this.db.pragma('wal_checkpoint(RESTART)');
  }

  close(): void {
    this.db.close();
  }
}
