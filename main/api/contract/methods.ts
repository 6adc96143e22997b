/**
 * The API: every method with its argument and result type, and the events the
 * server pushes. Both transports (Electron IPC and the web mode's HTTP +
 * WebSocket server) serve exactly this; the preload exposes one function per
 * method. Method names are `area.verb`.
 */
import type { RecipeInput } from './recipe.js';
import type {
  AppInfo, DatasetInfo, DatasetPreview, EmbeddingPoint, EvaluationRow, ExportFormat, ExportResult, MetricSeries, ModelInfo, PreflightReport, RunComparison,
  RecipeFieldSpec, RecipePreset, RecipeValidation, RunDetail, RunStatus, RunSummary, SampleFilter,
  SampleGroup, Settings,
} from './types.js';
import type { DataSource } from './recipe.js';

type Empty = Record<string, never>;
interface RunRef { runId: string }

export interface ApiMethods {
  'app.info': { args: Empty; result: AppInfo };
  'settings.get': { args: Empty; result: Settings };
  'settings.set': { args: Partial<Settings>; result: Settings };

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

  'models.list': { args: Empty; result: ModelInfo[] };
  'models.inspect': { args: { path: string }; result: ModelInfo };
  'models.add': { args: { path: string }; result: ModelInfo };
  'models.remove': { args: { id: string }; result: { removed: true } };

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
  'runs.compare', 'runs.export', 'runs.evaluate', 'runs.evaluations',
  'models.list', 'models.inspect', 'models.add', 'models.remove',
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
}
export type ApiEventName = keyof ApiEvents;
export const API_EVENT_NAMES = ['run.status', 'run.step', 'run.event'] as const satisfies readonly ApiEventName[];

/** The typed client both transports produce for the renderer. */
export type ApiClient = {
  [M in ApiMethodName]: (args: ApiArgs<M>) => Promise<ApiReturn<M>>;
} & {
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};
