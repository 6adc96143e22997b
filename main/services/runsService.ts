/**
 * The runs area of the API, shared by Electron, web mode and the CLI: creates
 * run rows from validated recipes, starts/steers trainers through the
 * Supervisor, relays their messages as API events, and answers the dashboard's
 * reads from the store.
 */
import type {
  ApiEvents, EmbeddingPoint, MetricSeries, RecipeInput, RunDetail, RunSummary, SampleGroup, SampleRow,
} from '../api/contract/index.js';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseRecipe, totalRunSteps } from '../recipes/index.js';
import { describeLease, pidAlive, type Store, type Sample } from '../store/index.js';
import { killProcessGroup, type Supervisor } from '../trainer/Supervisor.js';
import { nextRunFolderId } from '../trainer/runFolders.js';
import type { TrainerToSupervisor } from '../trainer/protocol.js';
import type { RunsService } from './createHandlers.js';
import { parseRunId, toRunSummary } from './toRunSummary.js';
import { recipeDiff } from './recipeDiff.js';
import { resumeRefusal } from './resumeRule.js';
import { ALARM_METRICS, ALARM_WINDOW, alarmEpisodes, type AlarmEpisode } from '../api/contract/healthAlarms.js';

export const ELAPSED_METRIC = 'time/elapsed';
const REWARD_METRIC = 'reward/mean';

export interface RunsServiceDeps {
  store: Store;
  /** Where run folders (checkpoints, adapters) live: <dataDir>/runs/<id>. */
  dataDir: string;
  supervisor: Supervisor;
  emit: <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;
}

const conflict = (message: string) => Object.assign(new Error(message), { code: 'conflict' });

/** The runs area except export/evaluate, which exportEvalService provides. */
export type CoreRunsService = Omit<RunsService, 'export' | 'evaluate' | 'evaluations' | 'cancelJob' | 'pickFolder' | RunViewMethods>;
/** Provided by runViewsService.ts. */
type RunViewMethods = 'projection' | 'searchSamples' | 'promptSteps' | 'sampleTokens' | 'exportTensorBoard';

