/**
 * Hugging Face Hub file URLs. Repo ids and file names are validated, because
 * they end up in URLs and in local paths: no traversal, no schemes, no spaces.
 */
export const HUB_ENDPOINT = 'https://huggingface.co';

const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const FILE = /^(?!.*\.\.)(?!\/)[A-Za-z0-9._/-]{1,255}$/;
const REVISION = /^[A-Za-z0-9._-]{1,100}$/;

export interface HubFileRef { repo: string; file: string; revision?: string }

export function validateHubRef(ref: HubFileRef): string | null {
  if (!REPO.test(ref.repo)) return `"${ref.repo}" is not a Hugging Face repo id (owner/name)`;
  if (!FILE.test(ref.file) || ref.file.includes('//')) return `"${ref.file}" is not a valid file name in a repo`;
  if (ref.revision !== undefined && !REVISION.test(ref.revision)) return `"${ref.revision}" is not a valid revision`;
  return null;
}

/** Field-level checks (the API's schemas name the offending field). */
export const isHubRepoId = (repo: string): boolean => REPO.test(repo);
export const isHubFilePath = (file: string): boolean => FILE.test(file) && !file.includes('//');
export const isHubRevision = (revision: string): boolean => REVISION.test(revision);

/** The Hub's model-info endpoint (`siblings` lists the repo's files). */
export function hubRepoApiUrl(repo: string, revision: string | undefined, endpoint = HUB_ENDPOINT): string {
  if (!isHubRepoId(repo)) throw Object.assign(new Error(`"${repo}" is not a Hugging Face repo id (owner/name)`), { code: 'invalid_argument', field: 'repo' });
  if (revision !== undefined && !isHubRevision(revision)) throw Object.assign(new Error(`"${revision}" is not a valid revision`), { code: 'invalid_argument', field: 'revision' });
  const base = `${endpoint.replace(/\/$/, '')}/api/models/${repo}`;
  return revision === undefined ? base : `${base}/revision/${encodeURIComponent(revision)}`;
}

export function hubFileUrl(ref: HubFileRef, endpoint = HUB_ENDPOINT): string {
  const err = validateHubRef(ref);
  if (err) throw Object.assign(new Error(err), { code: 'invalid_argument' });
  const file = ref.file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint.replace(/\/$/, '')}/${ref.repo}/resolve/${encodeURIComponent(ref.revision ?? 'main')}/${file}`;
}
