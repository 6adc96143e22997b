/**
 * models.download end to end below the UI: the API router (schemas), the
 * default services (download jobs, settings token, model library) and the
 * event bus, against a local fake Hugging Face hub. A finished download is a
 * library model; cancel and a dropped connection leave a partial file that the
 * next download resumes with Range; gated repos, missing files, bad checksums,
 * stalls and a full disk fail with messages that say what to do.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, ApiResult, ModelDownload } from '../../main/api/contract/index.js';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { createRouter, type ApiRouter } from '../../main/api/router.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { createModelDownloads } from '../../main/services/modelDownloads.js';
import { createModelsService } from '../../main/services/modelsService.js';
import { Store } from '../../main/store/index.js';
import { startFakeHub, type FakeHub } from '../models/fakeHub.js';

let tmp: string;
let hub: FakeHub;
let tiny: Buffer;
let route: ApiRouter;
let events: ApiEventBus;
let dataDir: string;
let dispose: () => Promise<void>;
const seen: ModelDownload[] = [];

async function call<T>(method: string, args: unknown): Promise<T> {
  const r = (await route(method, args)) as ApiResult<T>;
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.value;
}
async function failure(method: string, args: unknown): Promise<ApiErrorBody> {
  const r = await route(method, args);
  if (r.ok) throw new Error(`${method} unexpectedly succeeded`);
  return r.error;
}
/** Resolves with the job's final state, from the pushed events. */
function finished(jobId: string, timeout = 20_000): Promise<ModelDownload> {
  return new Promise((resolve, reject) => {
    const prior = seen.find((e) => e.jobId === jobId && e.state !== 'running');
    if (prior) { resolve(prior); return; }
    const timer = setTimeout(() => { off(); reject(new Error(`download ${jobId} did not finish in ${timeout} ms`)); }, timeout);
    const off = events.on('model.download', (e) => {
      if (e.jobId === jobId && e.state !== 'running') { clearTimeout(timer); off(); resolve(e); }
    });
  });
}
const dest = (repo: string, file: string) => join(dataDir, 'models', ...repo.split('/'), file);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'clipo-dl-'));
  const src = join(tmp, 'tiny.gguf');
  writeTinyModel(src, { arch: 'qwen2', seed: 4 });
  tiny = readFileSync(src);
  hub = await startFakeHub();
  for (const repo of ['org/tiny-qwen', 'org/cancel-me', 'org/flaky', 'org/bad-sum', 'org/stall']) hub.addFile(repo, 'tiny.gguf', tiny);
  hub.addFile('org/tiny-qwen', 'README.md', Buffer.from('# tiny'));
  hub.addFile('org/tiny-qwen', 'sub/tiny-q8_0.gguf', tiny);
  hub.addFile('org/gated', 'tiny.gguf', tiny);
  hub.gated.set('org/gated', 'hf_right');
  dataDir = join(tmp, 'data');
  events = new ApiEventBus();
  events.on('model.download', (e) => seen.push(e));
  const created = createDefaultServices({ mode: 'web', dataDir, appRoot: findAppRoot(), events, hubEndpoint: hub.url });
  route = createRouter(created.handlers);
  dispose = created.dispose;
});

afterEach(() => {
  hub.bytesPerSec = null;
  hub.cutAfter = null;
  hub.stallAfter = null;
  hub.wrongChecksum = false;
});

