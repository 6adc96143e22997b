/**
 * Child-process entry of inspectGgufIsolated. Two ways in:
 *  - `node inspectChild.js <path>` (execFile, Node hosts): prints one JSON line
 *    ({ ok, value } or { ok: false, message, code }) on stdout;
 *  - started by a TrainerSpawner with no argument (Electron's utilityProcess:
 *    with the RunAsNode fuse off, process.execPath cannot be run as Node): waits
 *    for `{ type: 'inspect', path }` and answers `{ type: 'inspected', ... }` over
 *    the parent port (or process.send).
 * Whatever the file does to the reader (a FIFO that never delivers, a huge
 * metadata array), it happens in this process, bounded by the parent's timeout
 * and this process's heap.
 */
import { inspectGguf } from './inspectGguf.js';

type Answer = { ok: true; value: unknown } | { ok: false; message: string; code: string };

function inspect(path: string): Answer {
  try {
    return { ok: true, value: inspectGguf(path) };
  } catch (e) {
    const err = e as { message?: string; code?: string };
    return { ok: false, message: err.message ?? String(e), code: typeof err.code === 'string' ? err.code : 'E_FORMAT' };
  }
}

interface ParentPort { postMessage(m: unknown): void; on(e: 'message', cb: (ev: { data: unknown }) => void): void }
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const path = process.argv[2];

if (path !== undefined) {
  process.stdout.write(JSON.stringify(inspect(path)) + '\n', () => process.exit(0));
} else {
  const onMessage = (m: unknown) => {
    const req = m as { type?: unknown; path?: unknown } | null;
    if (req?.type !== 'inspect' || typeof req.path !== 'string') return;
    const answer = { type: 'inspected', ...inspect(req.path) };
    if (parentPort) { parentPort.postMessage(answer); setTimeout(() => process.exit(0), 50); }
    else process.send?.(answer, () => process.exit(0));
  };
  if (parentPort) parentPort.on('message', (ev) => onMessage(ev.data));
  else process.on('message', onMessage);
}
