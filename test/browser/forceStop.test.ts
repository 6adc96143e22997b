// Force stop in the run page (issue 16: a trainer stuck in a long synchronous
// phase never reads Stop, and the UI had no way to end it). Real web server and
// services; only the trainer's body is a stand-in that blocks on its first
// message (as the 50 MB-row spin did) and ignores SIGTERM. Stop is accepted but
// does not take effect; after FORCE_STOP_AFTER_S the page offers Force stop,
// which kills the trainer's process group and the run becomes 'stopped'.
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
import { TRAINER_ENTRY } from '../../main/trainer/Supervisor.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const POLL = { timeout: 30_000, interval: 100 };
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

let tmp: string;
let server: WebServer;
let context: BrowserContext;
let services: HandlerContext;
let dispose: () => Promise<void>;
let page: Page;
let stuckPid = 0;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'renderer'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`renderer build failed:\n${build.stdout}\n${build.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'clipo-force-stop-'));
  const stuck = join(tmp, 'stuckTrainer.mjs');
  // Blocks the event loop for good on the start message without using CPU: no stop message is ever read.
  writeFileSync(stuck, "process.on('SIGTERM', () => {}); process.on('message', () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });\n");
  const spawn = forkToolSpawner();
  const created = createDefaultServices({
    mode: 'web', dataDir: join(tmp, 'data'), appRoot: root, events: new ApiEventBus(),
    spawnTrainer: (entry) => {
      if (entry !== TRAINER_ENTRY) throw new Error('only a trainer in this test');
      const h = spawn(stuck);
      stuckPid = h.pid ?? 0;
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
  if (stuckPid && alive(stuckPid)) process.kill(-stuckPid, 'SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('force stop', () => {
  it('appears only when Stop has not taken effect; it kills the stuck trainer and the run is stopped', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const { runId } = await services.runs!.create!({ recipe: { ...demo, name: 'stuck run' }, start: true });
    await expect.poll(() => stuckPid, POLL).toBeGreaterThan(0);
    await page.goto(server.url);
    await page.getByRole('link', { name: 'stuck run' }).first().click();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('button', { name: 'Stop run' }).click();
    // Not offered at once: a healthy trainer finishes its step and stops by itself.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await page.getByRole('button', { name: 'Force stop' }).count()).toBe(0);
    expect(alive(stuckPid)).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Force stop' }).count(), { timeout: 30_000, interval: 250 }).toBe(1);
    expect(await page.getByTestId('force-stop').textContent()).toMatch(/has not stopped 15 s after Stop/);
    await page.getByRole('button', { name: 'Force stop' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('stopped');
    await expect.poll(() => alive(stuckPid), POLL).toBe(false);
    expect(await page.getByRole('button', { name: 'Force stop' }).count()).toBe(0);
    const run = await services.runs!.get!({ runId });
    expect(run.status).toBe('stopped');
    expect(run.events.some((e) => /force-stopped/.test(e.message))).toBe(true);
    expect(problems).toEqual([]);
  });
});
