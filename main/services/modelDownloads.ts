/**
 * models.download / downloadCancel / downloads / hubFiles: Hugging Face
 * downloads as background jobs of the main process. A call starts a job and
 * returns its id at once; the job streams the file into the data folder
 * (main/models/hub: resumable with Range, SHA-256 verified), pushes its state
 * as `model.download` events a few times a second, and on success adds the
 * file to the model library exactly as models.add does.
 *
 * Failures become messages that say what to do (gated repo → token, 404 →
 * check the names, disk full, connection dropped → download again to resume).
 * A cancelled or failed job leaves its `.part` file, so the next download of
 * the same file resumes where it stopped. Jobs live in memory for the session
 * (the newest finished ones are kept) so a reloaded page can reattach.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ModelDownload, ModelInfo } from '../api/contract/index.js';
import { downloadModel, modelDestination, resolveHubEndpoint } from '../models/hub/downloadModel.js';
import { hubFileUrl } from '../models/hub/hubUrl.js';
import { listRepoFiles } from '../models/hub/listRepoFiles.js';

export interface ModelDownloadsOptions {
  dataDir: string;
  /** Adds a finished file to the library (models.add). */
  addModel: (path: string) => ModelInfo | Promise<ModelInfo>;
  /** Pushes a job's state (the `model.download` event). */
  emit: (job: ModelDownload) => void;
  /** The Hugging Face token to send, if any (Settings, else HF_TOKEN). Read when a job starts. */
  token: () => Promise<string | undefined>;
  /** Hub base URL; default CLIPO_HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  fetchImpl?: typeof fetch;
  /** A running download that receives nothing for this long is stopped (resumable). Default 60 s. */
  stallMs?: number;
  /** Free bytes where the file goes; default statfs. A download that cannot fit stops before filling the disk. */
  freeBytes?: (dir: string) => number | null;
  /** Finished jobs remembered for models.downloads. Default 20. */
  keepFinished?: number;
}

export interface ModelDownloads {
  download(args: { repo: string; file: string; revision?: string }): { jobId: string };
  downloadCancel(args: { jobId: string }): ModelDownload;
  downloads(): ModelDownload[];
  hubFiles(args: { repo: string; revision?: string }): Promise<{ files: string[] }>;
  /** Stops every running download (their partial files stay for a later resume). */
  dispose(): Promise<void>;
}

interface Job {
  view: ModelDownload;
  controller: AbortController;
  /** Why it was stopped from here, when it was: the user, a stall, no room, shutdown. */
  stop: 'cancel' | 'stall' | 'disk' | 'shutdown' | null;
  lastActivity: number;
  samples: { t: number; bytes: number }[];
  done: Promise<void>;
}

const SPEED_WINDOW_MS = 3000;

export function formatSize(bytes: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let b = bytes;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

function defaultFreeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);
const UNREACHABLE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'unavailable') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return (err as { code?: string } | null)?.code;
}

