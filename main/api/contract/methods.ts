/**
 * The API: every method with its argument and result type, and the events the
 * server pushes. Both transports (Electron IPC and the web mode's HTTP +
 * WebSocket server) serve exactly this; the preload exposes one function per
 * method. Method names are `area.verb`.
 */
import type { RecipeInput } from './recipe.js';
import type {
  AppInfo, ProjectionInfo, SampleHit, SampleTokens, DatasetDetail, DatasetImportJob, DatasetInfo, DatasetPreset, DatasetPreview, PromptStats, EmbeddingPoint, EvaluationRow, ExportFormat, ExportResult, MetricSeries, ModelDownload, ModelInfo,
  PreflightReport, PublicSettings, RunComparison,
  RecipeFieldSpec, RecipePreset, RecipeValidation, RewardComponentInfo, RewardDefault, RewardTestResult, RunDetail, RunStatus, RunSummary, SampleFilter,
  SampleGroup, Settings, PlaygroundChunk, PlaygroundPrompt,
} from './types.js';
import type { DataSource, FieldMap, RewardComponentSpec } from './recipe.js';
import type { AlarmEpisode } from './healthAlarms.js';

type Empty = Record<string, never>;
interface RunRef { runId: string }

export interface ApiMethods {
  'app.info': { args: Empty; result: AppInfo };
  /** The token itself is never returned, only `hfTokenSet`. */
  'settings.get': { args: Empty; result: PublicSettings };
  /** `hfToken: ''` removes a saved token. */
  'settings.set': { args: Partial<Settings>; result: PublicSettings };

  'recipes.presets': { args: Empty; result: RecipePreset[] };
  'recipes.form': { args: Empty; result: RecipeFieldSpec[] };
  'recipes.validate': { args: { recipe: RecipeInput }; result: RecipeValidation };
  'recipes.preflight': { args: { recipe: RecipeInput }; result: PreflightReport };

  'runs.list': { args: Empty; result: RunSummary[] };
  'runs.get': { args: RunRef; result: RunDetail };
  /** start: false makes a draft (status 'draft') that runs.start starts later. */
  'runs.create': { args: { recipe: RecipeInput; start: boolean }; result: { runId: string } };
  /** Starts a draft (created with start: false, or by runs.duplicate); any other status is a `conflict` (resume a stopped run instead). */
  'runs.start': { args: RunRef; result: RunSummary };
  'runs.pause': { args: RunRef; result: RunSummary };
  'runs.resume': { args: RunRef; result: RunSummary };
  /** force: kill the trainer now (its process group) instead of letting it finish the step; steps after the last checkpoint are re-run on resume. */
  'runs.stop': { args: RunRef & { force?: boolean }; result: RunSummary };
  /** Renames a run and sets its notes and tags (any field left out keeps its value); recorded in its events. */
  'runs.update': { args: RunRef & { name?: string; notes?: string; tags?: string[] }; result: RunSummary };
  /** A copy of the run's recipe as a new draft (not started: runs.start starts it). */
  'runs.duplicate': { args: RunRef & { name?: string }; result: { runId: string } };
  /** Electron: a folder chosen in the system dialog (export destination); null when cancelled. Web mode: unavailable (exports download as a ZIP). */
  'runs.pickFolder': { args: Empty; result: { path: string | null } };
  'runs.delete': { args: RunRef & { confirm: true }; result: { deleted: true } };
  'runs.metrics': { args: RunRef & { names?: string[]; maxPoints?: number }; result: MetricSeries[] };
  'runs.steps': { args: RunRef; result: number[] };
  'runs.samples': {
    args: RunRef & { step: number; filter?: SampleFilter; offset?: number; limit?: number };
    result: { groups: SampleGroup[]; total: number };
  };
  'runs.embeddings': { args: RunRef & { step: number; kind: 'head' | 'pooled' }; result: EmbeddingPoint[] };
  /** The scatter's projection at a step: PCA and its explained variance per axis. */
  'runs.projection': { args: RunRef & { step: number; kind: 'head' | 'pooled' }; result: ProjectionInfo };
  /** Completions of any step whose prompt or completion contains `query`, oldest step first; at most `limit` (≤ 200) per page. */
  'runs.searchSamples': { args: RunRef & { query: string; offset?: number; limit?: number }; result: { rows: SampleHit[]; more: boolean } };
  /** The steps (0-based) at which this exact prompt was drawn, oldest first (at most 10,000). */
  'runs.promptSteps': { args: RunRef & { prompt: string }; result: number[] };
  /** One completion's tokens with the sampler's and the trainer's log-prob of each. */
  'runs.sampleTokens': { args: RunRef & { sampleId: number }; result: SampleTokens };
  /** Writes the run's metrics as a TensorBoard log (tfevents) into `outDir/<id>-<name>/`. */
  'runs.exportTensorBoard': { args: RunRef & { outDir: string; overwrite?: boolean }; result: ExportResult };
  'runs.compare': { args: { runIds: string[]; names: string[]; maxPoints?: number }; result: RunComparison };
  /** Writes the adapter (or a verl launch bundle) into `outDir`; refuses to overwrite unless `overwrite`. */
  'runs.export': {
    args: RunRef & { format: ExportFormat; outDir: string; checkpoint?: number; overwrite?: boolean };
    result: ExportResult;
  };
  /** Starts an evaluation in the background (progress as run.event, results via runs.evaluations). */
  'runs.evaluate': {
    args: RunRef & {
      checkpoint: 'base' | 'latest' | number; dataset: DataSource; k: number; temperature: number; limit?: number;
      /** Grade with this reward instead of the run's own (the default); the events say which was used. */
      reward?: { components: RewardComponentSpec[] };
    };
    result: { started: true };
  };
  'runs.evaluations': { args: RunRef; result: EvaluationRow[] };
  /**
   * Cancels the run's running export or evaluation: its tool process (and the
   * process group it started) is killed; a pending runs.export then rejects
   * with `unavailable`. `cancelled: false` when no such job was running.
   */
  'runs.cancelJob': { args: RunRef & { job: 'export' | 'evaluate' }; result: { cancelled: boolean } };
  /** The run's health-alarm history: each alarm with the (0-based) steps it held, oldest first. */
  'runs.alarms': { args: RunRef; result: AlarmEpisode[] };

