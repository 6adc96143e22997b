/**
 * The services both shells (Electron, web mode) start with. This is the one
 * place to wire new parts in: pass runs/models/datasets/recipes services to
 * createHandlers here once they exist.
 */
import type { AppInfo, ModelInfo } from '../api/contract/index.js';
import type { ApiEventBus } from '../api/ApiEventBus.js';
import type { ApiHandlers } from '../api/ApiHandlers.js';
import { recipeFormSpec, recipePresets, validateRecipe } from '../recipes/index.js';
import { createAppService } from './appService.js';
import { createHandlers, type HandlerContext } from './createHandlers.js';
import { createSettingsService } from './settingsService.js';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { pidAlive, Store } from '../store/index.js';
import { Supervisor, forkSpawner, type TrainerSpawner } from '../trainer/Supervisor.js';
import { createRunsService, relayTrainerMessage } from './runsService.js';
import { createRunViewsService } from './runViewsService.js';
import { createModelsService } from './modelsService.js';
import { createModelDownloads } from './modelDownloads.js';
import { createDatasetsService } from './datasetsService.js';
import { createDatasetHubJobs } from './datasetHubJobs.js';
import { createPromptStats } from './promptStatsService.js';
import { createExportEvalService } from './exportEvalService.js';
import { preflight } from './preflightService.js';
import { createRewardsService } from './rewardsService.js';
import { createPlaygroundService } from './playgroundService.js';
import { latestMeasurement } from './stepMeasurement.js';
import { startRunWatcher } from './runWatcher.js';

export interface DefaultServicesOptions {
  mode: AppInfo['mode'];
  dataDir: string;
  appRoot: string;
  /** Services that push events (runs) emit here; transports forward it. */
  events: ApiEventBus;
  /** Extra areas, e.g. tests passing a fake runs service. */
  extra?: Omit<HandlerContext, 'app' | 'settings'>;
  /** How trainer processes start: child_process.fork (default) or Electron's utilityProcess. */
  spawnTrainer?: TrainerSpawner;
  /** Hugging Face base URL for models.download and datasets.hubImport; default CLIPO_HF_ENDPOINT, else https://huggingface.co (tests: a fake hub). */
  hubEndpoint?: string;
  /** Electron's open-file dialog for datasets.pickFile (web mode has none: it uploads). */
  pickFile?: () => Promise<string | null>;
  /** Electron's dialogs for models.pickFile (a GGUF file) and runs.pickFolder (an export folder); web mode has none. */
  pickPath?: (kind: 'model' | 'folder') => Promise<string | null>;
}

const desktopOnly = (instead: string) => Object.assign(new Error(`The system file dialog exists in the desktop app only; in the browser, ${instead}.`), { code: 'unavailable' });

