// The Models view's Hugging Face download in Chromium against web mode, with
// the real services and a local fake hub: list a repo's GGUF files, download
// one (progress bar, then the model appears in the library table), cancel a
// slow download and resume it, errors inline (bad repo id, gated repo), the
// token saved in Settings but never shown back, and the job list reattaching
// after a reload. No console errors or CSP violations along the way.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';
import { startFakeHub, type FakeHub } from '../models/fakeHub.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 20_000, interval: 100 };

let tmp: string;
let dataDir: string;
let hub: FakeHub;
let tiny: Buffer;
let server: WebServer;
let context: BrowserContext;
let services: HandlerContext;
let dispose: () => Promise<void>;
let page: Page;
const problems: string[] = [];

const heading = () => page.getByRole('heading', { level: 1 }).textContent();
async function gotoModels(): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models', exact: true }).click();
  await expect.poll(heading, POLL).toBe('Models');
}
const libraryRows = () => page.getByRole('table').locator('tbody tr');
const jobState = (file: string) => page.getByTestId('download').filter({ hasText: file }).first().getByTestId('download-state').textContent();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  mkdirSync(shots, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'clipo-dl-browser-'));
  dataDir = join(tmp, 'data');
  const src = join(tmp, 'tiny.gguf');
  writeTinyModel(src, { arch: 'qwen2', seed: 7 });
  tiny = readFileSync(src);
  hub = await startFakeHub();
  hub.addFile('org/tiny-qwen', 'tiny-f32.gguf', tiny);
  hub.addFile('org/tiny-qwen', 'README.md', Buffer.from('# tiny'));
  hub.addFile('org/slow', 'slow.gguf', tiny);
  hub.addFile('org/gated', 'gated.gguf', tiny);
  hub.gated.set('org/gated', 'hf_browser_secret');

  const events = new ApiEventBus();
  const created = createDefaultServices({ mode: 'web', dataDir, appRoot: root, events, hubEndpoint: hub.url });
  services = created.context;
  dispose = created.dispose;
  server = await startWebServer({ port: 0, dataDir, handlers: created.handlers, events, staticDir: join(root, 'dist', 'renderer') });
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1200, height: 900 },
  });
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
  });`);
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  await dispose?.();
  await hub?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('Models: download from Hugging Face', () => {
  it("lists the repo's GGUF files, downloads one with a progress bar, and the model appears in the library", async () => {
    await gotoModels();
    await expect.poll(() => page.getByRole('heading', { name: 'No models yet' }).count(), POLL).toBe(1);
    await page.getByLabel('Repository (owner/name)').fill('org/tiny-qwen');
    await page.getByRole('button', { name: 'List .gguf files' }).click();
    const pick = page.getByLabel('GGUF files in org/tiny-qwen');
    await expect.poll(() => pick.locator('option').allTextContents(), POLL).toEqual(['tiny-f32.gguf']);
    expect(await page.getByLabel('File in the repository').inputValue()).toBe('tiny-f32.gguf');
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await expect.poll(() => jobState('tiny-f32.gguf'), POLL).toBe('done');
    expect(await page.getByRole('progressbar', { name: 'Download of tiny-f32.gguf' }).getAttribute('aria-valuenow')).toBe('100');
    const [model] = await services.models!.list!({});
    expect(model!.path).toBe(join(dataDir, 'models', 'org', 'tiny-qwen', 'tiny-f32.gguf'));
    await expect.poll(() => libraryRows().count(), POLL).toBe(1);
    expect(await libraryRows().first().locator('td').first().textContent()).toBe(model!.name);
    expect(await libraryRows().first().locator('td').nth(1).textContent()).toBe('qwen2');
    await page.screenshot({ path: join(shots, 'models-downloaded.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('shows a bad repo id and a gated repo inline; with the token saved in Settings the gated one downloads', async () => {
    await page.getByLabel('Repository (owner/name)').fill('../etc');
    await page.getByLabel('File in the repository').fill('x.gguf');
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), POLL).toMatch(/^repo: must be a Hugging Face repo id/);
    expect(await page.getByLabel('Repository (owner/name)').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Repository (owner/name)').fill('org/gated');
    await page.getByLabel('File in the repository').fill('gated.gguf');
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await expect.poll(() => jobState('gated.gguf'), POLL).toBe('failed');
    const gatedJob = page.getByTestId('download').filter({ hasText: 'gated.gguf' }).first();
    expect(await gatedJob.getByRole('alert').textContent()).toMatch(/gated or private.*save it in Settings/);
    await page.screenshot({ path: join(shots, 'models-download-errors.png'), fullPage: true });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await expect.poll(() => page.getByTestId('hf-token-state').textContent(), POLL).toMatch(/No token saved/);
    await page.getByLabel(/Hugging Face token/).fill('hf_browser_secret');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByTestId('hf-token-state').textContent(), POLL).toMatch(/A token is saved/);
    expect(await page.getByLabel(/Hugging Face token/).inputValue()).toBe('');
    await page.reload();
    await expect.poll(() => page.getByTestId('hf-token-state').textContent(), POLL).toMatch(/A token is saved/);
    expect(await page.content()).not.toContain('hf_browser_secret');

    await gotoModels();
    await page.getByRole('button', { name: 'Download gated.gguf again' }).click();
    await expect.poll(() => jobState('gated.gguf'), POLL).toBe('done');
    expect(hub.requests.filter((r) => r.path.startsWith('/org/gated/')).at(-1)!.auth).toBe('Bearer hf_browser_secret');
    await expect.poll(() => libraryRows().count(), POLL).toBe(2);
    expect(problems).toEqual([]);
  });

  it('cancels a slow download, keeps it listed after a reload, and resumes it', async () => {
    hub.bytesPerSec = 60_000;
    await page.getByLabel('Repository (owner/name)').fill('org/slow');
    await page.getByLabel('File in the repository').fill('slow.gguf');
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    const bar = page.getByRole('progressbar', { name: 'Download of slow.gguf' });
    await expect.poll(() => bar.getAttribute('aria-valuenow').then(Number), POLL).toBeGreaterThan(0);
    expect(await page.getByTestId('download').filter({ hasText: 'slow.gguf' }).getByTestId('download-progress').textContent()).toMatch(/KiB of .*KiB \(\d+ %\)/);
    await page.screenshot({ path: join(shots, 'models-downloading.png'), fullPage: true });
    await page.getByRole('button', { name: 'Cancel download of slow.gguf' }).click();
    await expect.poll(() => jobState('slow.gguf'), POLL).toBe('cancelled');
    const part = join(dataDir, 'models', 'org', 'slow', 'slow.gguf.part');
    expect(existsSync(part)).toBe(true);

    await page.reload();
    await gotoModels();
    await expect.poll(() => jobState('slow.gguf'), POLL).toBe('cancelled');
    expect(await page.getByTestId('download').count()).toBe(3); // tiny-f32, gated (the failed attempt superseded), slow

    hub.bytesPerSec = null;
    await page.getByRole('button', { name: 'Download slow.gguf again' }).click();
    await expect.poll(() => jobState('slow.gguf'), POLL).toBe('done');
    expect(hub.requests.filter((r) => r.path === '/org/slow/resolve/main/slow.gguf').at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(join(dataDir, 'models', 'org', 'slow', 'slow.gguf')).equals(tiny)).toBe(true);
    await expect.poll(() => libraryRows().count(), POLL).toBe(3);
    expect(problems).toEqual([]);
  });
});
