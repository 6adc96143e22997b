// Drives the real renderer in Debian's Chromium against web mode: every page
// in both themes (screenshots under test-results/screenshots), the settings
// round-trip across a reload, the refusal screen, a foreign origin being
// refused, and no CSP violations or console errors along the way.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../main/api/contract/index.js';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const shots = join(root, 'test-results', 'screenshots');
const PAGES = [
  { id: 'runs', label: 'Runs', heading: 'Runs' },
  { id: 'new', label: 'New run', heading: 'New run' },
  { id: 'models', label: 'Models', heading: 'Models' },
  { id: 'datasets', label: 'Datasets', heading: 'Datasets' },
  { id: 'settings', label: 'Settings', heading: 'Settings' },
] as const;

const POLL = { timeout: 15_000, interval: 100 };

let tmp: string;
let events: ApiEventBus;
/** What the fake runs service lists (the real one is wired by the lead). */
const fakeRuns: RunSummary[] = [];
const responses: { method: string; path: string; status: number; origin: string | null }[] = [];
let server: WebServer;
let context: BrowserContext;
let foreign: Server;
let foreignOrigin: string;

/** Console errors and CSP violations per page; a page's problems fail the test that opened it. */
const problems = new Map<Page, string[]>();

async function openPage(url: string): Promise<Page> {
  const page = await context.newPage();
  const list: string[] = [];
  problems.set(page, list);
  page.on('console', (msg) => {
    if (msg.type() === 'error') list.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => list.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return page;
}

async function gotoSection(page: Page, label: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe(heading);
}

async function chooseTheme(page: Page, label: 'Light' | 'Dark'): Promise<void> {
  await gotoSection(page, 'Settings', 'Settings');
  const radio = page.getByRole('radio', { name: label, exact: true });
  await radio.waitFor();
  if (await radio.isChecked()) return;
  await radio.check();
  await expect.poll(() => page.getByRole('status').first().textContent(), POLL).toContain('Theme saved');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  mkdirSync(shots, { recursive: true });

  tmp = mkdtempSync(join(tmpdir(), 'clipo-browser-'));
  const dataDir = join(tmp, 'data');
  events = new ApiEventBus();
  const { handlers } = createDefaultServices({
    mode: 'web', dataDir, appRoot: root, events,
    // Fixed lists keep the pages' content stable whatever gets wired into the defaults later.
    extra: {
      runs: { list: () => fakeRuns.map((r) => ({ ...r })) },
      models: { list: () => [] },
      datasets: { list: () => [] },
    },
  });
  server = await startWebServer({ port: 0, dataDir, handlers, events, staticDir: join(root, 'dist', 'renderer'),
    onResponse: (entry) => responses.push(entry),
  });

  // A page from another origin, to check the API refuses cross-site requests.
  foreign = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;

  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1200, height: 780 },
  });
  // Report CSP violations as console errors (init scripts run outside the page's CSP).
  // (Code that runs in the page is passed as strings: this file is type-checked without DOM types.)
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
  });`);
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  await new Promise((resolve) => (foreign ? foreign.close(resolve) : resolve(undefined)));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('renderer shell in web mode', () => {
  it('takes the token from the URL, hides it, and shows every page in both themes', async () => {
    const page = await openPage(server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Runs');
    expect(page.url()).not.toContain(server.token);
    expect(page.url()).toMatch(/#\/runs$/);

    for (const theme of ['Light', 'Dark'] as const) {
      await chooseTheme(page, theme);
      expect(await page.evaluate<string>('document.documentElement.dataset.theme')).toBe(theme.toLowerCase());
      for (const p of PAGES) {
        await gotoSection(page, p.label, p.heading);
        expect(await page.getByRole('link', { name: p.label, exact: true }).getAttribute('aria-current')).toBe('page');
        await page.screenshot({ path: join(shots, `${p.id}-${theme.toLowerCase()}.png`), fullPage: true });
      }
    }
    expect(problems.get(page)).toEqual([]);
    await page.close();
  });

  it('persists the theme through settings.set across a reload', async () => {
    const page = await openPage(server.url);
    await chooseTheme(page, 'Dark');
    await page.reload();
    await expect.poll(() => page.evaluate<string>('document.documentElement.dataset.theme'), POLL).toBe('dark');
    await gotoSection(page, 'Settings', 'Settings');
    expect(await page.getByRole('radio', { name: 'Dark', exact: true }).isChecked()).toBe(true);
    await chooseTheme(page, 'Light');
    await page.reload();
    await expect.poll(() => page.evaluate<string>('document.documentElement.dataset.theme'), POLL).toBe('light');
    expect(problems.get(page)).toEqual([]);
    await page.close();
  });

  it('tells a new user what to do on the empty pages', async () => {
    const page = await openPage(server.url);
    await expect.poll(() => page.getByText('No runs yet — start the demo: New run → Demo').count(), POLL).toBe(1);
    await page.getByRole('button', { name: 'Start the demo' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('New run');
    await gotoSection(page, 'Models', 'Models');
    await expect.poll(() => page.getByRole('heading', { name: 'No models yet' }).count(), POLL).toBe(1);
    expect(await page.getByLabel('GGUF model file').count()).toBe(1); // web mode: an upload, no typed path
    await gotoSection(page, 'Datasets', 'Datasets');
    await expect.poll(() => page.getByRole('heading', { name: 'Built-in tasks and your own data' }).count(), POLL).toBe(1);
    expect(await page.getByText('JSONL', { exact: false }).count()).toBeGreaterThan(0);
    expect(problems.get(page)).toEqual([]);
    await page.close();
  });

  it('is usable from the keyboard: skip link, then the navigation', async () => {
    const page = await openPage(server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Runs');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('New run');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('New run');
    // Focus moved into the page content for screen-reader and keyboard users.
    expect(await page.evaluate<string>('document.activeElement?.tagName')).toBe('MAIN');
    expect(await page.getByRole('main').count()).toBe(1);
    expect(problems.get(page)).toEqual([]);
    await page.close();
  });

  it('shows the refusal screen without a token, and with a wrong one', async () => {
    const base = `http://127.0.0.1:${server.port}/`;
    const page = await openPage(base);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('This page needs its access link');
    expect(await page.getByText('npm run web').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'refused.png') });
    expect(problems.get(page)).toEqual([]);
    await page.close();

    const wrong = await openPage(`${base}#token=${'0'.repeat(64)}`);
    await expect.poll(() => wrong.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('This page needs its access link');
    // The only errors are the refused API calls themselves.
    expect(problems.get(wrong)!.filter((p) => !p.includes('401'))).toEqual([]);
    await wrong.close();
  });

  it('refreshes the runs list when a run.status event arrives over the WebSocket', async () => {
    const page = await openPage(server.url);
    await expect.poll(() => page.getByText('No runs yet — start the demo: New run → Demo').count(), POLL).toBe(1);
    fakeRuns.push({
      id: '1', name: 'demo-run', status: 'running', objective: 'grpo', clipo: true, modelName: 'tiny-demo',
      datasetName: 'arith', createdAt: Date.now(), startedAt: Date.now(), endedAt: null, step: 3, totalSteps: 50,
      bestReward: 0.25, lastReward: 0.2, error: null, notes: '', tags: [],
    });
    // The page subscribes when the Runs view mounts; keep pushing until its socket is connected.
    await expect.poll(() => {
      events.emit('run.status', { runId: '1', status: 'running', error: null });
      return page.getByRole('cell', { name: 'demo-run', exact: true }).count();
    }, POLL).toBe(1);
    expect(await page.getByRole('cell', { name: 'grpo + CLIPO' }).count()).toBe(1);
    await page.screenshot({ path: join(shots, 'runs-with-run.png') });
    fakeRuns.length = 0;
    expect(problems.get(page)).toEqual([]);
    await page.close();
  });

  it('would notice a CSP violation (control for the checks above)', async () => {
    const page = await openPage(server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Runs');
    // An injected inline <style> is what an HTML-injection bug would add; the policy must block it.
    await page.evaluate(`(() => { const s = document.createElement('style'); s.textContent = 'body { color: red }';
      document.head.append(s); })()`);
    await expect.poll(() => problems.get(page)!.some((p) => p.includes('CSP violation: style-src')), POLL).toBe(true);
    await page.close();
  });

  it('refuses API requests from a foreign origin, even with the token', async () => {
    const page = await openPage(foreignOrigin);
    const apiUrl = `http://127.0.0.1:${server.port}/api/settings.set`;
    responses.length = 0;
    // A "simple" cross-site POST (no preflight, no token possible): sent by the browser, refused by the server.
    await page.evaluate((url) => fetch(url, { method: 'POST', mode: 'no-cors', body: '{"theme":"dark"}' }).catch(() => null), apiUrl);
    // With the token header the browser preflights (OPTIONS); the refusal makes fetch fail.
    const outcome = await page.evaluate(
      ([url, token]) => fetch(url!, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{"theme":"dark"}' })
        .then((r) => `status ${r.status}`, (e: Error) => `rejected: ${e.name}`),
      [apiUrl, server.token],
    );
    expect(outcome).toMatch(/^rejected/);
    const fromForeign = responses.filter((r) => r.origin === foreignOrigin);
    expect(fromForeign.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 403', 'OPTIONS 403']);
    await page.close();
  });
});
