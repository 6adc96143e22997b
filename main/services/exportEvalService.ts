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
import { forkSpawner, type TrainerSpawner } from '../trainer/Supervisor.js';
import { isToolMessage, TOOL_ENTRY, type ToolJob, type ToolMessage } from '../trainer/toolProtocol.js';
import type { RunsService } from './createHandlers.js';
import { parseRunId } from './toRunSummary.js';

export interface ExportEvalDeps {
  store: Store;
  dbPath: string;
  dataDir: string;
  emit: <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;
  spawn?: TrainerSpawner;
  entry?: string;
}

export function toEvaluationRow(e: Evaluation): EvaluationRow {
  return {
    id: e.id, runId: e.runId === null ? null : String(e.runId), checkpoint: e.checkpointStep === null ? 'base' : e.checkpointStep,
    dataset: e.dataset, split: e.split, metric: e.metric, k: e.k ?? 1, value: e.value, n: e.n, createdAt: e.createdAt,
  };
}

export function createExportEvalService(d: ExportEvalDeps): Pick<RunsService, 'export' | 'evaluate' | 'evaluations'> {
  const running = new Set<number>();
  const startJob = (job: ToolJob, onMessage: (m: ToolMessage) => void, onExit: (code: number | null, signal: string | null) => void) => {
    const h = (d.spawn ?? forkSpawner())(d.entry ?? TOOL_ENTRY);
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
      return new Promise<ExportResult>((resolve, reject) => {
        let settled = false;
        startJob({ type: 'export', dbPath: d.dbPath, dataDir: d.dataDir, args: { ...args, runId } }, (m) => {
          if (m.type === 'result') {
            settled = true;
            const r = m.value as ExportResult;
            // In the run's event log too, so the dashboard shows what was exported where.
            try {
              const message = `exported ${args.format}${args.checkpoint === undefined ? '' : ` after step ${args.checkpoint + 1}`}: ${r.files.length} file(s) in ${args.outDir}`;
              d.store.events.add(runId, { step: args.checkpoint ?? null, level: 'info', kind: 'export', message });
              d.emit('run.event', { runId: String(runId), level: 'info', kind: 'export', message });
            } catch { /* the export succeeded; the log row is secondary */ }
            resolve(r);
          }
          else if (m.type === 'error') { settled = true; reject(failure(m.message, m.code)); }
        }, (code, signal) => {
          if (!settled) reject(failure(`the export process ended unexpectedly (${signal ?? `exit ${code}`})`, 'internal'));
        });
      });
    },

    evaluate: (args) => {
      const runId = parseRunId(args.runId);
      d.store.runs.get(runId);
      if (running.has(runId)) throw failure(`an evaluation of run ${runId} is already running; wait for it to finish`, 'conflict');
      running.add(runId);
      const ev = (level: 'info' | 'warn' | 'error', message: string) => {
        d.emit('run.event', { runId: String(runId), level, kind: 'eval', message });
        // Start, end and failure are kept in the run's event log (progress ticks only go to open windows).
        if (!/^evaluat(ing|ion progress)/.test(message)) { try { d.store.events.add(runId, { level, kind: 'eval', message }); } catch { /* secondary */ } }
      };
      const what = `checkpoint ${args.checkpoint} on ${args.dataset.kind === 'builtin' ? args.dataset.task : args.dataset.path} (k=${args.k}, T=${args.temperature})`;
      ev('info', `evaluation started: ${what}`);
      let lastEmit = 0;
      let finished = false;
      startJob({ type: 'eval', dbPath: d.dbPath, dataDir: d.dataDir, args: { ...args, runId } }, (m) => {
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
        } else { finished = true; ev('error', `evaluation failed: ${m.message}`); }
      }, (code, signal) => {
        running.delete(runId);
        if (!finished) ev('error', `evaluation process ended unexpectedly (${signal ?? `exit ${code}`}); run it again to continue where it stopped`);
      });
      return { started: true as const };
    },

    evaluations: (args) => d.store.evaluations.ofRun(parseRunId(args.runId)).map(toEvaluationRow),
  };
}