  'models.list': { args: Empty; result: ModelInfo[] };
  'models.inspect': { args: { path: string }; result: ModelInfo };
  'models.add': { args: { path: string }; result: ModelInfo };
  /** Electron: a GGUF file chosen in the system dialog; null when cancelled. Web mode: unavailable (upload instead). */
  'models.pickFile': { args: Empty; result: { path: string | null } };
  'models.remove': { args: { id: string }; result: { removed: true } };
  /**
   * Starts downloading `file` from the Hugging Face repo `repo` into the data
   * folder and returns at once; progress arrives as `model.download` events and
   * the finished file is added to the library. Asking again for a file that is
   * downloading returns the running job; after a failure or cancel, it resumes.
   */
  'models.download': { args: { repo: string; file: string; revision?: string }; result: { jobId: string } };
  /** Stops a running download; the partial file is kept so a new download resumes it. */
  'models.downloadCancel': { args: { jobId: string }; result: ModelDownload };
  /** Downloads of this session, newest first (running and finished), so a reloaded page can reattach. */
  'models.downloads': { args: Empty; result: ModelDownload[] };
  /** The repo's .gguf files (Hub API), to pick one instead of typing its name. */
  'models.hubFiles': { args: { repo: string; revision?: string }; result: { files: string[] } };

  /** Every reward component (verifier-registry entry) with its explanation, parameters and defaults. */
  'rewards.components': { args: Empty; result: RewardComponentInfo[] };
  /** The default reward of a data source (a built-in task's own, or one fitting the file's fields), with why. */
  'rewards.defaultFor': { args: { source: DataSource }; result: RewardDefault };
  /** Scores one pasted completion with a reward spec: each component's value and reason. */
  'rewards.test': {
    args: { reward: { components: RewardComponentSpec[] }; completion: string; answer: string; choices?: string[] };
    result: RewardTestResult;
  };

  'datasets.list': { args: Empty; result: DatasetInfo[] };
  'datasets.preview': {
    args: { source: DataSource; systemPrompt?: string; suffix?: string; count?: number };
    result: DatasetPreview;
  };
  /** One dataset's page: splits, the file's columns, mapping (and a suggested one), failed rows. */
  'datasets.get': { args: { id: string }; result: DatasetDetail };
  /**
   * Imports a JSONL, CSV or Parquet file (Electron: a path from datasets.pickFile; web mode: the
   * upload endpoint saves the file in the data folder and calls this). The file is copied into the
   * data folder, so the dataset survives the original moving.
   */
  'datasets.importFile': { args: { path: string; name?: string; split?: string }; result: DatasetDetail };
  /** Electron: the system file picker (JSONL, CSV, Parquet); null when cancelled. Web mode: unavailable (upload instead). */
  'datasets.pickFile': { args: Empty; result: { path: string | null } };
  /**
   * Starts importing a Hugging Face dataset: its Parquet files for `config` and `splits` (from the repo,
   * else from the Hub's Parquet conversion, refs/convert/parquet), downloaded with progress, resume and
   * checksum (`dataset.import` events); done = a dataset row. `preset` maps it and names its verifier.
   */
  'datasets.hubImport': {
    args: { repo: string; config?: string; splits?: string[]; revision?: string; name?: string; preset?: string };
    result: { jobId: string };
  };
  'datasets.hubCancel': { args: { jobId: string }; result: DatasetImportJob };
  'datasets.hubJobs': { args: Empty; result: DatasetImportJob[] };
  'datasets.presets': { args: Empty; result: DatasetPreset[] };
  /** Re-maps a dataset: recounts usable rows per split and the failed rows. */
  'datasets.setMapping': { args: { id: string; fields: FieldMap }; result: DatasetDetail };
  /** Deletes the dataset row and its files in the data folder (runs that used it keep their recipe). */
  'datasets.remove': { args: { id: string; confirm: true }; result: { removed: true } };
  /** Token lengths of a split's prompts for a model (chat template applied as in training). */
  'datasets.promptStats': {
    args: { id: string; split: string; modelId: string; systemPrompt?: string; suffix?: string; limit?: number };
    result: PromptStats;
  };