export function createRunsService({ store, supervisor, dataDir, emit }: RunsServiceDeps): CoreRunsService & { createRun(recipe: RecipeInput, start: boolean): number } {
  /** What a person did to the run goes into its event log (and to every open window) like the trainer's own events. */
  const note = (id: number, kind: string, message: string, atStep = true): void => {
    try {
      // A note before the first step has no step: a fresh start clears the run's events from step 0 on.
      store.events.add(id, { ...(atStep ? { step: Math.max(0, store.runs.get(id).currentStep) } : {}), level: 'info', kind, message });
      emit('run.event', { runId: String(id), level: 'info', kind, message });
    } catch { /* the action itself succeeded; a log row is not worth failing it */ }
  };
  const summary = (id: number): RunSummary => {
    const last = store.metrics.latest(id, 1)[0]?.metrics[REWARD_METRIC] ?? null;
    const run = store.runs.get(id);
    return { ...toRunSummary(run, last), external: isForeign(id, run.status) };
  };
  /** Training under another process's supervisor (the CLI, another window): its trainer takes no orders from here. */
  const isForeign = (id: number, status: string): boolean => (status === 'running' || status === 'paused') && !supervisor.isRunning(id);
  const foreign = (runId: string, verb: string) => conflict(
    `run ${runId} was started by another program (the command line or another window), so it can only be ${verb} there: ` +
      'in the terminal running `clipo train`, Ctrl+C stops it after the current step (and keeps a checkpoint). This page follows it live.',
  );

  const start = (id: number, resume: boolean) => {
    // Another process (the CLI, a second web server) may be training this run: refuse before touching its status.
    store.leases.assertFree(id, resume ? 'resume' : 'start');
    store.runs.updateStatus(id, 'queued');
    void supervisor.start(id, resume).catch(() => undefined);
  };

  function seriesOf(id: number, names: string[] | undefined, maxPoints: number | undefined): MetricSeries[] {
    const wanted = names ?? store.metrics.metricNames(id);
    const opts = maxPoints ? { maxPoints } : {};
    const all = store.metrics.seriesMany(id, [...new Set([...wanted, ELAPSED_METRIC])], opts);
    const elapsed = new Map((all[ELAPSED_METRIC] ?? []).map((p) => [p.step, p.value ?? NaN]));
    return wanted.map((name) => {
      // A stored NULL (the step's value was NaN or ±∞) stays a point: NaN, sent as null over HTTP. The chart
      // draws it as a break in the line, not as a straight line across the step.
      const pts = all[name] ?? [];
      const s: MetricSeries = {
        name, steps: pts.map((p) => p.step), times: pts.map((p) => elapsed.get(p.step) ?? NaN), values: pts.map((p) => p.value ?? NaN),
      };
      if (pts.some((p) => p.count > 1)) { s.min = pts.map((p) => p.min ?? p.value ?? NaN); s.max = pts.map((p) => p.max ?? p.value ?? NaN); }
      return s;
    });
  }

  /**
   * Brings the run's alarm history in the store up to its last step: replays the steps not yet
   * covered (with the window before them) through the health checks, and extends an episode
   * that was still holding at the last recorded step instead of starting a new one.
   */
  function recordAlarms(id: number): void {
    const current = store.runs.get(id).currentStep;
    const done = store.alarms.lastStep(id) ?? -1;
    const covered = Math.max(done, recordedUpTo.get(id) ?? -1);
    if (current <= covered) return;
    const rows = store.metrics.latest(id, current - covered + ALARM_WINDOW, ALARM_METRICS).map((r) => ({
      step: r.step, metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, v ?? NaN])),
    }));
    const from = rows.findIndex((r) => r.step > covered);
    if (from < 0) return;
    const prevStep = from > 0 ? rows[from - 1]!.step : null;
    const existing = store.alarms.list(id);
    const episodes = alarmEpisodes(rows, from).map((e) => {
      const cont = prevStep !== null && e.firstStep === rows[from]!.step
        ? existing.find((x) => x.alarm === e.alarm && x.lastStep === prevStep) : undefined;
      return cont ? { ...e, firstStep: cont.firstStep } : e;
    });
    store.alarms.record(id, episodes);
    recordedUpTo.set(id, current);
  }
  const recordedUpTo = new Map<number, number>();

  const createRun = (recipeInput: RecipeInput, startNow: boolean): number => {
    const recipe = parseRecipe(recipeInput);
    // A run on an imported dataset is linked to its row (runs.dataset_id; deleting the dataset unlinks, never deletes, the run).
    const datasetId = recipe.data.kind === 'dataset' ? store.library.datasetByName(recipe.data.name)?.id ?? null : null;
    // Not started now: a draft, which only runs.start starts (a 'queued' run would wait for nobody).
    const id = store.runs.create({
      name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: totalRunSteps(recipe), datasetId, minId: nextRunFolderId(dataDir),
      status: startNow ? 'queued' : 'draft',
    });
    if (startNow) start(id, false);
    return id;
  };

  return {
    createRun,
    list: () => store.runs.list().map((r) => summary(r.id)),
    get: ({ runId }): RunDetail => {
      const id = parseRunId(runId);
      const s = summary(id);
      return {
        ...s,
        recipe: JSON.parse(store.runs.get(id).recipeJson),
        checkpoints: store.checkpoints.list(id).map((c) => ({ step: c.step, createdAt: c.createdAt, bytes: c.bytes })),
        events: store.events.latest(id, 200).filter((e) => e.level !== 'debug').map((e) => ({
          time: e.time, step: e.step, level: e.level as 'info' | 'warn' | 'error', kind: e.kind, message: e.message,
        })),
      };
    },
    create: ({ recipe, start: startNow }) => ({ runId: String(createRun(recipe, startNow)) }),
    start: ({ runId }) => {
      const id = parseRunId(runId);
      const status = store.runs.get(id).status;
      if (status !== 'draft') {
        throw conflict(`run ${runId} is ${status}, not a draft; only a draft can be started (${status === 'stopped' || status === 'crashed' || status === 'paused' ? 'resume it instead' : 'duplicate it to train again'})`);
      }
      start(id, false);
      note(id, 'start', 'draft started (Start in the workbench)', false);
      return summary(id);
    },
    pause: ({ runId }) => {
      const id = parseRunId(runId);
      if (isForeign(id, store.runs.get(id).status)) throw foreign(runId, 'paused');
      if (!supervisor.isRunning(id)) throw conflict(`run ${runId} is not running, so it cannot be paused`);
      supervisor.pause(id);
      note(id, 'pause', 'paused (Pause in the workbench); Resume continues from here');
      return summary(id);
    },
    resume: ({ runId }) => {
      const id = parseRunId(runId);
      if (supervisor.isRunning(id)) supervisor.resume(id);
      else {
        const status = store.runs.get(id).status;
        // A live lease names the trainer process (start() refuses with it); without one, a run 'running' under
        // another supervisor is still not ours to restart.
        if (!store.leases.live(id) && isForeign(id, status)) throw foreign(runId, 'resumed');
        const refusal = resumeRefusal(runId, status);
        if (refusal) throw conflict(refusal);
        start(id, true);
      }
      note(id, 'resume', 'resumed (Resume in the workbench)');
      return summary(id);
    },
    stop: async ({ runId, force }) => {
      const id = parseRunId(runId);
      if (supervisor.isRunning(id)) {
        if (force) {
          // Answer with the status after the kill (stopped), not before it: bounded, SIGKILL is reaped in milliseconds.
          await Promise.race([supervisor.forceStop(id), new Promise((r) => setTimeout(r, 5000))]);
        } else supervisor.stop(id, 'finish-step');
        note(id, 'stop', force ? 'force-stopped (Stop in the workbench): the trainer is killed; resume continues from the last checkpoint'
          : 'stopped (Stop in the workbench): it ends after the current step, with a checkpoint');
        return summary(id);
      }
      const lease = store.leases.live(id);
      if (lease) {
        // Trained by another process (the CLI, an earlier web server): only a force stop reaches it.
        if (!force) throw conflict(`run ${runId} is being trained by ${describeLease(lease)} in another process; stop it there, or force stop it`);
        if (lease.host !== hostname()) throw conflict(`run ${runId} is being trained on another machine (${lease.host}); stop it there`);
        killProcessGroup(lease.pid, 'SIGKILL');
        // Bounded wait for the kernel to reap it: 2 s, then report rather than hang.
        for (let i = 0; i < 40 && pidAlive(lease.pid); i++) await new Promise((r) => setTimeout(r, 50));
        if (pidAlive(lease.pid)) throw conflict(`run ${runId}: trainer process ${lease.pid} did not exit after SIGKILL; try again`);
        store.leases.clear(id);
        store.runs.updateStatus(id, 'stopped');
        store.events.add(id, { level: 'warn', kind: 'stopped', message: `force-stopped: trainer process ${lease.pid} was killed; resume continues from the last checkpoint` });
        return summary(id);
      }
      const run = store.runs.get(id);
      // Running under another process without a lease (an older build's trainer): never mark a live run stopped under it.
      if (!force && isForeign(id, run.status) && run.pid !== null && pidAlive(run.pid)) throw foreign(runId, 'stopped');
      if (run.status !== 'finished') {
        store.runs.updateStatus(id, 'stopped');
        note(id, 'stop', 'stopped (Stop in the workbench)');
      }
      return summary(id);
    },
    update: ({ runId, name, notes, tags }) => {
      const id = parseRunId(runId);
      const before = store.runs.get(id);
      const uniqueTags = tags ? [...new Set(tags.map((t) => t.trim()))] : undefined;
      store.runs.updateMeta(id, { ...(name !== undefined ? { name: name.trim() } : {}), ...(notes !== undefined ? { notes } : {}), ...(uniqueTags ? { tags: uniqueTags } : {}) });
      const changed: string[] = [];
      if (name !== undefined && name.trim() !== before.name) changed.push(`renamed from “${before.name}” to “${name.trim()}”`);
      if (notes !== undefined && notes !== before.notes) changed.push('notes edited');
      if (uniqueTags && JSON.stringify(uniqueTags) !== JSON.stringify(before.tags)) changed.push(`tags: ${uniqueTags.length ? uniqueTags.join(', ') : '(none)'}`);
      if (changed.length) note(id, 'edit', changed.join('; '));
      return summary(id);
    },
    duplicate: ({ runId, name }) => {
      const run = store.runs.get(parseRunId(runId));
      const recipe = JSON.parse(run.recipeJson);
      recipe.name = name ?? `${run.name} (copy)`;
      return { runId: String(createRun(recipe, false)) };
    },
    delete: ({ runId }) => {
      const id = parseRunId(runId);
      if (supervisor.isRunning(id)) throw conflict(`run ${runId} is running; stop it before deleting`);
      store.runs.delete(id);
      // The user confirmed: remove the run's files too (checkpoints, adapters), only after its rows are gone.
      rmSync(join(dataDir, 'runs', String(id)), { recursive: true, force: true });
      return { deleted: true as const };
    },
    metrics: ({ runId, names, maxPoints }) => seriesOf(parseRunId(runId), names, maxPoints),
    alarms: ({ runId }): AlarmEpisode[] => {
      const id = parseRunId(runId);
      recordAlarms(id);
      return store.alarms.list(id).map((e) => ({ ...e, alarm: e.alarm as AlarmEpisode['alarm'] }));
    },
    compare: ({ runIds, names, maxPoints }) => {
      const ids = runIds.map(parseRunId);
      const series = Object.fromEntries(ids.map((id) => [String(id), seriesOf(id, names, maxPoints)]));
      const recipes = Object.fromEntries(ids.map((id) => [String(id), JSON.parse(store.runs.get(id).recipeJson) as unknown]));
      return { runs: ids.map(summary), series, configDiff: recipeDiff(recipes) };
    },
    steps: ({ runId }) => store.steps.stepsWithSamples(parseRunId(runId)),
    samples: ({ runId, step, filter, offset, limit }) => {
      const id = parseRunId(runId);
      const rows = store.samples.ofStep(id, step, {
        ...(filter?.correctness === 'correct' ? { correct: true } : filter?.correctness === 'incorrect' ? { correct: false } : {}),
        ...(filter?.truncatedOnly ? { truncated: true } : {}),
        ...(filter?.zeroVarianceOnly ? { zeroVariance: true } : {}),
        ...(filter?.search ? { text: filter.search } : {}),
      });
      const groups = groupSamples(rows, store.samples.answersOfStep?.(id, step));
      const from = offset ?? 0;
      return { groups: groups.slice(from, from + (limit ?? 50)), total: groups.length };
    },
    embeddings: ({ runId, step, kind }): EmbeddingPoint[] => {
      const id = parseRunId(runId);
      const samples = new Map(store.samples.ofStep(id, step).map((s) => [s.id, s]));
      return store.embeddings.ofStep(id, step, kind).map((e) => {
        const s = samples.get(e.sampleId);
        return { sampleId: e.sampleId, groupIndex: s?.promptIndex ?? -1, correct: s?.correct ?? false, x: e.x, y: e.y, reward: s?.reward ?? e.reward, length: s?.length ?? 0 };
      });
    },
  };
}

