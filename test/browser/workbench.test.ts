// The workbench end to end in Chromium against web mode, with real runs trained
// by the real trainer on the built-in tiny model: the wizard starts a CLIPO run,
// its dashboard's charts fill in while it trains, pause → resume → stop, the
// embedding scatter and the rollout inspector show that run's samples, and the
// comparison overlays two runs with a config diff. Screenshots of each view
// go to test-results/screenshots/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStatus } from '../../main/api/contract/index.js';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { M } from '../../main/api/contract/metricNames.js';
import { metricInfo } from '../../main/api/contract/metricRegistry.js';
import { recipePresets } from '../../main/recipes/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { forkSpawner } from '../../main/trainer/Supervisor.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 60_000, interval: 150 };

let tmp: string;
let server: WebServer;
let context: BrowserContext;
let services: HandlerContext;
let dispose: () => Promise<void>;
let page: Page;
const problems: string[] = [];
let runId = '';

const runs = () => services.runs!;
const status = async (id: string): Promise<RunStatus> => (await runs().get!({ runId: id })).status;
const chartPoints = (title: string) =>
  page.locator(`figure[data-chart="${title}"]`).getAttribute('data-points').then((v) => Number(v ?? 0));
const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  mkdirSync(shots, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'clipo-workbench-'));
  const dataDir = join(tmp, 'data');
  const events = new ApiEventBus();
  // The trainer child runs the built entry (as in the app); `npm test` builds first.
  const entry = join(root, 'dist', 'main', 'trainer', 'trainerMain.js');
  if (!existsSync(entry)) throw new Error(`${entry} missing: run \`npm run build\` first`);
  const created = createDefaultServices({ mode: 'web', dataDir, appRoot: root, events, spawnTrainer: () => forkSpawner()(entry) });
  services = created.context;
  dispose = created.dispose;
  server = await startWebServer({ port: 0, dataDir, handlers: created.handlers, events, staticDir: join(root, 'dist', 'renderer') });
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 860 },
  });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
});

