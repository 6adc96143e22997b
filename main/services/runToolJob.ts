/**
 * One tool job (main/trainer/toolMain.ts) in its own process group, awaited:
 * what `clipo eval` uses so a crafted model that makes llama.cpp or ggml abort
 * (issue 16: `clipo eval model.gguf` aborted the CLI itself) ends only the tool
 * process, and the caller gets a typed error in bounded time instead.
 *
 * Bounds: a tool that sends nothing (no progress, no result) for `idleTimeoutMs`
 * is killed with its group; a cancel (the signal) asks it to stop, then kills it
 * after `stopGraceMs` if it has not.
 */
import type { TrainerSpawner } from '../trainer/Supervisor.js';
import { isToolMessage, TOOL_ENTRY, type ToolJob, type ToolMessage } from '../trainer/toolProtocol.js';
import { forkToolSpawner } from './toolSpawner.js';

export interface RunToolJobOptions {
  /** What the job is, for messages ("the evaluation"). */
  what: string;
  onProgress?: (m: Extract<ToolMessage, { type: 'progress' }>) => void;
  signal?: AbortSignal;
  /** Default 10 min: loading an 8B model or one problem of k=16 × 1024 tokens on a CPU is minutes, not tens of them. */
  idleTimeoutMs?: number;
  /** Default 10 s: an evaluation saves the problems done so far and exits. */
  stopGraceMs?: number;
  spawn?: TrainerSpawner;
  entry?: string;
}

export type ToolJobError = Error & { code: string };
const failure = (message: string, code: string): ToolJobError => Object.assign(new Error(message), { code });

export function runToolJob<T>(job: ToolJob, o: RunToolJobOptions): Promise<T> {
  const idleMs = o.idleTimeoutMs ?? 10 * 60_000;
  return new Promise<T>((resolve, reject) => {
    const h = (o.spawn ?? forkToolSpawner())(o.entry ?? TOOL_ENTRY);
    let outcome: { ok: true; value: T } | { ok: false; error: ToolJobError } | null = null;
    let idle: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const kill = () => h.kill('SIGKILL'); // the spawner kills the whole group
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        outcome ??= { ok: false, error: failure(`${o.what} sent nothing for ${Math.round(idleMs / 1000)} s and was stopped (a model that loads forever, or a stuck process); try again, or a smaller model or --limit`, 'unavailable') };
        kill();
      }, idleMs);
    };
    const onAbort = () => {
      h.send({ type: 'stop' } as never);
      grace ??= setTimeout(kill, o.stopGraceMs ?? 10_000);
    };
    h.onMessage((raw) => {
      if (!isToolMessage(raw)) return;
      armIdle();
      if (raw.type === 'progress') { o.onProgress?.(raw); return; }
      if (raw.type === 'chunk' || raw.type === 'paneDone') return; // the playground's stream, not used by these jobs
      if (raw.type === 'result') outcome ??= { ok: true, value: raw.value as T };
      else outcome ??= { ok: false, error: failure(raw.message, raw.code) };
      // The tool exits 50 ms after its answer; one stuck in a native destructor is not waited for.
      clearTimeout(idle);
      idle = setTimeout(kill, 5_000);
    });
    h.onExit((code, signal) => {
      clearTimeout(idle);
      clearTimeout(grace);
      o.signal?.removeEventListener('abort', onAbort);
      if (outcome?.ok) resolve(outcome.value);
      else if (outcome) reject(outcome.error);
      // Ended without a word: a native abort or an out-of-memory kill, which comes from the files (a crafted
      // or damaged model, adapter or checkpoint), not from the call.
      else reject(failure(`${o.what} process ended unexpectedly (${signal ?? `exit ${code}`}); the model, adapter or checkpoint may be damaged (a crafted GGUF can make llama.cpp abort)`, 'unavailable'));
    });
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    armIdle();
    h.send(job as never);
  });
}
