/**
 * datasets.hubImport / hubCancel / hubJobs: Hugging Face dataset imports as
 * background jobs. A job resolves the config's split files (the repo's own
 * Parquet files, else the Hub's Parquet conversion), downloads each with
 * main/models/hub/downloadFile (streamed to a .part file, Range resume,
 * SHA-256 checked against the Hub's x-linked-etag), pushes its state as
 * `dataset.import` events, then scans the files into a dataset row. A failed
 * or cancelled job keeps its partial file: importing again resumes it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatasetImportJob, FieldMap } from '../api/contract/index.js';
import { getDatasetPreset } from '../data/datasetPresets.js';
import { hubDatasetFileUrl, resolveDatasetSplits } from '../data/hub/hubDatasetFiles.js';
import { downloadFile } from '../models/hub/downloadFile.js';
import { resolveHubEndpoint } from '../models/hub/downloadModel.js';
import type { Store } from '../store/index.js';
import { datasetsRoot, registerDataset } from './datasetsService.js';
import { formatSize } from './modelDownloads.js';

export interface DatasetHubJobsOptions {
  store: Store;
  dataDir: string;
  emit: (job: DatasetImportJob) => void;
  token: () => Promise<string | undefined>;
  endpoint?: string;
  fetchImpl?: typeof fetch;
  /** A download receiving nothing for this long is stopped (resumable). Default 60 s. */
  stallMs?: number;
}

interface Job { view: DatasetImportJob; controller: AbortController; stop: 'cancel' | 'stall' | 'shutdown' | null; lastActivity: number; done: Promise<void> }