  /** Questions from the run's own data (its training source) to try in the playground, with their answers. */
  'playground.prompts': { args: RunRef & { count?: number }; result: PlaygroundPrompt[] };
  /**
   * Generates an answer from the base model and from the adapter of a checkpoint, side by side, in a tool
   * process: same prompt (rendered with the run's chat template, system prompt and suffix), same sampling
   * settings and seed. Text streams as `playground.chunk` events; each pane ends with a `done` chunk, graded
   * by the run's reward when the prompt is one of its dataset's questions (`prompt.kind = 'dataset'`).
   */
  'playground.start': {
    args: RunRef & {
      checkpoint: 'latest' | number;
      /** Free text, or one of playground.prompts by index (then graded against its answer). */
      prompt: { kind: 'text'; text: string } | { kind: 'dataset'; index: number };
      temperature: number; topP?: number; maxTokens: number; seed?: number;
    };
    result: { sessionId: string; question: string; answer: string | null };
  };
  /** Stops a playground session (its tool process is killed); each pane still gets a `done` chunk. */
  'playground.cancel': { args: { sessionId: string }; result: { cancelled: boolean } };
}

export type ApiMethodName = keyof ApiMethods;
export type ApiArgs<M extends ApiMethodName> = ApiMethods[M]['args'];
export type ApiReturn<M extends ApiMethodName> = ApiMethods[M]['result'];

/** Runtime list of method names (the preload and the routers iterate it). */
export const API_METHOD_NAMES = [
  'app.info', 'settings.get', 'settings.set',
  'recipes.presets', 'recipes.form', 'recipes.validate', 'recipes.preflight',
  'runs.list', 'runs.get', 'runs.create', 'runs.start', 'runs.pause', 'runs.resume', 'runs.stop', 'runs.update', 'runs.duplicate',
  'runs.pickFolder', 'runs.delete', 'runs.metrics', 'runs.steps', 'runs.samples', 'runs.embeddings',
  'runs.projection', 'runs.searchSamples', 'runs.promptSteps', 'runs.sampleTokens', 'runs.exportTensorBoard',
  'runs.compare', 'runs.export', 'runs.evaluate', 'runs.evaluations', 'runs.cancelJob', 'runs.alarms',
  'models.list', 'models.inspect', 'models.add', 'models.pickFile', 'models.remove',
  'models.download', 'models.downloadCancel', 'models.downloads', 'models.hubFiles',
  'rewards.components', 'rewards.defaultFor', 'rewards.test',
  'datasets.list', 'datasets.preview', 'datasets.get', 'datasets.importFile', 'datasets.pickFile',
  'datasets.hubImport', 'datasets.hubCancel', 'datasets.hubJobs', 'datasets.presets', 'datasets.setMapping',
  'datasets.remove', 'datasets.promptStats',
  'playground.prompts', 'playground.start', 'playground.cancel',
] as const satisfies readonly ApiMethodName[];

// Compile-time check that the list names every method exactly.
type Missing = Exclude<ApiMethodName, (typeof API_METHOD_NAMES)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;

/** Events pushed from the main process to every open window / web client. */
export interface ApiEvents {
  'run.status': { runId: string; status: RunStatus; error: string | null };
  'run.step': { runId: string; step: number; totalSteps: number; time: number; metrics: Record<string, number> };
  'run.event': { runId: string; level: 'info' | 'warn' | 'error'; kind: string; message: string };
  /** A download's state: progress (a few per second), then done (with the library entry), failed or cancelled. */
  'model.download': ModelDownload;
  /** A Hub dataset import's state: progress, then done (with the dataset id), failed or cancelled. */
  'dataset.import': DatasetImportJob;
  /** Playground text as it is generated: `text` is appended to the pane; the last chunk of a pane has `done`. */
  'playground.chunk': PlaygroundChunk;
}
export type ApiEventName = keyof ApiEvents;
export const API_EVENT_NAMES = ['run.status', 'run.step', 'run.event', 'model.download', 'dataset.import', 'playground.chunk'] as const satisfies readonly ApiEventName[];

/** The typed client both transports produce for the renderer. */
export type ApiClient = {
  [M in ApiMethodName]: (args: ApiArgs<M>) => Promise<ApiReturn<M>>;
} & {
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};
