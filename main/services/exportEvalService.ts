/**
 * runs.export, runs.evaluate and runs.evaluations (docs/EXPORT.md). Export and
 * evaluation need the engine and node-llama-cpp, so each runs in a tool
 * process (main/trainer/toolMain.ts) started like a trainer: the UI process
 * never loads native code, and a native crash loses only that job. Evaluation
 * progress and results arrive as `run.event` events (kind `eval`); results are
 * stored in the evaluations table and read back by runs.evaluations.
 */
import type { ApiEvents, EvaluationRow, ExportResult } from '../api/contract/index.js';
import type { Evaluation, Store } from '../store/index.js';
import type { TrainerHandle, TrainerSpawner } from '../trainer/Supervisor.js';
import { isToolMessage, TOOL_ENTRY, type ToolJob, type ToolMessage } from '../trainer/toolProtocol.js';
import type { RunsService } from './createHandlers.js';
import { parseRunId } from './toRunSummary.js';
import { forkToolSpawner } from './toolSpawner.js';
import { describeGrading } from '../rewards/describeGrading.js';

export interface ExportEvalDeps {
  store: Store;
  dbPath: string;
  dataDir: string;
  emit: <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;
  spawn?: TrainerSpawner;
  entry?: string;
  /** An export still running after this long is killed (default 2 h: a merged 8B model takes minutes, not hours). */
  exportTimeoutMs?: number;
  /** How long a cancelled evaluation may take to save what it has before it is killed (default 10 s). */
  stopGraceMs?: number;
}

export function toEvaluationRow(e: Evaluation): EvaluationRow {
  return {
    id: e.id, runId: e.runId === null ? null : String(e.runId), checkpoint: e.checkpointStep === null ? 'base' : e.checkpointStep,
    dataset: e.dataset, split: e.split, metric: e.metric, k: e.k ?? 1, value: e.value, n: e.n, createdAt: e.createdAt,
  };
}

