/**
 * inspectGguf in a child process, for files the user points at (untrusted): a
 * FIFO or a stalled network file cannot block the caller's event loop (the API
 * server, Electron's main process), a crafted header that asks for gigabytes of
 * metadata cannot take the caller's memory, and a slow read is cut off. The
 * child is killed after `timeoutMs`; every failure is a GgufError.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GgufModelSummary } from './inspectGguf.js';
import { GgufError } from './readGguf.js';

const SIBLING = fileURLToPath(new URL('./inspectChild.js', import.meta.url));
/** The compiled child next to this file; from TypeScript sources (tests), the build output's copy. */
const CHILD = existsSync(SIBLING) ? SIBLING : SIBLING.replace(/([\\/])main([\\/]models[\\/]gguf[\\/])/, '$1dist$1main$2');

export interface IsolatedInspectOptions {
  /** Default 15 s: reading a header is milliseconds; a FIFO or a hung network drive never finishes. */
  timeoutMs?: number;
  /** V8 heap of the child, MiB. Default 512 (a 150k-token vocabulary takes tens of MiB). */
  maxHeapMb?: number;
}

export function inspectGgufIsolated(path: string, o: IsolatedInspectOptions = {}): Promise<GgufModelSummary> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [`--max-old-space-size=${o.maxHeapMb ?? 512}`, CHILD, path], {
      timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    }, (err, stdout) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        try {
          const r = JSON.parse(line) as { ok: true; value: GgufModelSummary } | { ok: false; message: string; code: string };
          if (r.ok) { resolve(r.value); return; }
          reject(new GgufError(r.message, r.code === 'E_IO' ? 'E_IO' : 'E_FORMAT'));
          return;
        } catch { /* fall through: a cut-off line */ }
      }
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
      if (e?.killed || e?.signal === 'SIGKILL') {
        reject(new GgufError(`reading ${path} did not finish in ${Math.round(timeoutMs / 1000)} s (a pipe, a device or an unreachable drive?); choose a regular GGUF file`, 'E_IO'));
      } else {
        reject(new GgufError(`${path} could not be inspected: the reader ran out of memory or failed (${e?.message?.split('\n')[0] ?? 'no output'}); the file is probably corrupt`, 'E_FORMAT'));
      }
    });
  });
}
