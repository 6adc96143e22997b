/**
 * Web mode's dataset upload: the file goes as the raw body of
 * POST /api/datasets.upload (streamed by the browser, with progress and
 * cancel: uploadWithProgress), with the tab's token; the server saves it in
 * the data folder and imports it (datasets.importFile). Electron uses its
 * file picker instead.
 */
import type { DatasetDetail } from '../../main/api/contract/index.js';
import { uploadWithProgress, type UploadOptions } from './uploadWithProgress.js';

export function uploadDataset(file: File, name?: string, opts: UploadOptions = {}): Promise<DatasetDetail> {
  const headers: Record<string, string> = {};
  if (name) headers['X-Clipo-Dataset-Name'] = encodeURIComponent(name);
  return uploadWithProgress<DatasetDetail>('./api/datasets.upload', file, headers, opts);
}
