/**
 * Entry point of a tool process: one export, evaluation or prompt measurement (toolProtocol.ts),
 * started like a trainer (child_process.fork, or Electron's utilityProcess).
 * Loads the engine and node-llama-cpp here, never in the UI process.
 */
import { Store } from '../store/index.js';
import { exportRun } from './export/exportRun.js';
import { evaluateRun } from './eval/evaluateRun.js';
import { promptStats } from './promptStats.js';
import { playgroundChat } from './playground/playgroundChat.js';
import type { RewardSpec } from '../rl/verifiers/scoreCompletion.js';
import type { ToolJob, ToolMessage } from './toolProtocol.js';

interface ParentPort { postMessage(m: unknown): void; on(e: 'message', cb: (ev: { data: unknown }) => void): void }
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const send = (m: ToolMessage) => { if (parentPort) parentPort.postMessage(m); else process.send?.(m); };
const ac = new AbortController();
let started = false;

async function run(job: ToolJob): Promise<void> {
  let store: Store | null = null;
  try {
    if (job.type === 'promptStats') {
      send({ type: 'result', value: await promptStats({ modelPath: job.modelPath, prompts: job.prompts, chatTemplate: job.chatTemplate }) });
      return;
    }
    store = Store.open(job.dbPath);
    if (job.type === 'playground') {
      const { type: _t, dbPath: _d, ...rest } = job;
      send({ type: 'result', value: await playgroundChat({
        ...rest, store, signal: ac.signal,
        onText: (pane, text) => send({ type: 'chunk', pane, text }),
        onDone: (pane, r) => send({ type: 'paneDone', pane, ...r }),
      }) });
    } else if (job.type === 'export') {
      const a = job.args;
      send({ type: 'result', value: await exportRun({ store, dataDir: job.dataDir, runId: a.runId, format: a.format, outDir: a.outDir, overwrite: a.overwrite ?? false, ...(a.checkpoint !== undefined ? { checkpoint: a.checkpoint } : {}) }) });
    } else if (job.type === 'evaluate') {
      const r = await evaluateRun({ ...job.options, store, dataDir: job.dataDir, signal: ac.signal, onProgress: (p) => send({ type: 'progress', ...p }) });
      send({ type: 'result', value: { complete: r.complete, problems: r.problems, metrics: r.metrics, checkpointStep: r.checkpointStep, gradedBy: r.gradedBy, rows: r.rows } });
    } else {
      const a = job.args;
      const r = await evaluateRun({
        store, dataDir: job.dataDir, runId: a.runId, checkpoint: a.checkpoint, dataset: a.dataset, k: a.k, temperature: a.temperature, signal: ac.signal,
        ...(a.limit !== undefined ? { limit: a.limit } : {}), ...(a.reward ? { reward: a.reward as RewardSpec } : {}), onProgress: (p) => send({ type: 'progress', ...p }),
      });
      send({ type: 'result', value: { complete: r.complete, problems: r.problems, metrics: r.metrics, checkpointStep: r.checkpointStep, gradedBy: r.gradedBy } });
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    send({ type: 'error', message: err.message, code: typeof err.code === 'string' ? err.code : 'internal' });
  } finally {
    store?.close();
    setTimeout(() => process.exit(0), 50);
  }
}

function onMessage(raw: unknown): void {
  const m = raw as ToolJob | { type: 'stop' };
  if (m.type === 'stop') ac.abort();
  else if (!started && (m.type === 'export' || m.type === 'eval' || m.type === 'evaluate' || m.type === 'promptStats' || m.type === 'playground')) { started = true; void run(m); }
}
if (parentPort) parentPort.on('message', (ev) => onMessage(ev.data));
else {
  process.on('message', onMessage);
  // The parent is gone (tools run in their own process group, so its Ctrl+C does not reach us): an
  // evaluation saves what it has and stops; nothing waits for an export any more. Bounded either way.
  process.on('disconnect', () => { ac.abort(); setTimeout(() => process.exit(1), 10_000).unref(); });
}