export function createExportEvalService(d: ExportEvalDeps): Pick<RunsService, 'export' | 'evaluate' | 'evaluations' | 'cancelJob'> & { dispose(): void } {
  const running = new Set<number>();
  /** Live tool processes by `<runId>:<kind>`, with what cancelling each means. */
  const jobs = new Map<string, { cancel: () => void }>();
  const startJob = (job: ToolJob, onMessage: (m: ToolMessage) => void, onExit: (code: number | null, signal: string | null) => void): TrainerHandle => {
    const h = (d.spawn ?? forkToolSpawner())(d.entry ?? TOOL_ENTRY);
    h.onMessage((m) => { if (isToolMessage(m)) onMessage(m); });
    h.onExit(onExit);
    h.send(job as never);
    return h;
  };
  const failure = (message: string, code: string) => Object.assign(new Error(message), { code });

  return {
    export: (args) => {
      const runId = parseRunId(args.runId);
      d.store.runs.get(runId); // NOT_FOUND before any process starts
      const key = `${runId}:export`;
      if (jobs.has(key)) throw failure(`an export of run ${runId} is already running; wait for it or cancel it`, 'conflict');
      return new Promise<ExportResult>((resolve, reject) => {
        let settled = false;
        const settle = (fn: () => void) => { if (settled) return; settled = true; clearTimeout(timer); jobs.delete(key); fn(); };
        const h = startJob({ type: 'export', dbPath: d.dbPath, dataDir: d.dataDir, args: { ...args, runId } }, (m) => {
          if (m.type === 'result') settle(() => {
            const r = m.value as ExportResult;
            // In the run's event log too, so the dashboard shows what was exported where.
            try {
              const message = `exported ${args.format}${args.checkpoint === undefined ? '' : ` after step ${args.checkpoint + 1}`}: ${r.files.length} file(s) in ${args.outDir}`;
              d.store.events.add(runId, { step: args.checkpoint ?? null, level: 'info', kind: 'export', message });
              d.emit('run.event', { runId: String(runId), level: 'info', kind: 'export', message });
            } catch { /* the export succeeded; the log row is secondary */ }
            resolve(r);
          });
          else if (m.type === 'error') settle(() => reject(failure(m.message, m.code)));
        }, (code, signal) => {
          // A native abort here comes from the files (a crafted model or a damaged checkpoint), not from a bug in the call.
          settle(() => reject(failure(`the export process ended unexpectedly (${signal ?? `exit ${code}`}); the model or checkpoint may be damaged; the details are in the app's log`, 'unavailable')));
        });
        // Export writes synchronously (no step to stop at): the only bounded way out is to kill the group.
        const partial = `files written so far may remain in ${args.outDir}; export again with Overwrite`;
        const timeoutMs = d.exportTimeoutMs ?? 2 * 3600_000;
        const timer = setTimeout(() => {
          h.kill('SIGKILL');
          settle(() => reject(failure(`the export did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped; ${partial}`, 'unavailable')));
        }, timeoutMs);
        jobs.set(key, {
          cancel: () => { h.kill('SIGKILL'); settle(() => reject(failure(`the export was cancelled; ${partial}`, 'unavailable'))); },
        });
      });
    },

    cancelJob: ({ runId, job }) => {
      const entry = jobs.get(`${parseRunId(runId)}:${job}`);
      entry?.cancel();
      return { cancelled: entry !== undefined };
    },

    evaluate: (args) => {
      const runId = parseRunId(args.runId);
      const run = d.store.runs.get(runId);
      if (running.has(runId)) throw failure(`an evaluation of run ${runId} is already running; wait for it to finish`, 'conflict');
      running.add(runId);
      const ev = (level: 'info' | 'warn' | 'error', message: string) => {
        d.emit('run.event', { runId: String(runId), level, kind: 'eval', message });
        // Start, end and failure are kept in the run's event log (progress ticks only go to open windows).
        if (!/^evaluat(ing|ion progress)/.test(message)) { try { d.store.events.add(runId, { level, kind: 'eval', message }); } catch { /* secondary */ } }
      };
      const runReward = (JSON.parse(run.recipeJson) as { reward?: { components?: { name: string; params?: object }[] } }).reward;
      const gradedBy = describeGrading(args.reward ?? { components: runReward?.components ?? [{ name: 'boxedMath' }] }, args.reward !== undefined);
      const what = `checkpoint ${args.checkpoint} on ${args.dataset.kind === 'builtin' ? args.dataset.task : args.dataset.kind === 'dataset' ? `${args.dataset.name}/${args.dataset.split}` : args.dataset.path} (k=${args.k}, T=${args.temperature}), graded by ${gradedBy}`;
      ev('info', `evaluation started: ${what}`);
      let lastEmit = 0;
      let finished = false;
      const key = `${runId}:evaluate`;
      let killTimer: NodeJS.Timeout | undefined;
      const h = startJob({ type: 'eval', dbPath: d.dbPath, dataDir: d.dataDir, args: { ...args, runId } }, (m) => {
        if (m.type === 'progress') {
          const now = Date.now();
          if (now - lastEmit > 500 || (m.total !== null && m.done === m.total)) {
            lastEmit = now;
            ev('info', `evaluating: ${m.done}${m.total ? `/${m.total}` : ''} problems, accuracy ${(m.samples ? m.correct / m.samples : 0).toFixed(3)}`);
          }
        } else if (m.type === 'result') {
          finished = true;
          const r = m.value as { complete: boolean; problems: number; metrics: Record<string, number> };
          ev('info', `evaluation ${r.complete ? 'finished' : 'stopped'}: ${what}: ${Object.entries(r.metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(', ')} over ${r.problems} problems`);
        } else if (m.type === 'error') { finished = true; ev('error', `evaluation failed: ${m.message}`); }
      }, (code, signal) => {
        running.delete(runId);
        jobs.delete(key);
        clearTimeout(killTimer);
        if (!finished) ev('error', `evaluation process ended unexpectedly (${signal ?? `exit ${code}`}); run it again to continue where it stopped`);
      });
      // Cancel asks the tool to stop (it saves the problems done so far), then kills the group if it does not.
      jobs.set(key, {
        cancel: () => {
          ev('info', 'evaluation cancel requested; saving the problems done so far');
          h.send({ type: 'stop' } as never);
          killTimer ??= setTimeout(() => h.kill('SIGKILL'), d.stopGraceMs ?? 10_000);
        },
      });
      return { started: true as const };
    },

    evaluations: (args) => d.store.evaluations.ofRun(parseRunId(args.runId)).map(toEvaluationRow),

    /** On shutdown: no tool process outlives the app (exports are killed, evaluations asked to stop). */
    dispose: () => { for (const job of [...jobs.values()]) job.cancel(); },
  };
}
