/**
 * Web mode's model upload: `POST /api/models.upload`, the GGUF file as the raw
 * body (application/octet-stream, its name in `X-Clipo-Filename`), behind the
 * same Host/Origin/token guard as every API call. Streamed to
 * `<dataDir>/models/uploaded/<name>` (the library keeps pointing at it, so it
 * stays), refused past `maxBytes` or when the disk has less room than the
 * declared size, then added with models.add; a file the library refuses (not a
 * GGUF) is removed again. The browser twin of Electron's models.pickFile.
 */
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import type { ApiRouter } from '../api/router.js';
import { receiveBody, type UploadOutcome } from './uploadDataset.js';

export const MODEL_UPLOAD_PATH = '/api/models.upload';
/** GGUF models of the sizes this app trains (≤ 8B at Q8) fit; larger ones belong on the desktop app's picker. */
export const DEFAULT_MAX_MODEL_UPLOAD_BYTES = 32 * 1024 ** 3;

const failure = (status: number, message: string, code: 'invalid_argument' | 'unavailable' = 'invalid_argument'): UploadOutcome =>
  ({ status, body: { ok: false, error: { code, message } } });

export function safeModelName(raw: string): string | null {
  let name: string;
  try { name = decodeURIComponent(raw); } catch { return null; }
  name = basename(name.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._ ()-]/g, '_').slice(-160);
  return /^[A-Za-z0-9]/.test(name) && /\.gguf$/i.test(name) ? name : null;
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

export async function handleModelUpload(req: IncomingMessage, o: { dataDir: string; route: ApiRouter; maxBytes: number }): Promise<UploadOutcome> {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/octet-stream')) {
    req.resume();
    return failure(415, 'Upload the model as application/octet-stream.');
  }
  const name = safeModelName(String(req.headers['x-clipo-filename'] ?? ''));
  if (!name) { req.resume(); return failure(400, 'Choose a .gguf model file (other formats cannot be trained here; convert it to GGUF with llama.cpp first).'); }
  const tooLarge = `The model is larger than the ${gib(o.maxBytes)} upload limit; use the desktop app's file picker, which reads it in place.`;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > o.maxBytes) return { ...failure(413, tooLarge), close: true };
  const dir = join(o.dataDir, 'models', 'uploaded');
  mkdirSync(dir, { recursive: true });
  if (Number.isFinite(declared)) {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    if (declared > free) return { ...failure(507, `The data folder's disk has ${gib(free)} free and the model needs ${gib(declared)}: free some space, then upload again.`, 'unavailable'), close: true };
  }
  // Never overwrite a model the library already points at: "name (2).gguf", ...
  let path = join(dir, name);
  for (let i = 2; existsSync(path) && i < 1000; i++) path = join(dir, name.replace(/\.gguf$/i, ` (${i}).gguf`));
  let keep = false;
  try {
    const received = await receiveBody(req, path, o.maxBytes);
    if (received === 0) return failure(400, 'The uploaded file is empty: choose the .gguf file again.');
    const r = await o.route('models.add', { path });
    keep = r.ok;
    return { status: 200, body: r };
  } catch (err) {
    if ((err as { tooLarge?: boolean }).tooLarge) return failure(413, tooLarge);
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return failure(507, 'The disk filled up during the upload: free some space and upload again.', 'unavailable');
    return failure(400, `The upload did not finish (${err instanceof Error ? err.message : String(err)}); upload it again.`, 'unavailable');
  } finally {
    if (!keep) rmSync(path, { force: true });
  }
}
