/**
 * Downloads a GGUF from a Hugging Face repo into the data folder
 * (`<dataDir>/models/<owner>/<repo>/<file>`), resuming a previous partial
 * download. The endpoint can be pointed at a mirror (CLIPO_HF_ENDPOINT).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { downloadFile, type DownloadProgress } from './downloadFile.js';
import { HUB_ENDPOINT, hubFileUrl, type HubFileRef } from './hubUrl.js';

export interface DownloadModelOptions extends HubFileRef {
  dataDir: string;
  token?: string;
  endpoint?: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

export async function downloadModel(o: DownloadModelOptions): Promise<{ path: string; alreadyThere: boolean }> {
  const url = hubFileUrl(o, o.endpoint ?? process.env.CLIPO_HF_ENDPOINT ?? HUB_ENDPOINT); // validates repo and file
  const dest = join(o.dataDir, 'models', ...o.repo.split('/'), ...o.file.split('/'));
  if (existsSync(dest)) return { path: dest, alreadyThere: true };
  mkdirSync(dirname(dest), { recursive: true });
  await downloadFile({ url, dest, ...(o.token ? { token: o.token } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  return { path: dest, alreadyThere: false };
}