export function createDefaultServices(opts: DefaultServicesOptions): { handlers: ApiHandlers; context: HandlerContext; dispose: () => Promise<void> } {
  const settings = createSettingsService(opts.dataDir);
  const app = createAppService({
    mode: opts.mode,
    dataDir: opts.dataDir,
    appRoot: opts.appRoot,
    backend: async () => (await settings.get()).backend,
  });
  const recipes: HandlerContext['recipes'] = {
    presets: () => recipePresets(),
    form: () => recipeFormSpec(),
    validate: ({ recipe }) => validateRecipe(recipe),
    preflight: ({ recipe }) => preflight(recipe, (r) => latestMeasurement(store, r)),
  };
  // The run database: this process writes run lifecycle rows; each trainer writes its own run's steps.
  mkdirSync(opts.dataDir, { recursive: true });
  const dbPath = join(opts.dataDir, 'clipo.db');
  const store = Store.open(dbPath);
  // Runs left 'running' by a previous session whose trainer is gone are crashed (and resumable).
  // The run's lease decides (dead pid on this host, or stale heartbeat), see docs/STORE.md.
  store.runs.markOrphansCrashed(pidAlive);
  const emit: Parameters<typeof createRunsService>[0]['emit'] = (e, p) => opts.events.emit(e, p);
  const supervisor = new Supervisor({
    dbPath, dataDir: opts.dataDir, spawn: opts.spawnTrainer ?? forkSpawner(),
    store: {
      updateStatus: (id, status, extra) => store.runs.updateStatus(id, status, extra),
      currentStep: (id) => store.runs.get(id).currentStep,
      status: (id) => store.runs.get(id).status,
    },
    onMessage: (runId, m) => relayTrainerMessage(emit, runId, m),
  });
  // Runs driven by another process (the CLI, another window) stream here too, read from the store.
  const watcher = startRunWatcher({ store, owns: (id) => supervisor.isRunning(id), emit });
  // Electron's main process cannot run itself as Node (RunAsNode fuse off): it inspects in a utilityProcess.
  const models = createModelsService(store, opts.mode === 'electron' && opts.spawnTrainer ? { inspectSpawn: opts.spawnTrainer } : {});
  const downloads = createModelDownloads({
    dataDir: opts.dataDir,
    addModel: (path) => models.add({ path }), // the header is read in a child process (inspectGgufIsolated)
    emit: (job) => opts.events.emit('model.download', job),
    // The token saved in Settings, else HF_TOKEN (as `clipo download`); it never reaches the renderer.
    token: async () => (await settings.get()).hfToken || process.env.HF_TOKEN || undefined,
    ...(opts.hubEndpoint ? { endpoint: opts.hubEndpoint } : {}),
  });
  const hfToken = async () => (await settings.get()).hfToken || process.env.HF_TOKEN || undefined;
  const datasetJobs = createDatasetHubJobs({
    store, dataDir: opts.dataDir, emit: (job) => opts.events.emit('dataset.import', job), token: hfToken,
    ...(opts.hubEndpoint ? { endpoint: opts.hubEndpoint } : {}),
  });
  const runsService = createRunsService({ store, supervisor, emit, dataDir: opts.dataDir });
  // A run that ends (whoever drove it) gets its alarm history recorded, so it is kept even if nobody was watching.
  const offAlarms = opts.events.on('run.status', (e) => {
    if (e.status === 'running' || e.status === 'queued') return;
    try { runsService.alarms({ runId: e.runId }); } catch (err) { console.error(`recording the alarms of run ${e.runId} failed:`, err); }
  });
  const tools = createExportEvalService({ store, dbPath, dataDir: opts.dataDir, emit, ...(opts.spawnTrainer ? { spawn: opts.spawnTrainer } : {}) });
  const playground = createPlaygroundService({ store, dbPath, dataDir: opts.dataDir, emit, ...(opts.spawnTrainer ? { spawn: opts.spawnTrainer } : {}) });
  const context: HandlerContext = {
    app, settings, recipes, rewards: createRewardsService(), playground,
    runs: {
      ...runsService,
      ...createRunViewsService({ store, dataDir: opts.dataDir }),
      export: tools.export, evaluate: tools.evaluate, evaluations: tools.evaluations, cancelJob: tools.cancelJob,
      pickFolder: async () => {
        if (!opts.pickPath) throw desktopOnly('use Download (a ZIP) instead');
        return { path: await opts.pickPath('folder') };
      },
    },
    models: {
      ...models,
      download: (a) => downloads.download(a),
      downloadCancel: (a) => downloads.downloadCancel(a),
      downloads: () => downloads.downloads(),
      hubFiles: (a) => downloads.hubFiles(a),
      pickFile: async () => {
        if (!opts.pickPath) throw desktopOnly('upload the model file instead');
        return { path: await opts.pickPath('model') };
      },
    },
    datasets: {
      ...createDatasetsService({ store, dataDir: opts.dataDir, ...(opts.pickFile ? { pickFile: opts.pickFile } : {}) }),
      hubImport: (a) => datasetJobs.hubImport(a),
      hubCancel: (a) => datasetJobs.hubCancel(a),
      hubJobs: () => datasetJobs.hubJobs(),
      promptStats: createPromptStats({ store, ...(opts.spawnTrainer ? { spawn: opts.spawnTrainer } : {}) }),
    },
    ...opts.extra,
  };
  const dispose = async () => { watcher.stop(); offAlarms(); tools.dispose(); playground.dispose(); await downloads.dispose(); await datasetJobs.dispose(); await supervisor.shutdown(); store.close(); };
  return { handlers: createHandlers(context), context, dispose };
}
