// Public surface of the run store (the trainer and the API server import only this).
export { openDb, type OpenDbOptions } from './db.js';
export { migrate, checkMigrationList, schemaVersion, latestSchemaVersion } from './migrate.js';
export { migrations } from './migrations/migrations.js';
export type { Migration } from './migrations/Migration.js';
export { StoreError, toStoreError, type StoreErrorCode } from './StoreError.js';
export { Store, type RunComparison } from './Store.js';
export { RunStore } from './RunStore.js';
export { StepStore, BEST_REWARD_METRIC } from './StepStore.js';
export { MetricStore, type SeriesOptions } from './MetricStore.js';
export { SampleStore, type SampleFilter } from './SampleStore.js';
export { EmbeddingStore, type EmbeddingPoint } from './EmbeddingStore.js';
export { CheckpointStore } from './CheckpointStore.js';
export { EventStore } from './EventStore.js';
export { AlarmStore, type AlarmRow } from './AlarmStore.js';
export { EvaluationStore, type Evaluation, type EvaluationInput } from './EvaluationStore.js';
export { LibraryStore, type ModelEntry, type NewModel, type DatasetEntry, type NewDataset, type DatasetKind, type RecipeEntry } from './LibraryStore.js';
export * from './types.js';
