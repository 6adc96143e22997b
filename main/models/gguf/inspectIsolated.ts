/**
 * inspectGguf in a child process, for files the user points at (untrusted): a
 * FIFO or a stalled network file cannot block the caller's event loop (the API
 * server, Electron's main process), a crafted header that asks for gigabytes of
 * metadata cannot take the caller's memory, and a slow read is cut off. The
 * child is killed after `timeoutMs`; every failure is a GgufError.
 *
 * Two ways to start the child. In Node (CLI, web server): execFile of
 * process.execPath with a heap limit. In Electron the RunAsNode fuse is off
 * (electron-builder.yml), so process.execPath is the app, not a Node, and
 * ELECTRON_RUN_AS_NODE is ignored: the caller passes `spawn`, a TrainerSpawner
 * (utilityProcess.fork: main/electron/utilityTrainerSpawner.ts), and the child
 * answers over its parent port (inspectChild.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrainerSpawner } from '../../trainer/Supervisor.js';
import type { GgufModelSummary } from './inspectGguf.js';
import { GgufError } from './readGguf.js';

const SIBLING = fileURLToPath(new URL('./inspectChild.js', import.meta.url));
/** The compiled child next to this file; from TypeScript sources (tests), the build output's copy. */
export const INSPECT_CHILD = existsSync(SIBLING) ? SIBLING : SIBLING.replace(/([\\/])main([\\/]models[\\/]gguf[\\/])/, '$1dist$1main$2');

export interface IsolatedInspectOptions {
  /** Default 15 s: reading a header is milliseconds; a FIFO or a hung network drive never finishes. */
  timeoutMs?: number;
  /** V8 heap of the child, MiB (execFile path). Default 512 (a 150k-token vocabulary takes tens of MiB). */
  maxHeapMb?: number;
  /** Start the child with this instead of execFile (required in Electron: utilityProcess). */
  spawn?: TrainerSpawner;
}

type Answer = { ok: true; value: GgufModelSummary } | { ok: false; message: string; code: string };

const timedOut = (path: string, timeoutMs: number) =>
  new GgufError(`reading ${path} did not finish in ${Math.round(timeoutMs / 1000)} s (a pipe, a device or an unreachable drive?); choose a regular GGUF file`, 'E_IO');
const died = (path: string, how: string) =>
  new GgufError(`${path} could not be inspected: the reader ran out of memory or failed (${how}); the file is probably corrupt`, 'E_FORMAT');
const fromAnswer = (r: Answer): GgufModelSummary => {
  if (r.ok) return r.value;
  throw new GgufError(r.message, r.code === 'E_IO' ? 'E_IO' : 'E_FORMAT');
};

export function inspectGgufIsolated(path: string, o: IsolatedInspectOptions = {}): Promise<GgufModelSummary> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  if (o.spawn) return viaSpawner(o.spawn, path, timeoutMs);
  if (process.versions.electron) {
    // Never reached in the app (main/electron passes its utilityProcess spawner); a caller that forgot would start a second app.
    return Promise.reject(new GgufError('internal: in Electron, inspectGgufIsolated needs a utilityProcess spawner (RunAsNode is off)', 'E_IO'));
  }
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [`--max-old-space-size=${o.maxHeapMb ?? 512}`, INSPECT_CHILD, path], {
      timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
    }, (err, stdout) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        let r: Answer | undefined;
        try { r = JSON.parse(line) as Answer; } catch { /* fall through: a cut-off line */ }
        if (r) { try { resolve(fromAnswer(r)); } catch (e) { reject(e); } return; }
      }
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
      if (e?.killed || e?.signal === 'SIGKILL') reject(timedOut(path, timeoutMs));
      else reject(died(path, e?.message?.split('\n')[0] ?? 'no output'));
    });
  });
}

function viaSpawner(spawn: TrainerSpawner, path: string, timeoutMs: number): Promise<GgufModelSummary> {
  return new Promise((resolve, reject) => {
    const h = spawn(INSPECT_CHILD);
    let done = false;
    const finish = (fn: () => void) => { if (done) return; done = true; clearTimeout(timer); fn(); };
    const timer = setTimeout(() => { h.kill('SIGKILL'); finish(() => reject(timedOut(path, timeoutMs))); }, timeoutMs);
    h.onMessage((m) => {
      const r = m as (Answer & { type?: unknown }) | null;
      if (r?.type !== 'inspected') return;
      finish(() => { try { resolve(fromAnswer(r)); } catch (e) { reject(e); } });
    });
    h.onExit((code, signal) => finish(() => reject(died(path, signal ?? `exit ${code}`))));
    h.send({ type: 'inspect', path } as never);
  });
}
