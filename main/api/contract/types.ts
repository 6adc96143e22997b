/**
 * Domain shapes that the API returns. Plain data only (JSON-serialisable),
 * shared by the main process, the web server and the renderer.
 */
import type { DataSource, DatasetFormat, FieldMap, Recipe, RecipeInput } from './recipe.js';

export type RunStatus = 'draft' | 'queued' | 'running' | 'paused' | 'finished' | 'stopped' | 'crashed' | 'failed';

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
  arch: string;
  mode: 'electron' | 'web';
  dataDir: string;
  /** The training backend the engine would use here (cpu, cuda, metal), or why none. */
  engine: { available: boolean; backend: string; detail: string };
  /**
   * The compute backends a recipe (hardware.backend) or Settings can ask for here: auto and cpu always,
   * cuda / vulkan where node-llama-cpp's prebuilt library for this platform is installed, metal on Apple silicon.
   */
  backends: ('auto' | 'cpu' | 'cuda' | 'metal' | 'vulkan')[];
}

export type ThemeName = 'light' | 'dark' | 'system';
export interface Settings {
  theme: ThemeName;
  /** CPU threads for training and sampling; 0 = choose automatically. */
  threads: number;
  backend: 'auto' | 'cpu' | 'cuda' | 'metal' | 'vulkan';
  /** Hugging Face access token for gated models (stored locally, never sent elsewhere). */
  hfToken: string;
}

/**
 * What settings.get/set return to the renderer: everything but the token,
 * which never leaves the main process; only whether one is saved.
 * (settings.set still takes `hfToken`: a new token, or '' to remove it.)
 */
export type PublicSettings = Omit<Settings, 'hfToken'> & { hfTokenSet: boolean };

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  objective: string;
  clipo: boolean;
  modelName: string;
  datasetName: string;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  step: number;
  totalSteps: number;
  bestReward: number | null;
  lastReward: number | null;
  error: string | null;
  /** What the user wrote about the run (runs.update). */
  notes: string;
  /** The user's tags, e.g. "baseline", "lr-sweep" (runs.update); the runs list filters on them. */
  tags: string[];
  /**
   * True while the run trains under another process (the CLI, another window):
   * its live state still streams here, but pause/resume/stop must be done there.
   */
  external?: boolean;
}

export interface CheckpointInfo {
  step: number;
  createdAt: number;
  bytes: number;
}

export interface RunEvent {
  time: number;
  step: number | null;
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
}

export interface RunDetail extends RunSummary {
  recipe: Recipe;
  checkpoints: CheckpointInfo[];
  events: RunEvent[];
}

/** One metric over a run, downsampled server-side when longer than asked. */
export interface MetricSeries {
  name: string;
  steps: number[];
  /** Wall-clock seconds since the run started, aligned with `steps`. */
  times: number[];
  values: number[];
  /** Envelope of the points folded into each downsampled point (absent when not downsampled). */
  min?: number[];
  max?: number[];
}

export interface SampleRow {
  id: number;
  step: number;
  groupIndex: number;
  sampleIndex: number;
  completion: string;
  reward: number;
  components: Record<string, number>;
  advantage: number;
  correct: boolean;
  length: number;
  truncated: boolean;
  contrastiveReward: number | null;
}

export interface SampleGroup {
  step: number;
  groupIndex: number;
  prompt: string;
  answer: string;
  zeroVariance: boolean;
  samples: SampleRow[];
}

export interface SampleFilter {
  correctness?: 'all' | 'correct' | 'incorrect';
  truncatedOnly?: boolean;
  zeroVarianceOnly?: boolean;
  search?: string;
}

export interface EmbeddingPoint {
  sampleId: number;
  groupIndex: number;
  correct: boolean;
  x: number;
  y: number;
  /** The completion's total reward and length in tokens (scatter tooltip and colouring). */
  reward: number;
  length: number;
}

/** How a step's scatter coordinates were made: a 2-D PCA with the share of variance along each axis (null for runs logged before it was recorded). */
export interface ProjectionInfo {
  method: 'PCA';
  kind: 'head' | 'pooled';
  explained: [number, number] | null;
}

/** A search hit across steps: the completion with its step's prompt. */
export interface SampleHit extends SampleRow {
  prompt: string;
}

/** One completion token by token: its id, text piece, and the log-prob the sampler and the trainer (π_old) gave it. */
export interface SampleTokens {
  sampleId: number;
  step: number;
  tokens: { id: number; piece: string | null; sampler: number | null; trainer: number | null }[];
  /** Why pieces or log-probs are missing, when they are (null when all is there). */
  note: string | null;
}

