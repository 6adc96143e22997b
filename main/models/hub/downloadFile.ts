/**
 * Downloads one large file over HTTP(S), the way a desktop app must: streamed
 * to `<dest>.part` (never held in memory), resumable with a Range request after
 * an interruption, progress reported, and verified against the SHA-256 the Hub
 * sends for LFS files (`x-linked-etag`) before the file is renamed into place.
 * A mismatch deletes the partial file and fails; nothing half-downloaded ever
 * sits at `dest`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export interface DownloadProgress { received: number; total: number | null }

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Sent as `Authorization: Bearer …` (gated models). */
  token?: string;
  /** Expected SHA-256 (hex); when absent, the server's `x-linked-etag`/`etag` is used if it looks like one. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
}

export interface DownloadResult { path: string; bytes: number; sha256: string; resumedFrom: number }

const SHA256 = /^[0-9a-f]{64}$/;

function expectedHash(headers: Headers, given?: string): string | null {
  if (given) return given.toLowerCase();
  for (const h of ['x-linked-etag', 'etag']) {
    const v = headers.get(h)?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
    if (v && SHA256.test(v)) return v;
  }
  return null;
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

export async function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  const part = `${o.dest}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = { 'user-agent': 'clipo-workbench' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (have > 0) headers.range = `bytes=${have}-`;
  const res = await (o.fetchImpl ?? fetch)(o.url, { headers, redirect: 'follow', ...(o.signal ? { signal: o.signal } : {}) });
  if (res.status === 401 || res.status === 403) {
    throw Object.assign(new Error(`access denied (${res.status}) for ${o.url}: the model may be gated; accept its licence on huggingface.co and set your access token in Settings`), { code: 'unauthorized' });
  }
  if (res.status === 404) throw Object.assign(new Error(`not found: ${o.url}; check the repo id, file name and revision`), { code: 'not_found' });
  if (res.status === 416 && have > 0) { rmSync(part, { force: true }); return downloadFile(o); } // stale partial larger than the file
  if (!res.ok || !res.body) throw Object.assign(new Error(`download failed: HTTP ${res.status} for ${o.url}`), { code: 'unavailable' });
  const resumed = res.status === 206 && have > 0;
  const start = resumed ? have : 0;
  const length = Number(res.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? start + length : null;
  const expected = expectedHash(res.headers, o.sha256);
  let received = start;
  let lastReport = 0;
  // Written chunk by chunk rather than through pipeline(): when the connection drops or the
  // download is cancelled, every byte already received still reaches the .part file (pipeline
  // would destroy the file stream and drop what it had buffered), so the resume loses nothing.
  const out = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
  let writeError: unknown = null;
  out.on('error', (err) => { writeError ??= err; });
  const drained = () => new Promise<void>((resolve) => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve(); };
    out.on('drain', done);
    out.on('close', done);
  });
  let failure: unknown = null;
  try {
    for await (const chunk of Readable.fromWeb(res.body as never) as AsyncIterable<Buffer>) {
      if (writeError) throw writeError;
      received += chunk.length;
      const now = Date.now();
      if (now - lastReport > 200) { lastReport = now; o.onProgress?.({ received, total }); }
      if (!out.write(chunk)) await drained();
    }
  } catch (err) {
    failure = err;
  }
  if (!out.destroyed) await new Promise<void>((resolve) => out.end(() => resolve()));
  if (writeError) throw writeError;
  if (failure) throw failure;
  o.onProgress?.({ received, total });
  if (total !== null && received !== total) {
    throw Object.assign(new Error(`download interrupted at ${received} of ${total} bytes; run it again to resume`), { code: 'unavailable' });
  }
  const sha256 = await hashFile(part);
  if (expected && sha256 !== expected) {
    rmSync(part, { force: true });
    throw Object.assign(new Error(`checksum mismatch for ${o.url}: expected sha256 ${expected}, got ${sha256}; the partial file was deleted, download again`), { code: 'unavailable' });
  }
  renameSync(part, o.dest);
  return { path: o.dest, bytes: received, sha256, resumedFrom: start };
}
