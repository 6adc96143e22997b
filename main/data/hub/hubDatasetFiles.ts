/**
 * Which Parquet files hold a Hugging Face dataset's config and split. Hub
 * datasets come in two layouts this reads (huggingface_hub / datasets'
 * conventions, https://huggingface.co/docs/hub/datasets-file-names-and-splits,
 * https://huggingface.co/docs/dataset-viewer/parquet):
 *  - the repo's own Parquet files: `data/train-00000-of-00001.parquet`
 *    (default config), `main/test-00000-of-00001.parquet` (config `main`),
 *    `{config}/{split}/*.parquet`, `{split}-*.parquet`;
 *  - the Hub's automatic Parquet conversion on the `refs/convert/parquet`
 *    branch: `{config}/{split}/0000.parquet` (`partial-{split}` when the
 *    conversion stopped early), for repos that hold CSV/JSON or a script.
 * The repo's own files win; the conversion is the fallback.
 */
import { HUB_ENDPOINT, isHubRepoId } from '../../models/hub/hubUrl.js';

export const PARQUET_CONVERSION_REVISION = 'refs/convert/parquet';

export interface SplitFiles { config: string; split: string; files: string[] }

/** config/split of one Parquet path, or null when the path does not look like a split file. */
export function splitOfPath(path: string): { config: string; split: string } | null {
  if (!/\.parquet$/i.test(path)) return null;
  const parts = path.split('/');
  const base = parts.at(-1)!.replace(/\.parquet$/i, '');
  const splitName = (s: string) => s.replace(/^partial-/, '');
  const configName = (s: string) => (s === 'data' ? 'default' : s);
  if (parts.length >= 3) return { config: configName(parts.at(-3)!), split: splitName(parts.at(-2)!) };
  // "train-00000-of-00001", "train-0", "train"
  const split = base.replace(/-\d{5}-of-\d{5}$/, '').replace(/-\d+$/, '');
  if (parts.length === 2) return { config: configName(parts[0]!), split: splitName(split) };
  return { config: 'default', split: splitName(split) };
}

/** Groups a repo's Parquet files by config and split (files sorted, so shards stay in order). */
export function groupSplits(files: readonly string[]): SplitFiles[] {
  const by = new Map<string, SplitFiles>();
  for (const f of [...files].sort()) {
    const s = splitOfPath(f);
    if (!s) continue;
    const key = `${s.config}\u0000${s.split}`;
    const g = by.get(key) ?? { ...s, files: [] };
    g.files.push(f);
    by.set(key, g);
  }
  return [...by.values()];
}

const err = (message: string, code: string, field?: string) => Object.assign(new Error(message), { code, ...(field ? { field } : {}) });

/** The dataset-info endpoint (`siblings` lists the files at that revision). */
export function hubDatasetApiUrl(repo: string, revision: string, endpoint = HUB_ENDPOINT): string {
  if (!isHubRepoId(repo)) throw err(`"${repo}" is not a Hugging Face dataset id (owner/name)`, 'invalid_argument', 'repo');
  return `${endpoint.replace(/\/$/, '')}/api/datasets/${repo}/revision/${encodeURIComponent(revision)}`;
}