afterAll(async () => {
  await context?.close();
  await server?.close();
  await dispose?.();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('workbench with a real trainer', () => {
  it('the wizard walks Model → Data → Reward → Recipe → Hardware → Start and starts a CLIPO run', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('New run');
    await page.getByRole('radio', { name: /Built-in tiny demo model/ }).check();
    await shot('wizard-1-model');
    await page.getByRole('button', { name: 'Next: Data' }).click();
    await expect.poll(() => page.locator('.preview li').count(), POLL).toBeGreaterThan(0);
    await shot('wizard-2-data');
    await page.getByRole('button', { name: 'Next: Reward' }).click();
    await expect.poll(() => page.getByTestId('reward-default').textContent(), POLL).toMatch(/Default for tiny-demo.*exactMatch/s);
    await page.getByRole('button', { name: 'Next: Recipe' }).click();
    await page.locator('[data-path="name"]').fill('wizard-clipo');
    await page.locator('[data-path="training.steps"]').fill('30');
    await page.locator('[data-path="training.checkpointEvery"]').fill('10');
    // An invalid value is explained next to its field by the trainer's schema.
    await page.locator('[data-path="rollout.groupSize"]').fill('0');
    await expect.poll(() => page.locator('#f-rollout-groupSize-err').count(), POLL).toBe(1);
    await shot('wizard-3-recipe-invalid');
    await page.locator('[data-path="rollout.groupSize"]').fill('8');
    await page.getByText('CLIPO', { exact: true }).click();
    await page.locator('[data-path="algorithm.clipo.enabled"]').check();
    await page.locator('[data-path="algorithm.clipo.outputSize"]').fill('16');
    await expect.poll(() => page.locator('[aria-invalid="true"]').count(), POLL).toBe(0);
    await page.getByRole('button', { name: 'Next: Hardware & preflight' }).click();
    await page.locator('[data-path="hardware.threads"]').fill('1');
    await expect.poll(() => page.getByTestId('preflight').textContent(), POLL).toMatch(/Memory.*about .*B/s);
    // the engine's categories (engine.reserve's: weights, adapter + optimizer, activations) and the sampler's KV cache
    await expect.poll(() => page.getByTestId('preflight-memory-parts').textContent(), POLL)
      .toMatch(/weights .*B,\s+adapter \+ optimizer .*B,\s+activations .*B,\s+sampler KV cache .*B/s);
    await shot('wizard-4-preflight');
    await page.getByRole('button', { name: 'Next: Start' }).click();
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => page.url(), POLL).toMatch(/#\/runs\/\d+$/);
    runId = page.url().match(/#\/runs\/(\d+)$/)![1]!;
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('wizard-clipo');
    const recipe = (await runs().get!({ runId })).recipe;
    expect(recipe.algorithm.clipo.enabled).toBe(true);
    expect(recipe.hardware.threads).toBe(1);
    expect(recipe.training.steps).toBe(30);
  });

  it("the dashboard's charts fill in while it trains; pause → resume → stop", async () => {
    await expect.poll(() => chartPoints('Reward mean and std'), POLL).toBeGreaterThan(0);
    const first = await chartPoints('Reward mean and std');
    await expect.poll(() => chartPoints('Reward mean and std'), POLL).toBeGreaterThan(first);
    // Every group of charts the demo produces is drawn, CLIPO's included.
    for (const title of ['Accuracy', 'Completion length', 'Truncation rate', 'Clip fractions', 'Entropy', 'Learning rate', 'Gradient norm', 'Tokens per second', 'Step time split', 'Contrastive reward', 'Similarity fluctuation (head embeddings)', 'Rollout correction (π_old / π_sampler)']) {
      await expect.poll(() => chartPoints(title), POLL).toBeGreaterThan(0);
    }
    expect(await page.locator('figure[data-chart="Reward mean and std"] path.line').first().getAttribute('d')).toMatch(/^M/);
    await expect.poll(() => page.getByRole('progressbar').getAttribute('aria-valuenow').then(Number), POLL).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('paused');
    expect(await status(runId)).toBe('paused');
    await shot('dashboard-charts');
    // The pause is in the run's event log, as stored.
    expect((await runs().get!({ runId })).events.some((e) => e.kind === 'pause')).toBe(true);
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('running');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    // Stop asks first.
    await page.getByRole('button', { name: 'Stop run', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('stopped');
    expect(await status(runId)).toBe('stopped');
    // Hover readout on a chart.
    const svg = page.locator('figure[data-chart="Reward mean and std"] svg[role="img"]');
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await expect.poll(() => page.locator('.readout').count(), POLL).toBeGreaterThan(0);
    await shot('dashboard-hover');
  });

  it("the scatter shows the run's embedded samples and a click opens the completion", async () => {
    const steps = await runs().steps!({ runId });
    expect(steps.length).toBeGreaterThan(0);
    const last = steps[steps.length - 1]!;
    const expected = await runs().embeddings!({ runId, step: last, kind: 'head' });
    expect(expected.length).toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Embeddings' }).click();
    await expect.poll(() => page.locator('svg[data-points] path.pt').count(), POLL).toBe(expected.length);
    // Points of a tiny model overlap; events go to the chosen point itself.
    await page.locator('svg[data-points] path.pt').first().dispatchEvent('pointerenter');
    await expect.poll(() => page.locator('path.pt.dim').count(), POLL).toBeGreaterThan(0);
    await shot('dashboard-scatter');
    const sampleId = Number(await page.locator('svg[data-points] path.pt').first().getAttribute('data-sample'));
    await page.locator('svg[data-points] path.pt').first().dispatchEvent('click');
    await expect.poll(() => page.getByRole('tab', { name: 'Rollouts' }).getAttribute('aria-selected'), POLL).toBe('true');
    const { groups } = await runs().samples!({ runId, step: last, limit: 1000 });
    const sample = groups.flatMap((g) => g.samples).find((s) => s.id === sampleId)!;
    await expect.poll(() => page.getByTestId('completion-text').textContent(), POLL).toBe(sample.completion);
    // Pooled states are there too.
    await page.getByRole('tab', { name: 'Embeddings' }).click();
    await page.getByRole('radio', { name: 'Raw pooled states' }).check();
    const pooled = await runs().embeddings!({ runId, step: last, kind: 'pooled' });
    await expect.poll(() => page.locator('svg[data-points] path.pt').count(), POLL).toBe(pooled.length);
  });

  it('the inspector lists the groups of a step and its filters work', async () => {
    await page.getByRole('tab', { name: 'Rollouts' }).click();
    const steps = await runs().steps!({ runId });
    const step = steps[steps.length - 1]!;
    await page.getByRole('combobox', { name: 'Step', exact: true }).selectOption({ value: String(step) });
    const all = await runs().samples!({ runId, step, limit: 1000 });
    await expect.poll(() => page.getByTestId('inspector-count').textContent(), POLL).toContain(`${all.total} groups`);
    await shot('dashboard-inspector');
    await page.getByRole('combobox', { name: 'Show', exact: true }).selectOption('correct');
    const correct = await runs().samples!({ runId, step, limit: 1000, filter: { correctness: 'correct' } });
    const nCorrect = correct.groups.reduce((n, g) => n + g.samples.length, 0);
    await expect.poll(() => page.getByTestId('inspector-count').textContent(), POLL).toContain(`${nCorrect} completions`);
    await page.getByRole('combobox', { name: 'Show', exact: true }).selectOption('incorrect');
    const wrong = await runs().samples!({ runId, step, limit: 1000, filter: { correctness: 'incorrect' } });
    await expect.poll(() => page.getByTestId('inspector-count').textContent(), POLL).toContain(`${wrong.groups.reduce((n, g) => n + g.samples.length, 0)} completions`);
    await page.getByLabel('Zero-variance groups only').check();
    const zv = await runs().samples!({ runId, step, limit: 1000, filter: { correctness: 'incorrect', zeroVarianceOnly: true } });
    await expect.poll(() => page.getByTestId('inspector-count').textContent(), POLL).toContain(`${zv.total} groups`);
    await page.getByRole('tab', { name: 'Checkpoints & export' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Export' }).count(), POLL).toBe(1);
    await shot('dashboard-checkpoints');
    expect(problems).toEqual([]);
  });

  it('compare overlays two runs with a config diff; the runs list acts on runs', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const { runId: other } = await runs().create!({ recipe: { ...demo, name: 'second', training: { ...demo.training, steps: 6, checkpointEvery: 6 }, optim: { ...demo.optim, lr: 1e-3 }, hardware: { threads: 1 } }, start: true });
    await expect.poll(() => status(other), { timeout: 120_000, interval: 250 }).toBe('finished');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs', exact: true }).click();
    await expect.poll(() => page.getByRole('link', { name: 'second', exact: true }).count(), POLL).toBe(1);
    await shot('runs-list');
    await page.getByRole('checkbox', { name: 'Select wizard-clipo for comparison' }).check();
    await page.getByRole('checkbox', { name: 'Select second for comparison' }).check();
    await page.getByRole('button', { name: /Compare selected/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Compare runs');
    // Compare titles each chart with the metric's readable name (metricRegistry), not its key.
    const lines = page.locator(`figure[data-chart="${metricInfo(M.rewardMean).label}"] path.line`);
    await expect.poll(() => lines.count(), POLL).toBe(2);
    for (const d of await lines.evaluateAll((els) => els.map((e) => e.getAttribute('d') ?? ''))) expect(d).toMatch(/^M/);
    await expect.poll(() => page.getByTestId('config-diff').locator('tbody tr').count(), POLL).toBeGreaterThan(0);
    expect(await page.getByTestId('config-diff').getByText('optim.lr').count()).toBe(1);
    await shot('compare');

    // Delete asks first (a modal dialog), then removes the run.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('button', { name: 'Delete second' }).click();
    await expect.poll(() => page.getByRole('dialog').count(), POLL).toBe(1);
    await shot('runs-delete-dialog');
    await page.getByRole('button', { name: 'Delete run' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'second', exact: true }).count(), POLL).toBe(0);
    // Dark theme of the dashboard stays readable.
    await page.evaluate(`document.documentElement.dataset.theme = 'dark'`);
    await page.evaluate(`location.hash = '#/runs/${runId}'`);
    await expect.poll(() => chartPoints('Reward mean and std'), POLL).toBeGreaterThan(0);
    await shot('dashboard-dark');
    expect(problems).toEqual([]);
  });
});