export function toSampleRow(s: Sample): SampleRow {
  return {
    id: s.id, step: s.step, groupIndex: s.promptIndex, sampleIndex: s.sampleIndex, completion: s.completion,
    reward: s.reward, components: s.rewardComponents, advantage: s.advantage ?? 0, correct: s.correct ?? false,
    length: s.length, truncated: s.truncated, contrastiveReward: s.contrastiveReward,
  };
}

function groupSamples(rows: Sample[], answers?: Map<number, string>): SampleGroup[] {
  const byGroup = new Map<number, Sample[]>();
  for (const r of rows) {
    const g = byGroup.get(r.promptIndex);
    if (g) g.push(r); else byGroup.set(r.promptIndex, [r]);
  }
  return [...byGroup.entries()].sort((a, b) => a[0] - b[0]).map(([groupIndex, ss]) => ({
    step: ss[0]!.step, groupIndex, prompt: ss[0]!.prompt, answer: answers?.get(groupIndex) ?? '',
    zeroVariance: ss.every((s) => s.reward === ss[0]!.reward),
    samples: ss.sort((a, b) => a.sampleIndex - b.sampleIndex).map(toSampleRow),
  }));
}

/** Relays a trainer's messages to API events (wired by whoever creates the Supervisor). */
export function relayTrainerMessage(emit: RunsServiceDeps['emit'], runId: number, msg: TrainerToSupervisor): void {
  const id = String(runId);
  if (msg.type === 'step') emit('run.step', { runId: id, step: msg.step, totalSteps: msg.totalSteps, time: msg.time, metrics: msg.metrics });
  else if (msg.type === 'status' || msg.type === 'exit') emit('run.status', { runId: id, status: msg.status, error: msg.error });
  else emit('run.event', { runId: id, level: msg.level, kind: msg.kind, message: msg.message });
}
