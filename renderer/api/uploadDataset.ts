/**
 * Web mode's dataset upload: the file goes as the raw body of
 * POST /api/datasets.upload (streamed by the browser, never read into a
 * string here), with the tab's token; the server saves it in the data folder
 * and imports it (datasets.importFile). Electron uses its file picker instead.
 */
import { ApiError, type ApiResult, type DatasetDetail } from '../../main/api/contract/index.js';
import { currentWebToken } from './webToken.js';

export async function uploadDataset(file: File, name?: string): Promise<DatasetDetail> {
  const token = currentWebToken();
  if (!token) throw new ApiError({ code: 'unauthorized', message: 'No access token in this tab: open the URL printed by `npm run web`.' });
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    Authorization: `Bearer ${token}`,
    'X-Clipo-Filename': encodeURIComponent(file.name),
  };
  if (name) headers['X-Clipo-Dataset-Name'] = encodeURIComponent(name);
  let res: Response;
  try {
    res = await fetch('./api/datasets.upload', { method: 'POST', headers, body: file, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError({ code: 'unavailable', message: 'The upload did not reach the workbench server. Is `npm run web` still running?' });
  }
  const body = (await res.json().catch(() => null)) as ApiResult<DatasetDetail> | null;
  if (body && body.ok) return body.value;
  throw new ApiError(body && !body.ok ? body.error : { code: 'internal', message: `The server answered ${res.status} to the upload.` });
}
