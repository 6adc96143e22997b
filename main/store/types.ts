// camelCase shapes of the store's rows and inputs. snake_case stays in SQL;
// the mapping happens only inside main/store (STYLE §6).

// Same union as RunStatus in main/api/contract/types.ts ('stopped' = ended by the user before total_steps).
export type RunStatus = 'draft' | 'queued' | 'running' | 'paused' | 'finished' | 'stopped' | 'crashed' | 'failed';
export const RUN_STATUSES: readonly RunStatus[] = ['draft', 'queued', 'running', 'paused', 'finished', 'stopped', 'crashed', 'failed'];

export interface Run {
  id: number;
  name: string;
  status: RunStatus;
  /** The resolved recipe, verbatim as stored. */
  recipeJson: string;
  modelId: number | null;
  datasetId: number | null;
  /** Unix ms. */
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  error: string | null;
  totalSteps: number;
  /** Last fully written step, -1 before the first. */
  currentStep: number;
  bestReward: number | null;
  pid: number | null;
  /** Free text the user wrote about the run (migration 0130). */
  notes: string;
  /** User tags (migration 0130). */
  tags: string[];
}

export interface RunSummary extends Run {
  /** ms from start to end (or to `now` while running); null if never started. */
  durationMs: number | null;
}

export interface NewRun {
  name: string;
  recipeJson: string;
  totalSteps: number;
  modelId?: number | null;
  datasetId?: number | null;
  status?: RunStatus;
  /** Unix ms; default Date.now(). */
  createdAt?: number;
  /** The id must be at least this (the next free run folder number); ids are never reused anyway. */
  minId?: number;
}

export interface SampleInput {
  /** Group index within the step (completions of one prompt share it). */
  promptIndex: number;
  sampleIndex: number;
  prompt: string;
  /** The prompt's reference answer (ground truth), if known. */
  answer?: string | null;
  completion: string;
  tokens?: Int32Array | null;
  reward: number;
  rewardComponents?: Record<string, number>;
  advantage?: number | null;
  correct?: boolean | null;
  /** Completion length in tokens. */
  length: number;
  truncated?: boolean;
  contrastiveReward?: number | null;
  /** Per completion token (aligned with `tokens`): the sampler's log-prob of the drawn token, and the trainer's (π_old). */
  samplerLogp?: Float32Array | null;
  trainerLogp?: Float32Array | null;
}

export interface Sample {
  id: number;
  runId: number;
  step: number;
  promptIndex: number;
  sampleIndex: number;
  prompt: string;
  answer: string | null;
  completion: string;
  /** Present only when requested (withTokens). */
  tokens?: Int32Array | null;
  reward: number;
  rewardComponents: Record<string, number>;
  advantage: number | null;
  correct: boolean | null;
  length: number;
  truncated: boolean;
  contrastiveReward: number | null;
}

export type EmbeddingKind = 'head' | 'pooled';

export interface EmbeddingInput {
  /** Index into the same writeStep call's `samples` array. */
  sample: number;
  kind: EmbeddingKind;
  x: number;
  y: number;
  raw?: Float32Array | null;
}

export interface Embedding {
  id: number;
  sampleId: number;
  kind: EmbeddingKind;
  x: number;
  y: number;
  raw?: Float32Array | null;
}

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EventInput {
  step?: number | null;
  /** Unix ms; default Date.now(). */
  time?: number;
  level: EventLevel;
  kind: string;
  message: string;
}

export interface RunEvent {
  id: number;
  runId: number | null;
  step: number | null;
  time: number;
  level: EventLevel;
  kind: string;
  message: string;
}

export interface StepInput {
  step: number;
  /** Unix seconds; default now. */
  wallTime?: number;
  /** Scalar metrics by namespaced name (e.g. 'reward/mean'); null = not computed this step. */
  metrics: Record<string, number | null>;
  samples?: SampleInput[];
  embeddings?: EmbeddingInput[];
  events?: EventInput[];
}

/** One point of a metric series; for downsampled series min/max are the bucket's envelope. */
export interface MetricPoint {
  step: number;
  value: number | null;
  min: number | null;
  max: number | null;
  /** Steps aggregated into this point (1 when not downsampled). */
  count: number;
}

export interface StepMetrics {
  step: number;
  wallTime: number;
  metrics: Record<string, number | null>;
}

export interface Checkpoint {
  id: number;
  runId: number;
  step: number;
  path: string;
  createdAt: number;
  bytes: number;
}