/** Where a dataset repo's files land: `<dataDir>/datasets/hub/<owner>/<name>/<revision>/<file>` (slashes in the revision made safe). */
export function hubDatasetDir(dataDir: string, repo: string, revision: string): string {
  return join(datasetsRoot(dataDir), 'hub', ...repo.split('/'), revision.replace(/\//g, '--'));
}

export function createDatasetHubJobs(o: DatasetHubJobsOptions) {
  const jobs = new Map<string, Job>();
  const endpoint = () => resolveHubEndpoint(o.endpoint);
  const stallMs = o.stallMs ?? 60_000;
  const publish = (j: Job) => o.emit({ ...j.view, splits: [...j.view.splits] });

  function finish(j: Job, state: DatasetImportJob['state'], error: string | null): void {
    Object.assign(j.view, { state, error, endedAt: Date.now(), file: state === 'done' ? null : j.view.file });
    publish(j);
  }

  function describe(err: unknown, j: Job, hadToken: boolean): string {
    const code = (err as { code?: string } | null)?.code;
    const message = err instanceof Error ? err.message : String(err);
    const v = j.view;
    if (j.stop === 'stall') return `No data arrived for ${Math.round(stallMs / 1000)} s, so the download of ${v.file} was stopped. Import again to resume.`;
    if (code === 'unauthorized') {
      return hadToken
        ? `Hugging Face refused the token saved in Settings for ${v.repo}: the dataset is gated or private. Open https://huggingface.co/datasets/${v.repo}, accept its terms with the account the token belongs to, then import again.`
        : `${v.repo} is gated or private, so it needs an access token: open https://huggingface.co/datasets/${v.repo}, accept its terms, save a read token in Settings, then import again.`;
    }
    if (code === 'not_found' || code === 'invalid_argument' || code === 'unsupported' || code === 'conflict') return message;
    if (/checksum mismatch/.test(message)) return `${v.file} arrived damaged (its SHA-256 does not match the Hub's), so it was deleted. Import again.`;
    if (code === 'ENOSPC') return 'The disk is full: free some space, then import again (finished files are kept).';
    if (/interrupted|terminated|socket|fetch failed|premature close|ECONNRESET|other side closed/i.test(message) || /ECONNRESET|UND_ERR/.test(String((err as { cause?: { code?: string } })?.cause?.code ?? ''))) {
      return `The connection dropped at ${formatSize(v.received)} of ${v.file}. Import again to resume from there.`;
    }
    return `The import failed: ${message}`;
  }

  async function run(j: Job, want: { config?: string; splits?: string[]; revision?: string }, fields: FieldMap | undefined, presetId: string | undefined): Promise<void> {
    const v = j.view;
    let token: string | undefined;
    try { token = (await o.token()) || undefined; } catch { token = undefined; }
    const watchdog = setInterval(() => {
      if (j.stop === null && v.file !== null && Date.now() - j.lastActivity > stallMs) { j.stop = 'stall'; j.controller.abort(); }
    }, Math.max(50, Math.min(5000, stallMs / 4)));
    watchdog.unref?.();
    try {
      const listing = { endpoint: endpoint(), ...(token ? { token } : {}), ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}), signal: j.controller.signal };
      const resolved = await resolveDatasetSplits(v.repo, want, listing);
      Object.assign(v, { config: resolved.config, revision: resolved.revision, splits: resolved.splits.map((s) => s.split) });
      v.filesTotal = resolved.splits.reduce((a, s) => a + s.files.length, 0);
      publish(j);
      const root = hubDatasetDir(o.dataDir, v.repo, resolved.revision);
      for (const s of resolved.splits) {
        for (const file of s.files) {
          const dest = join(root, ...file.split('/'));
          v.file = file;
          v.received = existsSync(`${dest}.part`) ? statSync(`${dest}.part`).size : 0;
          v.resumedFrom = v.received;
          v.total = null;
          j.lastActivity = Date.now();
          publish(j);
          if (!existsSync(dest)) {
            mkdirSync(dirname(dest), { recursive: true });
            await downloadFile({
              url: hubDatasetFileUrl(v.repo, resolved.revision, file, endpoint()), dest, signal: j.controller.signal,
              ...(token ? { token } : {}), ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
              onProgress: (p) => { j.lastActivity = Date.now(); v.received = p.received; v.total = p.total; publish(j); },
            });
          }
          v.filesDone++;
          publish(j);
        }
      }
      v.file = null;
      const id = await registerDataset(o.store, {
        name: v.name, format: 'parquet', root,
        splits: resolved.splits.map((s) => ({ split: s.split, files: s.files.map((rel) => ({ rel, abs: join(root, ...rel.split('/')) })) })),
        source: { type: 'hub', repo: v.repo, config: resolved.config, revision: resolved.revision, ...(presetId ? { preset: presetId } : {}) },
        ...(fields ? { fields } : {}),
      });
      v.datasetId = String(id);
      finish(j, 'done', null);
    } catch (err) {
      if (j.stop === 'cancel') finish(j, 'cancelled', `Cancelled at ${formatSize(v.received)} of ${v.file ?? 'the file list'}; the partial file is kept, so importing again resumes it.`);
      else if (j.stop === 'shutdown') finish(j, 'cancelled', 'Stopped when the app closed; import again to resume.');
      else finish(j, 'failed', describe(err, j, token !== undefined));
    } finally {
      clearInterval(watchdog);
    }
  }

  return {
    hubImport(args: { repo: string; config?: string; splits?: string[]; revision?: string; name?: string; preset?: string }): { jobId: string } {
      const preset = args.preset !== undefined ? getDatasetPreset(args.preset) : undefined;
      const repo = args.repo;
      const config = args.config ?? preset?.config;
      const splits = args.splits ?? preset?.splits;
      const name = args.name ?? (preset ? preset.title : config && config !== 'default' ? `${repo}:${config}` : repo);
      const running = [...jobs.values()].find((j) => j.view.state === 'running' && j.view.name === name);
      if (running) return { jobId: running.view.jobId };
      if (o.store.library.datasetByName(name)) {
        throw Object.assign(new Error(`a dataset named "${name}" already exists; delete it or choose another name`), { code: 'conflict', field: 'name' });
      }
      const now = Date.now();
      const j: Job = {
        view: {
          jobId: randomBytes(8).toString('hex'), name, repo, config: config ?? '', revision: args.revision ?? 'main', splits: splits ?? [], preset: preset?.id ?? null,
          state: 'running', file: null, filesDone: 0, filesTotal: 0, received: 0, total: null, resumedFrom: 0,
          startedAt: now, endedAt: null, error: null, datasetId: null,
        },
        controller: new AbortController(), stop: null, lastActivity: now, done: Promise.resolve(),
      };
      jobs.set(j.view.jobId, j);
      publish(j);
      j.done = run(j, { ...(config ? { config } : {}), ...(splits ? { splits } : {}), ...(args.revision ? { revision: args.revision } : {}) }, preset?.fields, preset?.id);
      return { jobId: j.view.jobId };
    },
    hubCancel({ jobId }: { jobId: string }): DatasetImportJob {
      const j = jobs.get(jobId);
      if (!j) throw Object.assign(new Error(`No dataset import ${jobId} in this session.`), { code: 'not_found', field: 'jobId' });
      if (j.view.state === 'running' && j.stop === null) { j.stop = 'cancel'; j.controller.abort(); }
      return { ...j.view };
    },
    hubJobs(): DatasetImportJob[] {
      return [...jobs.values()].reverse().map((j) => ({ ...j.view }));
    },
    /** Waits for a job (tests, shutdown). */
    done(jobId: string): Promise<void> {
      return jobs.get(jobId)?.done ?? Promise.resolve();
    },
    async dispose(): Promise<void> {
      const running = [...jobs.values()].filter((j) => j.view.state === 'running');
      for (const j of running) { if (j.stop === null) j.stop = 'shutdown'; j.controller.abort(); }
      await Promise.all(running.map((j) => j.done));
    },
  };
}
