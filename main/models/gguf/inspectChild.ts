/**
 * Child-process entry of inspectGgufIsolated: inspects the file named in argv
 * and prints one JSON line ({ ok, value } or { ok: false, message, code }).
 * Whatever the file does to the reader (a FIFO that never delivers, a huge
 * metadata array), it happens in this process, bounded by the parent's timeout
 * and this process's heap limit.
 */
import { inspectGguf } from './inspectGguf.js';

const path = process.argv[2] ?? '';
let out: string;
try {
  out = JSON.stringify({ ok: true, value: inspectGguf(path) });
} catch (e) {
  const err = e as { message?: string; code?: string };
  out = JSON.stringify({ ok: false, message: err.message ?? String(e), code: typeof err.code === 'string' ? err.code : 'E_FORMAT' });
}
process.stdout.write(out + '\n', () => process.exit(0));
