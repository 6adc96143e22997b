/**
 * The API: every method with its argument and result type, and the events the
 * server pushes. Both transports (Electron IPC and the web mode's HTTP +
 * WebSocket server) serve exactly this; the preload exposes one function per
 * method. Method names are `area.verb`.
 */
import type { RecipeInput } from './recipe.js';
import type {
  AppInfo, DatasetInfo, DatasetPreview, EmbeddingPoint, EvaluationRow, ExportFormat, ExportResult, MetricSeries, ModelDownload, ModelInfo,
  PreflightReport, PublicSettings, RunComparison,
  RecipeFieldSpec, RecipePreset, RecipeValidation, RunDetail, RunStatus, RunSummary, SampleFilter,
  SampleGroup, Settings,
} from './types.js';
import type { DataSource } from './recipe.js';
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
  'runs.create': { args: { recipe: RecipeInput; start: boolean }; result: { runId: string } };
  'runs.pause': { args: RunRef; result: RunSummary };
  'runs.resume': { args: RunRef; result: RunSummary };
  'runs.stop': { args: RunRef; result: RunSummary };
  'runs.duplicate': { args: RunRef & { name?: string }; result: { runId: string } };
  'runs.delete': { args: RunRef & { confirm: true }; result: { deleted: true } };
  'runs.metrics': { args: RunRef & { names?: string[]; maxPoints?: number }; result: MetricSeries[] };
  'runs.steps': { args: RunRef; result: number[] };
  'runs.samples': {
    args: RunRef & { step: number; filter?: SampleFilter; offset?: number; limit?: number };
    result: { groups: SampleGroup[]; total: number };
  };
  'runs.embeddings': { args: RunRef & { step: number; kind: 'head' | 'pooled' }; result: EmbeddingPoint[] };
  'runs.compare': { args: { runIds: string[]; names: string[]; maxPoints?: number }; result: RunComparison };
  /** Writes the adapter (or a verl launch bundle) into `outDir`; refuses to overwrite unless `overwrite`. */
  'runs.export': {
    args: RunRef & { format: ExportFormat; outDir: string; checkpoint?: number; overwrite?: boolean };
    result: ExportResult;
  };
  /** Starts an evaluation in the background (progress as run.event, results via runs.evaluations). */
  'runs.evaluate': {
    args: RunRef & { checkpoint: 'base' | 'latest' | number; dataset: DataSource; k: number; temperature: number; limit?: number };
    result: { started: true };
  };
  'runs.evaluations': { args: RunRef; result: EvaluationRow[] };
  /** The run's health-alarm history: each alarm with the (0-based) steps it held, oldest first. */
  'runs.alarms': { args: RunRef; result: AlarmEpisode[] };

  'models.list': { args: Empty; result: ModelInfo[] };
  'models.inspect': { args: { path: string }; result: ModelInfo };
  'models.add': { args: { path: string }; result: ModelInfo };
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

  'datasets.list': { args: Empty; result: DatasetInfo[] };
  'datasets.preview': {
    args: { source: DataSource; systemPrompt?: string; suffix?: string; count?: number };
    result: DatasetPreview;
  };
}

export type ApiMethodName = keyof ApiMethods;
export type ApiArgs<M extends ApiMethodName> = ApiMethods[M]['args'];
export type ApiReturn<M extends ApiMethodName> = ApiMethods[M]['result'];

/** Runtime list of method names (the preload and the routers iterate it). */
export const API_METHOD_NAMES = [
  'app.info', 'settings.get', 'settings.set',
  'recipes.presets', 'recipes.form', 'recipes.validate', 'recipes.preflight',
  'runs.list', 'runs.get', 'runs.create', 'runs.pause', 'runs.resume', 'runs.stop', 'runs.duplicate',
  'runs.delete', 'runs.metrics', 'runs.steps', 'runs.samples', 'runs.embeddings',
  'runs.compare', 'runs.export', 'runs.evaluate', 'runs.evaluations', 'runs.alarms',
  'models.list', 'models.inspect', 'models.add', 'models.remove',
  'models.download', 'models.downloadCancel', 'models.downloads', 'models.hubFiles',
  'datasets.list', 'datasets.preview',
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
}
export type ApiEventName = keyof ApiEvents;
export const API_EVENT_NAMES = ['run.status', 'run.step', 'run.event', 'model.download'] as const satisfies readonly ApiEventName[];

/** The typed client both transports produce for the renderer. */
export type ApiClient = {
  [M in ApiMethodName]: (args: ApiArgs<M>) => Promise<ApiReturn<M>>;
} & {
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};
