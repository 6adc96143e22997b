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
  /** Gives up after this long (default 30 s). */
  timeoutMs?: number;
}

export async function listRepoFiles(o: ListRepoFilesOptions): Promise<string[]> {
  const url = hubRepoApiUrl(o.repo, o.revision, o.endpoint ?? HUB_ENDPOINT);
  const headers: Record<string, string> = { 'user-agent': 'clipo-workbench', accept: 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  // Bounded: a stalled connection must not leave the picker spinning.
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 30_000);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await (o.fetchImpl ?? fetch)(url, { headers, redirect: 'follow', signal });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    // undici says only "fetch failed"; the reason is in `cause` (ENOTFOUND, ECONNREFUSED, a TLS error...).
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = timeout.aborted ? `no answer within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s` : cause?.code ?? cause?.message ?? (err as Error).message;
    throw Object.assign(new Error(`cannot reach ${new URL(url).host} to list ${o.repo} (${why}); check your network connection or proxy, then try again`), { code: 'unavailable' });
  }
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
