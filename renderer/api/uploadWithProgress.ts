/**
 * Web mode's uploads (a dataset, a model) as the raw body of one POST, sent
 * with XMLHttpRequest because fetch reports no upload progress: `onprogress`
 * gets the bytes sent so far, and aborting `signal` cancels the request (the
 * server then removes what it had received). The file is streamed by the
 * browser, never read into memory here.
 */
import { ApiError, type ApiResult } from '../../main/api/contract/index.js';
import { currentWebToken } from './webToken.js';

export interface UploadProgress { loaded: number; total: number }
export interface UploadOptions {
  onprogress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
}

/** Rejected with this when the user cancelled (signal aborted): nothing to report as an error. */
export class UploadCancelled extends Error {
  constructor() { super('Upload cancelled.'); this.name = 'UploadCancelled'; }
}

export function uploadWithProgress<T>(url: string, file: File, headers: Record<string, string>, opts: UploadOptions = {}): Promise<T> {
  const token = currentWebToken();
  if (!token) return Promise.reject(new ApiError({ code: 'unauthorized', message: 'No access token in this tab: open the URL printed by `npm run web`.' }));
  if (opts.signal?.aborted) return Promise.reject(new UploadCancelled());
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('X-Clipo-Filename', encodeURIComponent(file.name));
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.withCredentials = false;
    const onAbort = () => xhr.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => opts.signal?.removeEventListener('abort', onAbort);
    xhr.upload.onprogress = (e) => opts.onprogress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onabort = () => { done(); reject(new UploadCancelled()); };
    xhr.onerror = () => { done(); reject(new ApiError({ code: 'unavailable', message: 'The upload did not reach the workbench server. Is `npm run web` still running?' })); };
    xhr.onload = () => {
      done();
      let body: ApiResult<T> | null = null;
      try { body = JSON.parse(xhr.responseText) as ApiResult<T>; } catch { /* not JSON: reported below */ }
      if (body && body.ok) resolve(body.value);
      else reject(new ApiError(body && !body.ok ? body.error : { code: 'internal', message: `The server answered ${xhr.status} to the upload.` }));
    };
    xhr.send(file);
  });
}
