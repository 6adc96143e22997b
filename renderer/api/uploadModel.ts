/**
 * Web mode's model upload and export download, the browser twins of Electron's
 * file and folder pickers: the model goes as the raw body of
 * POST /api/models.upload (streamed, with progress and cancel); an export
 * comes back from POST /api/runs.exportDownload as a ZIP the browser saves.
 */
import { ApiError, type ApiResult, type ExportFormat, type ModelInfo } from '../../main/api/contract/index.js';
import { currentWebToken } from './webToken.js';
import { uploadWithProgress, type UploadOptions } from './uploadWithProgress.js';

function token(): string {
  const t = currentWebToken();
  if (!t) throw new ApiError({ code: 'unauthorized', message: 'No access token in this tab: open the URL printed by `npm run web`.' });
  return t;
}
const unreachable = () => new ApiError({ code: 'unavailable', message: 'The request did not reach the workbench server. Is `npm run web` still running?' });

/** Streamed with progress and cancel (uploadWithProgress); the server removes a cancelled upload. */
export function uploadModel(file: File, opts: UploadOptions = {}): Promise<ModelInfo> {
  return uploadWithProgress<ModelInfo>('./api/models.upload', file, {}, opts);
}

/** Exports the run on the server and saves the files as one ZIP through the browser's download. Returns the file name. */
export async function downloadExport(args: { runId: string; format: ExportFormat; checkpoint?: number }): Promise<{ filename: string; bytes: number; files: number }> {
  let res: Response;
  try {
    res = await fetch('./api/runs.exportDownload', {
      method: 'POST', body: JSON.stringify(args), cache: 'no-store', credentials: 'omit',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token()}` },
    });
  } catch (e) { if (e instanceof ApiError) throw e; throw unreachable(); }
  if (!(res.headers.get('content-type') ?? '').startsWith('application/zip')) {
    const body = (await res.json().catch(() => null)) as ApiResult<never> | null;
    throw new ApiError(body && !body.ok ? body.error : { code: 'internal', message: `The server answered ${res.status} to the export.` });
  }
  const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.zip';
  let blob: Blob;
  try { blob = await res.blob(); } catch { throw new ApiError({ code: 'unavailable', message: 'The download broke off before the end; export again.' }); }
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url; a.download = filename; a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { filename, bytes: blob.size, files: Number(res.headers.get('x-clipo-files') ?? 0) };
}