export interface ModelInfo {
  id: string;
  name: string;
  path: string;
  arch: string;
  sizeBytes: number;
  parameterCount: number;
  /** Dominant weight type, e.g. F16, Q8_0, Q4_K. */
  quantization: string;
  contextLength: number;
  hasChatTemplate: boolean;
  /** Whether the engine can train it; `reason` says why not. */
  supported: boolean;
  reason: string | null;
}

/** A Hugging Face download (models.download), as listed and as pushed in `model.download` events. */
export interface ModelDownload {
  jobId: string;
  repo: string;
  file: string;
  revision: string;
  /** running → done | failed | cancelled. */
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** Bytes on disk so far (a resumed download starts at `resumedFrom`). */
  received: number;
  /** File size, when the server said (content-length); null until known. */
  total: number | null;
  /** Recent download speed, bytes per second (0 when stalled or not started). */
  bytesPerSec: number;
  /** Bytes already on disk from an earlier, interrupted attempt (Range resume); 0 for a fresh start. */
  resumedFrom: number;
  startedAt: number;
  endedAt: number | null;
  /** What went wrong and what to do, when `failed` (or why it stopped, when `cancelled`). */
  error: string | null;
  /** The library entry, once `done` (the file is added to the library like models.add). */
  model: ModelInfo | null;
}

export interface DatasetSplitInfo {
  name: string;
  /** Usable rows under the current mapping (for a built-in task: the pool a run draws from). */
  rows: number;
  /** What a run or an evaluation reads for this split. */
  source: DataSource;
}

export interface DatasetInfo {
  id: string;
  name: string;
  kind: 'builtin' | DatasetFormat;
  path: string | null;
  /** Usable rows over all splits. */
  rows: number;
  malformed: number;
  origin: 'builtin' | 'file' | 'hub';
  splits: DatasetSplitInfo[];
  /** The verifier and prompt suffix it is meant to be trained with (built-in tasks and presets), when known. */
  verifier: string | null;
  suffix: string | null;
}

export interface DatasetColumn { path: string; type: string; example: string }

export interface DatasetFailedRow { split: string; file: string; line: number; reason: string; detail: string }

export interface DatasetDetail extends DatasetInfo {
  /** The file's own columns (dotted paths for nested fields). */
  columns: DatasetColumn[];
  fields: FieldMap;
  /** A mapping suggested from the columns' names and values. */
  suggested: FieldMap;
  files: { split: string; file: string; records: number }[];
  /** The first failed rows (the count is `malformed`). */
  failed: DatasetFailedRow[];
  hub: { repo: string; config: string; revision: string } | null;
  addedAt: number;
}

/** A Hub dataset that downloads and maps itself (GSM8K, MATH-500, a multiple-choice set). */
export interface DatasetPreset {
  id: string;
  title: string;
  description: string;
  repo: string;
  config: string;
  splits: string[];
  fields: FieldMap;
  /** The verifier (main/rl/verifiers) and prompt suffix a run on it should use. */
  verifier: string;
  suffix: string;
}

/** A Hub dataset import (datasets.hubImport), as listed and as pushed in `dataset.import` events. */
export interface DatasetImportJob {
  jobId: string;
  name: string;
  repo: string;
  config: string;
  revision: string;
  splits: string[];
  /** The preset it was started from (its mapping and verifier), if any. */
  preset: string | null;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** The file downloading now. */
  file: string | null;
  filesDone: number;
  filesTotal: number;
  /** Bytes of the current file on disk (a resumed file starts at its partial size) and its size when known. */
  received: number;
  total: number | null;
  resumedFrom: number;
  startedAt: number;
  endedAt: number | null;
  error: string | null;
  /** The imported dataset, once done. */
  datasetId: string | null;
}

export interface MalformedRow {
  line: number;
  reason: string;
}

/** Prompt lengths in tokens for one model (datasets.promptStats). */
export interface PromptStats {
  model: string;
  /** Token counts of the prompts read (chat template applied as in training). */
  lengths: number[];
  /** The first prompts exactly as the model receives them, template included. */
  rendered: string[];
  /** Rows read (the first `limit` usable rows of the split). */
  rows: number;
}

export interface DatasetPreview {
  rows: { id: string; question: string; answer: string; prompt: string }[];
  total: number;
  malformed: MalformedRow[];
}

export interface RecipePreset {
  id: string;
  title: string;
  description: string;
  recipe: RecipeInput;
  /** What the user must provide before it can run, e.g. "a Qwen2.5-0.5B-Instruct GGUF file". */
  needs: string[];
}

