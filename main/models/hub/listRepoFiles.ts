/**
 * Lists a Hugging Face repo's files through the Hub API
 * (`GET /api/models/{repo}` → `{siblings: [{rfilename}]}`), so the user can
 * pick a GGUF instead of typing its exact name. Gated/private repos and
 * missing repos get the same actionable errors as downloads.
 */
import { HUB_ENDPOINT, hubRepoApiUrl } from './hubUrl.js';

export interface ListRepoFilesOptions {
  repo: string;
  revision?: string;
  token?: string;
  endpoint?: string;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export async function listRepoFiles(o: ListRepoFilesOptions): Promise<string[]> {
  const url = hubRepoApiUrl(o.repo, o.revision, o.endpoint ?? HUB_ENDPOINT);
  const headers: Record<string, string> = { 'user-agent': 'clipo-workbench', accept: 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await (o.fetchImpl ?? fetch)(url, { headers, redirect: 'follow', ...(o.signal ? { signal: o.signal } : {}) });
  if (res.status === 401 || res.status === 403) {
    throw Object.assign(new Error(`access denied (${res.status}) to ${o.repo}: the repo is gated or private; accept its licence on huggingface.co and set your access token in Settings`), { code: 'unauthorized' });
  }
  if (res.status === 404) throw Object.assign(new Error(`no repo ${o.repo}${o.revision ? ` at revision ${o.revision}` : ''} on the Hub; check the repo id (owner/name)`), { code: 'not_found', field: 'repo' });
  if (!res.ok) throw Object.assign(new Error(`listing ${o.repo} failed: HTTP ${res.status}`), { code: 'unavailable' });
  const body = (await res.json().catch(() => null)) as { siblings?: unknown } | null;
  if (!body || !Array.isArray(body.siblings)) throw Object.assign(new Error(`the Hub's answer for ${o.repo} has no file list`), { code: 'unavailable' });
  return body.siblings
    .map((s) => (typeof s === 'object' && s !== null ? (s as { rfilename?: unknown }).rfilename : undefined))
    .filter((f): f is string => typeof f === 'string')
    .sort();
}