afterAll(async () => {
  await dispose?.();
  await hub?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('models.download', () => {
  it('downloads into the data folder, reports progress, and adds the model to the library', async () => {
    const { jobId } = await call<{ jobId: string }>('models.download', { repo: 'org/tiny-qwen', file: 'tiny.gguf' });
    const end = await finished(jobId);
    expect(end.state, end.error ?? '').toBe('done');
    expect(end).toMatchObject({ received: tiny.length, total: tiny.length, resumedFrom: 0, error: null, revision: 'main' });
    expect(end.model).toMatchObject({ arch: 'qwen2', supported: true, path: dest('org/tiny-qwen', 'tiny.gguf') });
    expect(readFileSync(dest('org/tiny-qwen', 'tiny.gguf')).equals(tiny)).toBe(true);
    const progress = seen.filter((e) => e.jobId === jobId);
    expect(progress[0]!.state).toBe('running');
    expect(progress.some((e) => e.state === 'running' && e.total === tiny.length)).toBe(true);
    const library = await call<{ id: string; path: string }[]>('models.list', {});
    expect(library.map((m) => m.path)).toContain(dest('org/tiny-qwen', 'tiny.gguf'));
    expect(library.find((m) => m.path === end.model!.path)!.id).toBe(end.model!.id);
    // No token saved: none sent.
    expect(hub.requests.filter((r) => r.path.includes('org/tiny-qwen')).every((r) => r.auth === undefined)).toBe(true);
    // Listed for a page that reloads.
    expect((await call<ModelDownload[]>('models.downloads', {})).find((j) => j.jobId === jobId)?.state).toBe('done');
  });

  it('a file in a subfolder of the repo lands in the same subfolder', async () => {
    const { jobId } = await call<{ jobId: string }>('models.download', { repo: 'org/tiny-qwen', file: 'sub/tiny-q8_0.gguf' });
    const end = await finished(jobId);
    expect(end.state, end.error ?? '').toBe('done');
    expect(end.model!.path).toBe(join(dataDir, 'models', 'org', 'tiny-qwen', 'sub', 'tiny-q8_0.gguf'));
  });

  it('lists only the .gguf files of a repo, and says when the repo does not exist', async () => {
    expect(await call('models.hubFiles', { repo: 'org/tiny-qwen' })).toEqual({ files: ['sub/tiny-q8_0.gguf', 'tiny.gguf'] });
    const missing = await failure('models.hubFiles', { repo: 'org/nope' });
    expect(missing).toMatchObject({ code: 'not_found', message: expect.stringMatching(/no repo org\/nope.*check the repo id/) });
  });

  it('rejects repo ids, file names and revisions that could escape, naming the field', async () => {
    expect(await failure('models.download', { repo: '../etc', file: 'a.gguf' })).toMatchObject({ code: 'invalid_argument', field: 'repo' });
    expect(await failure('models.download', { repo: 'https://evil/x', file: 'a.gguf' })).toMatchObject({ field: 'repo' });
    expect(await failure('models.download', { repo: 'a/b/c', file: 'a.gguf' })).toMatchObject({ field: 'repo' });
    expect(await failure('models.download', { repo: 'org/tiny-qwen', file: '../../x.gguf' })).toMatchObject({ field: 'file' });
    expect(await failure('models.download', { repo: 'org/tiny-qwen', file: '/abs.gguf' })).toMatchObject({ field: 'file' });
    expect(await failure('models.download', { repo: 'org/tiny-qwen', file: 'a.gguf', revision: 'x/../y' })).toMatchObject({ field: 'revision' });
    expect(await failure('models.download', { repo: 'org/tiny-qwen', file: 'a.gguf', url: 'http://x' })).toMatchObject({ field: 'url' });
    expect(await failure('models.hubFiles', { repo: '..' })).toMatchObject({ field: 'repo' });
    expect(hub.requests.some((r) => r.path.includes('..') || r.path.includes('evil'))).toBe(false);
  });

  it('a gated repo fails with what to do; with the token saved in Settings it downloads, and the token never comes back', async () => {
    const first = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/gated', file: 'tiny.gguf' })).jobId);
    expect(first.state).toBe('failed');
    expect(first.error).toMatch(/org\/gated is gated or private.*accept its licence.*save it in Settings/);
    expect(existsSync(dest('org/gated', 'tiny.gguf'))).toBe(false);

    const wrong = await call<Record<string, unknown>>('settings.set', { hfToken: 'hf_wrong' });
    expect(wrong).toMatchObject({ hfTokenSet: true });
    expect(JSON.stringify(wrong)).not.toContain('hf_wrong');
    const refused = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/gated', file: 'tiny.gguf' })).jobId);
    expect(refused.error).toMatch(/refused the token saved in Settings/);

    await call('settings.set', { hfToken: 'hf_right' });
    const got = await call<Record<string, unknown>>('settings.get', {});
    expect(got.hfTokenSet).toBe(true);
    expect(JSON.stringify(got)).not.toContain('hf_right');
    const ok = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/gated', file: 'tiny.gguf' })).jobId);
    expect(ok.state, ok.error ?? '').toBe('done');
    expect(hub.requests.filter((r) => r.path.startsWith('/org/gated/')).at(-1)!.auth).toBe('Bearer hf_right');
    expect(await call('settings.set', { hfToken: '' })).toMatchObject({ hfTokenSet: false });
  });

  it('a missing file fails with a clear message and leaves nothing behind', async () => {
    const end = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/tiny-qwen', file: 'nope.gguf' })).jobId);
    expect(end.state).toBe('failed');
    expect(end.error).toMatch(/nope\.gguf was not found in org\/tiny-qwen \(revision main\): check the repo id and the file name/);
    expect(existsSync(dest('org/tiny-qwen', 'nope.gguf'))).toBe(false);
    expect(existsSync(`${dest('org/tiny-qwen', 'nope.gguf')}.part`)).toBe(false);
  });

  it('cancel stops it, keeps the partial file, and the next download resumes it with Range', async () => {
    hub.bytesPerSec = 100_000; // ~4 s for the tiny model
    const { jobId } = await call<{ jobId: string }>('models.download', { repo: 'org/cancel-me', file: 'tiny.gguf' });
    // Asking again while it runs attaches to the same job (one writer per file).
    expect((await call<{ jobId: string }>('models.download', { repo: 'org/cancel-me', file: 'tiny.gguf' })).jobId).toBe(jobId);
    await expect.poll(() => seen.filter((e) => e.jobId === jobId).at(-1)?.received ?? 0, { timeout: 10_000, interval: 20 }).toBeGreaterThan(20_000);
    const speed = seen.filter((e) => e.jobId === jobId && e.state === 'running').at(-1)!.bytesPerSec;
    expect(speed).toBeGreaterThan(20_000);
    expect(speed).toBeLessThan(1_000_000);
    await call('models.downloadCancel', { jobId });
    const end = await finished(jobId);
    expect(end.state).toBe('cancelled');
    expect(end.error).toMatch(/partial file is kept/);
    const part = `${dest('org/cancel-me', 'tiny.gguf')}.part`;
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(tiny.length);
    expect(existsSync(dest('org/cancel-me', 'tiny.gguf'))).toBe(false);
    expect((await call<{ path: string }[]>('models.list', {})).some((m) => m.path.includes('cancel-me'))).toBe(false);

    hub.bytesPerSec = null;
    const again = await call<{ jobId: string }>('models.download', { repo: 'org/cancel-me', file: 'tiny.gguf' });
    expect(again.jobId).not.toBe(jobId);
    const done = await finished(again.jobId);
    expect(done.state, done.error ?? '').toBe('done');
    expect(done.resumedFrom).toBe(kept);
    expect(hub.requests.filter((r) => r.path === '/org/cancel-me/resolve/main/tiny.gguf').at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(readFileSync(dest('org/cancel-me', 'tiny.gguf')).equals(tiny)).toBe(true);
    expect(existsSync(part)).toBe(false);
    expect((await failure('models.downloadCancel', { jobId: 'nope' })).code).toBe('not_found');
  });

  it('a dropped connection fails with "download again to resume", and the retry resumes', async () => {
    hub.cutAfter = 100_000;
    const first = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/flaky', file: 'tiny.gguf' })).jobId);
    expect(first.state).toBe('failed');
    expect(first.error).toMatch(/connection dropped at .*Download again to resume/);
    const kept = statSync(`${dest('org/flaky', 'tiny.gguf')}.part`).size;
    // What fetch delivered before the drop is on disk (fetch itself may withhold the last bytes of a
    // terminated body); before downloadFile flushed on errors this could be 0 on a busy machine.
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(100_000);
    const second = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/flaky', file: 'tiny.gguf' })).jobId);
    expect(second.state, second.error ?? '').toBe('done');
    expect(second.resumedFrom).toBe(kept);
    expect(readFileSync(dest('org/flaky', 'tiny.gguf')).equals(tiny)).toBe(true);
  });

  it('a checksum mismatch deletes the file and says so', async () => {
    hub.wrongChecksum = true;
    const end = await finished((await call<{ jobId: string }>('models.download', { repo: 'org/bad-sum', file: 'tiny.gguf' })).jobId);
    expect(end.state).toBe('failed');
    expect(end.error).toMatch(/damaged.*SHA-256.*deleted.*Download again/);
    expect(existsSync(dest('org/bad-sum', 'tiny.gguf'))).toBe(false);
    expect(existsSync(`${dest('org/bad-sum', 'tiny.gguf')}.part`)).toBe(false);
  });
});

describe('download jobs (stall, disk space)', () => {
  it('stops a stalled download and refuses one that cannot fit on the disk', async () => {
    const dir = join(tmp, 'data2');
    const store = Store.open(join(tmp, 'jobs.db'));
    const emitted: ModelDownload[] = [];
    let free: number | null = null;
    const jobs = createModelDownloads({
      dataDir: dir, endpoint: hub.url, stallMs: 400, emit: (j) => emitted.push(j), token: async () => undefined,
      addModel: (path) => createModelsService(store).add({ path }) as never, freeBytes: () => free,
    });
    const wait = async (jobId: string) => {
      await expect.poll(() => emitted.filter((e) => e.jobId === jobId).at(-1)?.state, { timeout: 10_000, interval: 20 }).not.toBe('running');
      return emitted.filter((e) => e.jobId === jobId).at(-1)!;
    };
    try {
      hub.stallAfter = 50_000;
      const stalled = await wait(jobs.download({ repo: 'org/stall', file: 'tiny.gguf' }).jobId);
      expect(stalled.state).toBe('failed');
      expect(stalled.error).toMatch(/No data arrived for 400 ms.*Download again to resume from the .* already saved/);
      hub.stallAfter = null;

      free = 1000;
      const full = await wait(jobs.download({ repo: 'org/stall', file: 'tiny.gguf' }).jobId);
      expect(full.state).toBe('failed');
      expect(full.error).toMatch(/Not enough disk space for tiny\.gguf: it needs .* more/);
      expect(existsSync(join(dir, 'models', 'org', 'stall', 'tiny.gguf'))).toBe(false);

      free = null;
      const ok = await wait(jobs.download({ repo: 'org/stall', file: 'tiny.gguf' }).jobId);
      expect(ok.state, ok.error ?? '').toBe('done');
      expect(ok.resumedFrom).toBeGreaterThan(0);
      // The earlier, failed attempts at the same file are superseded by the one that finished.
      expect(jobs.downloads().map((j) => j.state)).toEqual(['done']);
    } finally {
      await jobs.dispose();
      store.close();
    }
  });
});