/** Describes one recipe field for the UI form; generated from the recipe schema. */
export interface RecipeFieldSpec {
  path: string;
  group: string;
  label: string;
  help: string;
  unit?: string;
  kind: 'number' | 'integer' | 'boolean' | 'enum' | 'string' | 'string-list' | 'enum-list';
  options?: string[];
  min?: number;
  max?: number;
  default: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

export type RecipeValidation = { ok: true; recipe: Recipe } | { ok: false; errors: FieldError[] };

export interface PreflightReport {
  validation: RecipeValidation;
  estimate: {
    /** Bytes needed by the engine (weights, LoRA, optimizer, activations) and the sampler. */
    memoryBytes: number;
    /**
     * memoryBytes by category: the engine's (as engine.reserve reports them: frozen weights in the
     * file's type, adapter + AdamW moments + gradients, activations/compute) and the sampler's KV cache.
     */
    memoryParts: { weights: number; adapter: number; activations: number; samplerKv: number };
    secondsPerStep: number;
    tokensPerStep: number;
    /**
     * 'measured': scaled from an earlier run of the same model (the engine's reserved/peak
     * bytes and the median measured step time it logged); 'estimated': the documented rough model.
     */
    basis?: 'measured' | 'estimated';
    /** The run the measurement comes from, when `basis` is 'measured'. */
    measuredRun?: { id: string; name: string } | undefined;
  } | null;
  warnings: string[];
}

/** Overlay of several runs: each run's series for the same metrics, and where their recipes differ. */
export interface RunComparison {
  runs: RunSummary[];
  /** series[runId] = one MetricSeries per requested name (same order). */
  series: Record<string, MetricSeries[]>;
  /** Recipe fields (dotted paths) whose values differ between the runs. */
  configDiff: { path: string; values: Record<string, unknown> }[];
}

export type ExportFormat = 'gguf' | 'peft' | 'ollama' | 'merged-gguf' | 'verl';

export interface ExportResult {
  /** Absolute paths of the files written, all inside the chosen folder. */
  files: string[];
  /** A command to run next, when the format has one (e.g. `ollama create …`). */
  command: string | null;
}

export interface EvaluationRow {
  id: number;
  runId: string | null;
  /** 'base' for the base model, else the checkpoint step evaluated. */
  checkpoint: 'base' | number;
  dataset: string;
  split: string;
  /** e.g. pass@1, pass@k, avg@k. */
  metric: string;
  k: number;
  value: number;
  n: number;
  createdAt: number;
}

/** One parameter of a reward component, as the Reward step shows and edits it. */
export interface RewardParamDoc {
  help: string;
  /** 'code': JavaScript source; 'json': a JSON value (a schema). */
  type: 'number' | 'boolean' | 'string' | 'enum' | 'code' | 'json';
  options?: string[];
  min?: number;
  max?: number;
}

/** A verifier-registry entry: what it does, its parameters and their defaults (rewards.components). */
export interface RewardComponentInfo {
  name: string;
  /** 'answer': judges the final answer (decides accuracy); 'shaping': format, length and other terms. */
  kind: 'answer' | 'shaping';
  summary: string;
  defaults: Record<string, unknown>;
  params: Record<string, RewardParamDoc>;
}

/** A task's or dataset's default reward, with why it fits (rewards.defaultFor). */
export interface RewardDefault {
  components: { name: string; weight: number; params?: Record<string, unknown> }[];
  explanation: string;
}

/** rewards.test: each component's verdict on one pasted completion. */
export interface RewardTestResult {
  total: number;
  correct: boolean;
  components: { key: string; name: string; weight: number; value: number; reason: string; extracted?: string }[];
}

/** A question from a run's own data, offered in the playground. */
export interface PlaygroundPrompt { index: number; question: string; answer: string }

/** One piece of a playground answer (the `playground.chunk` event). */
export interface PlaygroundChunk {
  sessionId: string;
  pane: 'base' | 'adapter';
  /** Text to append (may be empty on the final chunk). */
  text: string;
  done: boolean;
  /** On the final chunk: why it ended. */
  finishReason?: 'eos' | 'stop' | 'length' | 'time' | 'cancelled' | 'error';
  /** On the final chunk: the whole answer, as graded. */
  fullText?: string;
  tokens?: number;
  /** On the final chunk of a dataset prompt: the run's reward on this answer (as rewards.test reports it). */
  grade?: RewardTestResult;
  /** What went wrong, when finishReason is 'error'. */
  error?: string;
}
