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
  fetchImpl?: typeof fetch;
}

/** The Hub to talk to: an explicit endpoint, else CLIPO_HF_ENDPOINT (a mirror, or the tests' fake hub), else huggingface.co. */
export function resolveHubEndpoint(explicit?: string): string {
  return explicit ?? process.env.CLIPO_HF_ENDPOINT ?? HUB_ENDPOINT;
}

/** Where a repo file lands: `<dataDir>/models/<owner>/<repo>/<file>`. */
export function modelDestination(dataDir: string, ref: HubFileRef): string {
  return join(dataDir, 'models', ...ref.repo.split('/'), ...ref.file.split('/'));
}

export async function downloadModel(o: DownloadModelOptions): Promise<{ path: string; alreadyThere: boolean }> {
  const url = hubFileUrl(o, resolveHubEndpoint(o.endpoint)); // validates repo and file
  const dest = modelDestination(o.dataDir, o);
  if (existsSync(dest)) return { path: dest, alreadyThere: true };
  mkdirSync(dirname(dest), { recursive: true });
  await downloadFile({ url, dest, ...(o.token ? { token: o.token } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}) });
  return { path: dest, alreadyThere: false };
}