/** A file of a dataset repo at a revision (the conversion branch's slashes are encoded, as the Hub expects). */
export function hubDatasetFileUrl(repo: string, revision: string, file: string, endpoint = HUB_ENDPOINT): string {
  return `${endpoint.replace(/\/$/, '')}/datasets/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export interface ListOptions { endpoint?: string; token?: string; fetchImpl?: typeof fetch; signal?: AbortSignal }

/** The repo's files at `revision`, or null when that revision does not exist (404). Gated repos throw `unauthorized`. */
export async function listDatasetFiles(repo: string, revision: string, o: ListOptions = {}): Promise<string[] | null> {
  const headers: Record<string, string> = { 'user-agent': 'clipo-workbench', accept: 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await (o.fetchImpl ?? fetch)(hubDatasetApiUrl(repo, revision, o.endpoint), { headers, redirect: 'follow', ...(o.signal ? { signal: o.signal } : {}) });
  if (res.status === 401 || res.status === 403) {
    throw err(`access denied (${res.status}) to the dataset ${repo}: it is gated or private; accept its terms on huggingface.co and save your access token in Settings`, 'unauthorized');
  }
  if (res.status === 404) return null;
  if (!res.ok) throw err(`listing the dataset ${repo} failed: HTTP ${res.status}`, 'unavailable');
  const body = (await res.json().catch(() => null)) as { siblings?: unknown } | null;
  if (!body || !Array.isArray(body.siblings)) throw err(`the Hub's answer for ${repo} has no file list`, 'unavailable');
  return body.siblings.map((s) => (s as { rfilename?: unknown } | null)?.rfilename).filter((f): f is string => typeof f === 'string');
}

export interface ResolvedSplits { revision: string; config: string; splits: SplitFiles[]; fromConversion: boolean }

/**
 * The files of `config` (default: the only one, else `default`/`main`) and `splits` (default: all) of a
 * dataset: the repo's own Parquet files at `revision`, else the Hub's conversion. Errors name what exists.
 */
export async function resolveDatasetSplits(repo: string, want: { config?: string; splits?: string[]; revision?: string }, o: ListOptions = {}): Promise<ResolvedSplits> {
  const revision = want.revision ?? 'main';
  const own = await listDatasetFiles(repo, revision, o);
  if (own === null) throw err(`no dataset ${repo}${revision !== 'main' ? ` at revision ${revision}` : ''} on the Hub; check the dataset id (owner/name)`, 'not_found', 'repo');
  const attempts: { revision: string; groups: SplitFiles[]; fromConversion: boolean }[] = [{ revision, groups: groupSplits(own), fromConversion: false }];
  const pick = (groups: SplitFiles[]) => {
    const configs = [...new Set(groups.map((g) => g.config))];
    const config = want.config ?? (configs.length === 1 ? configs[0]! : configs.find((c) => c === 'default' || c === 'main'));
    if (config === undefined || !configs.includes(config)) return { config, configs, splits: null };
    const inConfig = groups.filter((g) => g.config === config);
    const splits = want.splits ? want.splits.map((s) => inConfig.find((g) => g.split === s) ?? null) : inConfig;
    return { config, configs, splits, available: inConfig.map((g) => g.split) };
  };
  let first = pick(attempts[0]!.groups);
  if (first.splits && first.splits.every((s) => s !== null) && first.splits.length > 0) {
    return { revision, config: first.config!, splits: first.splits as SplitFiles[], fromConversion: false };
  }
  const converted = await listDatasetFiles(repo, PARQUET_CONVERSION_REVISION, o);
  if (converted !== null) {
    const second = pick(groupSplits(converted));
    if (second.splits && second.splits.every((s) => s !== null) && second.splits.length > 0) {
      return { revision: PARQUET_CONVERSION_REVISION, config: second.config!, splits: second.splits as SplitFiles[], fromConversion: true };
    }
    if (first.configs.length === 0) first = second;
  }
  if (first.configs.length === 0) {
    throw err(`${repo} has no Parquet files and no Parquet conversion on the Hub, so it cannot be imported from the Hub; download it and import the file instead`, 'unsupported', 'repo');
  }
  if (first.config === undefined || !first.configs.includes(first.config)) {
    throw err(`${repo} has no config "${want.config ?? ''}"; choose one of: ${first.configs.join(', ')}`, 'invalid_argument', 'config');
  }
  const missing = (want.splits ?? []).filter((s, i) => first.splits?.[i] === null);
  throw err(`${repo} (config ${first.config}) has no split ${missing.map((s) => `"${s}"`).join(', ')}; available: ${(first as { available?: string[] }).available?.join(', ') || 'none'}`, 'not_found', 'splits');
}