export function createModelDownloads(o: ModelDownloadsOptions): ModelDownloads {
  const jobs = new Map<string, Job>();
  const endpoint = () => resolveHubEndpoint(o.endpoint);
  const stallMs = o.stallMs ?? 60_000;
  const freeBytes = o.freeBytes ?? defaultFreeBytes;
  const keep = o.keepFinished ?? 20;

  const snapshot = (job: Job): ModelDownload => ({ ...job.view, model: job.view.model ? { ...job.view.model } : null });
  const publish = (job: Job) => o.emit(snapshot(job));

  function describe(err: unknown, job: Job, hadToken: boolean): string {
    const v = job.view;
    const have = v.received > 0 ? `the ${formatSize(v.received)} already saved` : 'the start';
    const resume = `Download again to resume from ${have}.`;
    const host = (() => { try { return new URL(endpoint()).host; } catch { return endpoint(); } })();
    if (job.stop === 'stall') {
      const quiet = stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`;
      return `No data arrived for ${quiet}, so the download was stopped (the connection seems stuck). ${resume}`;
    }
    if (job.stop === 'disk') {
      return `Not enough disk space for ${v.file}: it needs ${formatSize((v.total ?? 0) - v.received)} more in ${dirname(modelDestination(o.dataDir, v))}. Free some space, then download again (it resumes).`;
    }
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'unauthorized') {
      return hadToken
        ? `Hugging Face refused the token saved in Settings for ${v.repo}: the repo is gated or private. Open https://huggingface.co/${v.repo}, accept its licence with the account the token belongs to, and check the token can read it.`
        : `${v.repo} is gated or private, so it needs an access token: open https://huggingface.co/${v.repo}, accept its licence, create a read token at https://huggingface.co/settings/tokens and save it in Settings, then download again.`;
    }
    if (code === 'not_found') {
      return `${v.file} was not found in ${v.repo} (revision ${v.revision}): check the repo id and the file name; "List .gguf files" shows what the repo has.`;
    }
    if (code === 'ENOSPC') return `The disk is full: free some space, then download again; it resumes from ${have}.`;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return `Cannot write to the data folder (${o.dataDir}): ${code}. Check that the folder is writable.`;
    }
    if (/checksum mismatch/.test(message)) {
      return `The downloaded file is damaged (its SHA-256 does not match the one Hugging Face lists), so it was deleted. Download again.`;
    }
    if (code !== undefined && UNREACHABLE_CODES.has(code)) {
      return `Cannot reach ${host} (${code}): check the internet connection or proxy, then download again.`;
    }
    if ((code !== undefined && NETWORK_CODES.has(code)) || /interrupted|terminated|socket|fetch failed|premature close/i.test(message)) {
      return `The connection dropped at ${formatSize(v.received)}${v.total ? ` of ${formatSize(v.total)}` : ''}. ${resume}`;
    }
    if (code === 'invalid_argument') return message;
    return `The download failed: ${message}. ${resume}`;
  }

  function trimFinished(): void {
    const finished = [...jobs.values()].filter((j) => j.view.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - keep))) jobs.delete(j.view.jobId);
  }

  function finish(job: Job, state: ModelDownload['state'], error: string | null): void {
    job.view.state = state;
    job.view.error = error;
    job.view.endedAt = Date.now();
    job.view.bytesPerSec = 0;
    publish(job);
    trimFinished();
  }

  function onProgress(job: Job, received: number, total: number | null): void {
    const now = Date.now();
    job.lastActivity = now;
    // The server ignored the Range request and sent the whole file again: not a resume after all.
    if (received < job.view.resumedFrom) job.view.resumedFrom = 0;
    job.view.received = received;
    job.view.total = total;
    job.samples.push({ t: now, bytes: received });
    while (job.samples.length > 2 && now - job.samples[0]!.t > SPEED_WINDOW_MS) job.samples.shift();
    const first = job.samples[0]!;
    job.view.bytesPerSec = now > first.t ? Math.round(((received - first.bytes) * 1000) / (now - first.t)) : 0;
    if (total !== null && job.stop === null) {
      const free = freeBytes(dirname(modelDestination(o.dataDir, job.view)));
      if (free !== null && free < total - received) {
        job.stop = 'disk';
        job.controller.abort();
        return;
      }
    }
    publish(job);
  }

  async function run(job: Job): Promise<void> {
    const v = job.view;
    let token: string | undefined;
    try { token = (await o.token()) || undefined; } catch { token = undefined; }
    const watchdog = setInterval(() => {
      // Once every byte is in, the SHA-256 check of a large file may take a while: that is not a stall.
      const receiving = job.view.total === null || job.view.received < job.view.total;
      if (job.stop === null && receiving && Date.now() - job.lastActivity > stallMs) {
        job.stop = 'stall';
        job.controller.abort();
      }
    }, Math.max(50, Math.min(5000, stallMs / 4)));
    watchdog.unref?.();
    try {
      const r = await downloadModel({
        repo: v.repo, file: v.file, revision: v.revision, dataDir: o.dataDir, endpoint: endpoint(),
        signal: job.controller.signal, ...(token ? { token } : {}), ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
        onProgress: (p) => onProgress(job, p.received, p.total),
      });
      if (r.alreadyThere) {
        const size = statSync(r.path).size;
        v.received = size;
        v.total = size;
      }
      try {
        v.model = await o.addModel(r.path);
      } catch (err) {
        finish(job, 'failed', `Downloaded to ${r.path}, but it cannot be added to the library: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      finish(job, 'done', null);
    } catch (err) {
      if (job.stop === 'cancel') finish(job, 'cancelled', `Cancelled at ${formatSize(v.received)}; the partial file is kept, so downloading again resumes it.`);
      else if (job.stop === 'shutdown') finish(job, 'cancelled', 'Stopped when the app closed; download again to resume.');
      else finish(job, 'failed', describe(err, job, token !== undefined));
    } finally {
      clearInterval(watchdog);
    }
  }

  return {
    download({ repo, file, revision }) {
      const ref = { repo, file, revision: revision ?? 'main' };
      hubFileUrl(ref, endpoint()); // validates the names (the API schema does too)
      const same = [...jobs.values()].filter((j) => j.view.repo === repo && j.view.file === file && j.view.revision === ref.revision);
      // One writer per file: asking again while it downloads attaches to the running job.
      const running = same.find((j) => j.view.state === 'running');
      if (running) return { jobId: running.view.jobId };
      // A new attempt supersedes the earlier, finished ones of the same file (the list shows the latest).
      for (const j of same) jobs.delete(j.view.jobId);
      const dest = modelDestination(o.dataDir, ref);
      mkdirSync(dirname(dest), { recursive: true });
      const part = `${dest}.part`;
      const partial = existsSync(part) ? statSync(part).size : 0;
      const now = Date.now();
      const job: Job = {
        view: {
          jobId: randomBytes(8).toString('hex'), ...ref, state: 'running', received: partial, total: null, bytesPerSec: 0,
          resumedFrom: partial, startedAt: now, endedAt: null, error: null, model: null,
        },
        controller: new AbortController(), stop: null, lastActivity: now, samples: [], done: Promise.resolve(),
      };
      jobs.set(job.view.jobId, job);
      publish(job);
      job.done = run(job);
      return { jobId: job.view.jobId };
    },

    downloadCancel({ jobId }) {
      const job = jobs.get(jobId);
      if (!job) throw Object.assign(new Error(`No download ${jobId} in this session (it may have finished long ago or the app restarted).`), { code: 'not_found', field: 'jobId' });
      if (job.view.state === 'running' && job.stop === null) {
        job.stop = 'cancel';
        job.controller.abort();
      }
      return snapshot(job);
    },

    downloads() {
      return [...jobs.values()].reverse().map(snapshot);
    },

    async hubFiles({ repo, revision }) {
      const token = (await o.token().catch(() => undefined)) || undefined;
      const files = await listRepoFiles({
        repo, ...(revision ? { revision } : {}), endpoint: endpoint(), ...(token ? { token } : {}), ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
      });
      return { files: files.filter((f) => f.toLowerCase().endsWith('.gguf')) };
    },

    async dispose() {
      const running = [...jobs.values()].filter((j) => j.view.state === 'running');
      for (const j of running) {
        if (j.stop === null) j.stop = 'shutdown';
        j.controller.abort();
      }
      await Promise.all(running.map((j) => j.done));
    },
  };
}
