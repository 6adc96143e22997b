// The Checkpoints page's Cancel for a long export (issue 16: an export stuck in
// its tool process left the page on "Exporting…" with no way out). Real web
// server and services; only the tool process's body is a stand-in that hangs
// (ignoring SIGTERM, as the stuck mkdir loop did), so Cancel must kill it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { recipePresets } from '../../main/recipes/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { forkToolSpawner } from '../../main/services/toolSpawner.js';
import { TOOL_ENTRY } from '../../main/trainer/toolProtocol.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const POLL = { timeout: 30_000, interval: 100 };

let tmp: string;
let server: WebServer;
let context: BrowserContext;
let services: HandlerContext;
let dispose: () => Promise<void>;
let page: Page;
let hungPid = 0;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'renderer'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`renderer build failed:\n${build.stdout}\n${build.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'clipo-export-cancel-'));
  const hung = join(tmp, 'hungTool.mjs');
  writeFileSync(hung, "process.on('SIGTERM', () => {}); process.on('message', () => { for (;;) {} });\n");
  const spawnTool = forkToolSpawner();
  const created = createDefaultServices({
    mode: 'web', dataDir: join(tmp, 'data'), appRoot: root, events: new ApiEventBus(),
    spawnTrainer: (entry) => {
      if (entry !== TOOL_ENTRY) throw new Error('no trainer in this test');
      const h = spawnTool(hung);
      hungPid = h.pid ?? 0;
      return h;
    },
  });
  services = created.context;
  dispose = created.dispose;
  server = await startWebServer({ port: 0, dataDir: join(tmp, 'data'), handlers: created.handlers, staticDir: join(root, 'dist', 'renderer') });
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  await dispose?.();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('export cancel', () => {
  it('shows Cancel while exporting; Cancel kills the tool and the page says the export was cancelled', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const { runId } = await services.runs!.create!({ recipe: { ...demo, name: 'cancel me' }, start: false });
    expect(runId).toBeTruthy();
    await page.goto(server.url);
    await page.getByRole('link', { name: 'cancel me' }).first().click();
    await page.getByRole('tab', { name: 'Checkpoints & export' }).click();
    // Web mode: no folder to type; the export downloads as a ZIP.
    await page.getByRole('button', { name: 'Download ZIP', exact: true }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Exporting…' }).count(), POLL).toBe(1);
    await expect.poll(() => hungPid, POLL).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toMatch(/export was cancelled/);
    expect(await page.getByRole('button', { name: 'Cancel export' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Download ZIP', exact: true }).isEnabled()).toBe(true);
    await expect.poll(() => { try { process.kill(hungPid, 0); return true; } catch { return false; } }, POLL).toBe(false);
    expect(problems).toEqual([]);
  });
});
