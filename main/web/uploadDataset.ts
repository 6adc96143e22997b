/**
 * Web mode's dataset upload: `POST /api/datasets.upload` with the file as the
 * raw body (application/octet-stream; its name in `X-Clipo-Filename`, URI
 * encoded), behind the same Host/Origin/token guard as every API call. The
 * body is streamed to `<dataDir>/uploads/` (never held in memory), refused
 * past `maxBytes` (413, before reading when Content-Length says so), then
 * imported with datasets.importFile; the upload itself is removed afterwards
 * (the import keeps its own copy). Browsers have no file paths, so this is the
 * web twin of Electron's file picker.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import type { ApiResult } from '../api/contract/index.js';
import type { ApiRouter } from '../api/router.js';

export const UPLOAD_PATH = '/api/datasets.upload';
export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

/** `close`: the rest of the body is not read, so the connection is closed once the answer is out. */
export type UploadOutcome = { status: number; body: ApiResult<unknown>; close?: boolean };

const failure = (status: number, message: string, code: 'invalid_argument' | 'unavailable' = 'invalid_argument'): UploadOutcome =>
  ({ status, body: { ok: false, error: { code, message } } });

/** A file name safe as one path segment (the browser's name, stripped of folders and odd characters). */
export function safeUploadName(raw: string): string | null {
  let name: string;
  try { name = decodeURIComponent(raw); } catch { return null; }
  name = basename(name.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._ ()-]/g, '_').slice(-120);
  return /^[A-Za-z0-9]/.test(name) && /\.(jsonl|ndjson|json|csv|parquet)$/i.test(name) ? name : null;
}

export async function handleUpload(req: IncomingMessage, o: { dataDir: string; route: ApiRouter; maxBytes: number }): Promise<UploadOutcome> {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/octet-stream')) {
    req.resume();
    return failure(415, 'Upload the file as application/octet-stream.');
  }
  const name = safeUploadName(String(req.headers['x-clipo-filename'] ?? ''));
  if (!name) { req.resume(); return failure(400, 'Name the file in X-Clipo-Filename: a .jsonl, .csv or .parquet file.'); }
  const declared = Number(req.headers['content-length']);
  const limit = `${(o.maxBytes / 1024 ** 2).toFixed(0)} MiB`;
  if (Number.isFinite(declared) && declared > o.maxBytes) {
    return { ...failure(413, `The file is larger than the ${limit} upload limit; use the desktop app's file picker or split the file.`), close: true };
  }
  const dir = join(o.dataDir, 'uploads', randomBytes(8).toString('hex'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  try {
    const received = await receiveBody(req, path, o.maxBytes);
    if (received === 0) return failure(400, 'The uploaded file is empty.');
    const datasetName = req.headers['x-clipo-dataset-name'];
    const args: Record<string, unknown> = { path };
    if (typeof datasetName === 'string' && datasetName) { try { args.name = decodeURIComponent(datasetName); } catch { /* keep the file's name */ } }
    return { status: 200, body: await o.route('datasets.importFile', args) };
  } catch (err) {
    if ((err as { tooLarge?: boolean }).tooLarge) return failure(413, `The file is larger than the ${limit} upload limit; use the desktop app's file picker or split the file.`);
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return failure(507, 'The disk is full: free some space and upload again.', 'unavailable');
    return failure(400, `The upload failed: ${err instanceof Error ? err.message : String(err)}`, 'unavailable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Streams the request body into `path` (backpressure kept), rejecting with `tooLarge` past `maxBytes`.
 * A browser that cancels (or drops) the upload closes the request before its end: that rejects too,
 * and every rejection waits until the file is closed, so the caller's cleanup removes a finished
 * partial file (not one still being opened or written).
 */
export function receiveBody(req: IncomingMessage, path: string, maxBytes: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const out = createWriteStream(path);
    let size = 0;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      req.destroy();
      out.destroy();
      if (out.closed) reject(e); else out.once('close', () => reject(e));
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) { fail(Object.assign(new Error('too large'), { tooLarge: true })); return; }
      if (!out.write(chunk)) { req.pause(); out.once('drain', () => req.resume()); }
    });
    req.on('end', () => out.end(() => { if (!settled) { settled = true; resolve(size); } }));
    req.on('close', () => { if (!req.complete) fail(new Error('the upload was cancelled or interrupted')); });
    req.on('error', fail);
    out.on('error', fail);
  });
}
