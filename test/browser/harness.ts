/**
 * The setup every browser test repeats (the current renderer is built once per
 * run by buildRenderer.ts, the project's global setup): start the real web
 * server on the real services in a temporary data folder, open Debian's
 * Chromium, and collect each page's console errors and page errors (a test
 * expects `problems` to stay empty). Only what differs (fake areas, a
 * trainer stand-in, upload limits) is passed in.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { createDefaultServices, type DefaultServicesOptions } from '../../main/services/createDefaultServices.js';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { forkToolSpawner } from '../../main/services/toolSpawner.js';
import { startWebServer, type WebServer, type WebServerOptions } from '../../main/web/startWebServer.js';

export const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
export const root = findAppRoot();

export interface Harness {
  tmp: string;
  dataDir: string;
  events: ApiEventBus;
  services: HandlerContext;
  server: WebServer;
  context: BrowserContext;
  /** Console errors and page errors of every page opened with openPage. */
  problems: string[];
  /** A new blank tab whose console errors and page errors go into `problems`. */
  newPage(): Promise<Page>;
  /** newPage at `url` (default: the app with its token). */
  openPage(url?: string): Promise<Page>;
  /** Shows an app route (`#/runs/3`) in a page opened with openPage (the token is kept in its session); reloads if already there. */
  go(page: Page, hash: string): Promise<void>;
  close(): Promise<void>;
}

type ServiceOptions = Partial<Omit<DefaultServicesOptions, 'mode' | 'dataDir' | 'appRoot' | 'events'>>;

export interface HarnessOptions {
  /** Prefix of the temporary folder. */
  name: string;
  /** Service options (fake areas, a trainer stand-in, pickers); a function gets the temporary folder first (to write a stand-in into). */
  services?: ServiceOptions | ((tmp: string) => ServiceOptions);
  server?: Partial<Omit<WebServerOptions, 'port' | 'dataDir' | 'handlers' | 'events' | 'staticDir'>>;
  viewport?: { width: number; height: number };
  acceptDownloads?: boolean;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  const tmp = mkdtempSync(join(tmpdir(), `clipo-${opts.name}-`));
  const dataDir = join(tmp, 'data');
  const events = new ApiEventBus();
  const services = typeof opts.services === 'function' ? opts.services(tmp) : opts.services;
  const created = createDefaultServices({ mode: 'web', dataDir, appRoot: root, events, ...services });
  const server = await startWebServer({
    port: 0, dataDir, handlers: created.handlers, events, staticDir: join(root, 'dist', 'renderer'), ...opts.server,
  });
  const context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    ...(opts.viewport ? { viewport: opts.viewport } : {}),
    ...(opts.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  // Report CSP violations as console errors, so they land in `problems` (init scripts run outside the page's CSP).
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
  });`);
  const problems: string[] = [];
  const newPage = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    return page;
  };
  return {
    tmp, dataDir, events, services: created.context, server, context, problems,
    newPage,
    async openPage(url = server.url) {
      const page = await newPage();
      await page.goto(url);
      return page;
    },
    async go(page, hash) {
      const target = `${new URL(server.url).origin}/${hash}`;
      if (page.url() === target) await page.reload(); else await page.goto(target);
    },
    async close() {
      await context.close();
      await server.close();
      await created.dispose();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Saves the page as test-results/screenshots/<name>-light.png and -dark.png (the issue asks for every
 * view in both themes), switching the way a user's system does (prefers-color-scheme, followed live)
 * and waiting for the app to apply it; leaves the page light.
 */
export async function shotBothThemes(page: Page, name: string): Promise<void> {
  const dir = join(root, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    const t0 = Date.now();
    while (await page.evaluate('document.documentElement.dataset.theme') !== theme) {
      if (Date.now() - t0 > 5000) throw new Error(`the app did not switch to the ${theme} theme within 5 s`);
      await page.waitForTimeout(50);
    }
    await page.screenshot({ path: join(dir, `${name}-${theme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * A trainer or tool that never answers: for `entry` (TRAINER_ENTRY or TOOL_ENTRY) spawnTrainer starts a
 * child that ignores SIGTERM and blocks its event loop on its first message without using CPU
 * (Atomics.wait), so only a SIGKILL ends it; any other entry is refused. `pid()` is the last child's pid
 * (0 before one started). Pass `services` to startHarness.
 */
export function stuckChild(entry: string): { services: (tmp: string) => ServiceOptions; pid: () => number } {
  let pid = 0;
  const services = (tmp: string): ServiceOptions => {
    const script = join(tmp, 'stuckChild.mjs');
    writeFileSync(script, "process.on('SIGTERM', () => {}); process.on('message', () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });\n");
    const spawn = forkToolSpawner();
    return {
      spawnTrainer: (e) => {
        if (e !== entry) throw new Error(`this test spawns only ${entry}, not ${e}`);
        const handle = spawn(script);
        pid = handle.pid ?? 0;
        return handle;
      },
    };
  };
  return { services, pid: () => pid };
}
