// The run page against the store, in Chromium over web mode: what the charts,
// their data tables and hover readouts show is compared with the values the
// store holds (series with gaps, near-constant series, tick labels), a run
// trained by the CLI in another process streams into an open dashboard, and
// step numbers agree between the progress bar, the charts, checkpoints,
// events and sliders. A hand-written run (written through its own store
// connection, as another process would) supplies the gaps; the CLI run is a
// real `clipo train demo`. Screenshots of every view in both themes go to
// test-results/screenshots/run-page-*.png.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { Store } from '../../main/store/Store.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 30_000, interval: 100 };
const STEPS = 40;

let tmp: string;
let dataDir: string;
let server: WebServer;
let context: BrowserContext;
let services: HandlerContext;
let dispose: () => Promise<void>;
let page: Page;
/** A second connection to the run database: the "other process" that writes the hand-made run. */
let writer: Store;
let gapRun = 0;
const problems: string[] = [];
let cli: ChildProcess | null = null;

// The hand-made run's metrics, by stored (0-based) step. Reward every step; the similarity
// series with holes (as CLIPO logs them: only steps with such pairs); a sparse accuracy;
// a learning rate and a length that are constant up to float32 noise.
const pos = (s: number) => (s % 4 === 2 ? null : 0.3 + 0.01 * s);
const neg = (s: number) => (s % 3 === 1 || (s >= 20 && s < 24) ? null : 0.9 - 0.005 * s);
const mixed = (s: number) => (s % 5 === 0 ? null : 0.5 + 0.004 * s);
const sparse = (s: number) => (s === 5 || s === 21 || s === 22 ? 0.25 + s / 100 : null);
const lr = (s: number) => (s % 2 ? 0.004999998 : 0.005);
const len = (s: number) => (s % 3 ? 2.0000004 : 2);
function metricsAt(s: number): Record<string, number | null> {
  const m: Record<string, number | null> = {
    [M.rewardMean]: 0.1 + 0.02 * s, [M.lr]: lr(s), [M.lengthMean]: len(s), [M.elapsed]: 0.5 * (s + 1), [M.timeStep]: 0.5,
    [M.entropy]: 1.2 - 0.01 * s, [M.loss]: s === 10 || s === 11 ? NaN : 0.2,
  };
  const put = (k: string, v: number | null) => { if (v !== null) m[k] = v; };
  put(M.embPosPairSim, pos(s)); put(M.embNegPairSim, neg(s)); put(M.embMixedPairSim, mixed(s)); put(M.truncatedAccuracy, sparse(s));
  return m;
}

const num = (t: string | null) => Number((t ?? '').replace(/[^\d.eE+-]/g, ''));
/** A shown value agrees with the store's when it is the store's value to the 3 significant digits shown. */
const agrees = (shown: number, stored: number) => Math.abs(shown - stored) <= 0.006 * Math.max(Math.abs(stored), 1e-9) + 1e-12;
const shot = (name: string) => page.screenshot({ path: join(shots, `run-page-${name}.png`), fullPage: true });
const chart = (title: string) => page.locator(`figure[data-chart="${title}"]`);
const setTheme = (t: 'light' | 'dark') => page.evaluate(`document.documentElement.dataset.theme = '${t}'`);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  mkdirSync(shots, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'clipo-runpage-'));
  dataDir = join(tmp, 'data');
  const events = new ApiEventBus();
  const created = createDefaultServices({ mode: 'web', dataDir, appRoot: root, events });
  services = created.context;
  dispose = created.dispose;
  server = await startWebServer({ port: 0, dataDir, handlers: created.handlers, events, staticDir: join(root, 'dist', 'renderer') });

  writer = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, name: 'gaps', training: { ...demo.training, steps: STEPS } });
  gapRun = writer.runs.create({ name: 'gaps', recipeJson: JSON.stringify(recipe), totalSteps: STEPS });
  for (let s = 0; s < STEPS; s++) writer.steps.writeStep(gapRun, { step: s, wallTime: 1.7e9 + s, metrics: metricsAt(s) });
  writer.checkpoints.add(gapRun, { step: STEPS - 1, path: join(tmp, 'ckpt'), bytes: 3 * 2 ** 20 });
  writer.events.add(gapRun, { step: STEPS - 1, level: 'info', kind: 'checkpoint', message: 'checkpoint after the last step' });
  writer.runs.updateStatus(gapRun, 'finished');

  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 860 },
  });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
  await page.evaluate(`location.hash = '#/runs/${gapRun}'`);
  await page.getByRole('heading', { level: 1, name: 'gaps', exact: true }).waitFor({ timeout: 30_000 });
});

afterAll(async () => {
  if (cli && cli.exitCode === null) cli.kill('SIGKILL');
  await context?.close();
  await server?.close();
  await dispose?.();
  writer?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('charts show the store’s values', () => {
  const SIM = 'Similarity fluctuation (head embeddings)';
  const bySeries: Record<string, (s: number) => number | null> = {
    'correct–correct': pos, 'incorrect–incorrect': neg, mixed,
  };

  it('the data table aligns every series by step (a missing value is “—”, never a neighbour’s)', async () => {
    await expect.poll(() => chart(SIM).getAttribute('data-points').then(Number), POLL).toBeGreaterThan(0);
    await chart(SIM).getByText('Data table').click();
    const rows = chart(SIM).locator('tbody tr');
    await expect.poll(() => rows.count(), POLL).toBe(20);
    const heads = await chart(SIM).locator('thead th').allTextContents();
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    let missing = 0;
    for (const row of cells) {
      const shown = Number(row[0]);
      const stored = shown - 1; // steps are shown 1-based
      for (let c = 1; c < heads.length; c++) {
        const want = bySeries[heads[c]!]!(stored);
        if (want === null) { expect(row[c], `${heads[c]} at step ${shown}`).toBe('—'); missing++; }
        else expect(agrees(num(row[c]!), want), `${heads[c]} at step ${shown}: shown ${row[c]}, store ${want}`).toBe(true);
      }
    }
    expect(missing).toBeGreaterThan(3);
  });

  it('the hover readout reports every series at the hovered step only', async () => {
    await expect.poll(() => chart(SIM).getAttribute('data-points').then(Number), POLL).toBeGreaterThan(0);
    const svg = chart(SIM).locator('svg[role="img"]');
    await svg.scrollIntoViewIfNeeded();
    const box = (await svg.boundingBox())!;
    let checked = 0, gaps = 0;
    // With smoothing on (the default), the readout gives the smoothed value and the store's raw one in brackets.
    for (let i = 0; i <= 24; i++) {
      await page.mouse.move(box.x + 40 + ((box.width - 50) * i) / 24, box.y + box.height / 2);
      const readout = chart(SIM).locator('.readout');
      await expect.poll(() => readout.count(), POLL).toBe(1);
      const stored = Number(await readout.getAttribute('data-step')) - 1;
      for (const [label, f] of Object.entries(bySeries)) {
        const row = readout.locator(`div[data-series]`).filter({ hasText: `${label}:` });
        const text = (await row.textContent()) ?? '';
        const want = f(stored);
        if (want === null) { expect(text).toContain('no value at this step'); gaps++; }
        else expect(agrees(num(/\(raw ([^)]+)\)/.exec(text)?.[1] ?? (await row.locator('b').textContent())), want), `${label} at stored step ${stored}: ${text} vs ${want}`).toBe(true);
      }
      checked++;
    }
    expect(checked).toBe(25);
    expect(gaps).toBeGreaterThan(0);
    await page.mouse.move(0, 0);
  });

  it('lines break at missing steps and isolated points are drawn as dots', async () => {
    // Runs of consecutive stored steps with a value: each is one subpath (M …); a run of one step is a dot.
    const runsOf = (f: (s: number) => number | null) => {
      const out: number[] = [];
      let len = 0;
      for (let s = 0; s <= STEPS; s++) {
        if (s < STEPS && f(s) !== null) len++;
        else if (len) { out.push(len); len = 0; }
      }
      return out;
    };
    for (const [name, f] of [[M.embNegPairSim, neg], [M.embPosPairSim, pos], [M.embMixedPairSim, mixed]] as const) {
      const d = (await chart(SIM).locator(`path.line[data-series="${name}"]`).getAttribute('d')) ?? '';
      const runs = runsOf(f);
      expect((d.match(/M/g) ?? []).length, name).toBe(runs.length);
      expect(await chart(SIM).locator(`circle.dot[data-series="${name}"]`).count(), name).toBe(runs.filter((n) => n === 1).length);
    }
    // A sparse series (3 values, two of them adjacent): one segment and one dot.
    const trunc = chart('Truncation rate');
    expect(await trunc.locator(`circle.dot[data-series="${M.truncatedAccuracy}"]`).count()).toBe(1);
    expect(((await trunc.locator(`path.line[data-series="${M.truncatedAccuracy}"]`).getAttribute('d')) ?? '').match(/M/g)?.length).toBe(2);
  });

  it('a constant learning rate and length are drawn flat, with round, unclipped tick labels and axis titles', async () => {
    for (const title of ['Learning rate', 'Completion length']) {
      const d = (await chart(title).locator('path.line').first().getAttribute('d')) ?? '';
      const ys = [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => Number(m[2]));
      expect(ys.length, title).toBe(STEPS);
      expect(Math.max(...ys) - Math.min(...ys), `${title} is flat`).toBeLessThan(0.5);
      const labels = await chart(title).locator('text.tick').allTextContents();
      for (const l of labels) expect(l, `${title} tick "${l}"`).not.toMatch(/99999|00001|\.0+$/);
      // Every tick label lies inside the chart's SVG (nothing clipped on the left).
      const svgBox = (await chart(title).locator('svg[role="img"]').boundingBox())!;
      for (const box of await chart(title).locator('text.tick').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left))) {
        expect(box).toBeGreaterThanOrEqual(svgBox.x - 0.5);
      }
    }
    // The smoothed line at a constant value is that value: the readout says 0.005 and 2.
    expect(await chart('Learning rate').locator('text.axis-title').allTextContents()).toEqual(['step', 'learning rate']);
    expect(await chart('Completion length').locator('text.axis-title').allTextContents()).toEqual(['step', 'tokens']);
    // x ticks are whole steps written without decimals ("20", not "20.0").
    for (const l of await chart('Reward mean and std').locator('text.tick').allTextContents()) expect(l).not.toMatch(/\.0$/);
  });

  it('step numbers agree: progress, chart end, checkpoints, events (1-based everywhere)', async () => {
    await expect.poll(() => page.getByTestId('step').textContent(), POLL).toBe(String(STEPS));
    const last = await page.getByRole('progressbar').getAttribute('aria-valuenow');
    expect(last).toBe(String(STEPS));
    // The reward chart's last point is at step STEPS (its summary names the step of the last value).
    expect(await chart('Reward mean and std').getAttribute('aria-label')).toContain(`at step ${STEPS}`);
    await page.getByRole('tab', { name: 'Checkpoints & export' }).click();
    await expect.poll(() => page.locator('table').first().locator('tbody tr td').first().textContent(), POLL).toBe(String(STEPS));
    expect(await page.locator('table').first().locator('tbody tr td').nth(2).textContent()).toBe('3.0 MiB');
    await page.getByRole('tab', { name: 'Events' }).click();
    await expect.poll(() => page.locator('tbody tr').filter({ hasText: 'checkpoint' }).locator('td').nth(1).textContent(), POLL).toBe(String(STEPS));
    await page.getByRole('tab', { name: 'Charts' }).click();
  });
});

describe('alarm history', () => {
  it('lists each alarm with the steps it held, as the store recorded them', async () => {
    await page.evaluate(`location.hash = '#/runs/${gapRun}'`);
    await page.getByTestId('alarm-history').getByText(/Alarm history/).click();
    const item = page.getByTestId('alarm-history').locator('li[data-alarm="nan-loss"]');
    await expect.poll(() => item.count(), POLL).toBe(1);
    const stored = writer.alarms.list(gapRun).filter((a) => a.alarm === 'nan-loss');
    // The NaN loss was written at stored steps 10 and 11: steps 11–12 as people count.
    expect(stored.map((a) => [a.firstStep, a.lastStep])).toEqual([[10, 11]]);
    expect(await item.locator('b').textContent()).toBe(`steps ${stored[0]!.firstStep + 1}–${stored[0]!.lastStep + 1}`);
  });
});

describe('a run trained by the CLI streams into the open dashboard', () => {
  it('progress, charts and status follow it; pause says where to do it', async () => {
    const entry = join(root, 'dist', 'main', 'cli', 'clipo.js');
    if (!existsSync(entry)) throw new Error(`${entry} missing: run \`npm run build\` first`);
    const before = new Set((await services.runs!.list!({})).map((r) => r.id));
    // Long enough (~0.15 s a step) that the page sees it running: with 8 steps a fast moment on CI let the
    // whole run finish before the dashboard's first status read, and 'running' was never shown.
    const steps = 40;
    cli = spawn(process.execPath, [join(root, 'bin', 'clipo.js'), 'train', 'demo', '--steps', String(steps), '--name', 'from-cli', '--json'], {
      env: { ...process.env, CLIPO_DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    cli.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    let runId = '';
    await expect.poll(async () => {
      runId = (await services.runs!.list!({})).find((r) => !before.has(r.id))?.id ?? '';
      return runId;
    }, { timeout: 60_000, interval: 100 }).not.toBe('');
    await page.evaluate(`location.hash = '#/runs/${runId}'`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('from-cli');
    // It trains under the CLI: the page says so instead of offering buttons that cannot work.
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000, interval: 100 }).toBe('running');
    await expect.poll(() => page.getByTestId('external-note').count(), POLL).toBe(1);
    expect(await page.getByRole('button', { name: 'Pause', exact: true }).isDisabled()).toBe(true);
    await expect(Promise.resolve().then(() => services.runs!.pause!({ runId }))).rejects.toThrow(/started by another program.*Ctrl\+C/);
    // Steps arrive without a reload while it trains...
    await expect.poll(() => page.getByTestId('step').textContent().then(Number), { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
    // ...and the end: finished, at steps/steps, with every step drawn.
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 180_000, interval: 200 }).toBe('finished');
    expect(cli.exitCode === null || cli.exitCode === 0, stderr).toBe(true);
    await expect.poll(() => page.getByTestId('step').textContent(), POLL).toBe(String(steps));
    // A finished run has nothing to pause, resume or stop: one action row with what still applies.
    const actions = page.getByRole('toolbar', { name: 'Run actions' });
    await expect.poll(() => actions.getByRole('button', { name: 'Pause', exact: true }).count(), POLL).toBe(0);
    expect(await actions.getByRole('button', { name: 'Stop', exact: true }).count()).toBe(0);
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Duplicate', 'Rename, notes & tags']);
    const stored = (await services.runs!.metrics!({ runId, names: [M.rewardMean] }))[0]!;
    await expect.poll(() => chart('Reward mean and std').locator(`path.line[data-series="${M.rewardMean}"]`).getAttribute('d').then((d) => (d ?? '').match(/[ML]/g)?.length ?? 0), POLL).toBe(stored.steps.length);
    expect(problems).toEqual([]);
  });

  it('the preflight then uses that run\'s measured step time instead of a guess', async () => {
    const cliRun = (await services.runs!.list!({})).find((r) => r.name === 'from-cli')!;
    // The preflight's rule (main/services/stepMeasurement.ts): the median of the last 20 steps, without the run's first.
    const times = (await services.runs!.metrics!({ runId: cliRun.id, names: [M.timeStep] }))[0]!.values.slice(1).slice(-20).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run', exact: true }).click();
    await page.getByRole('button', { name: /5\. Hardware/ }).click();
    await expect.poll(() => page.getByTestId('preflight-basis').textContent(), POLL).toContain('from-cli');
    const shown = (await page.getByTestId('preflight-time').textContent()) ?? '';
    expect(shown).toEqual(median < 1 ? `about ${Math.round(median * 1000)} ms` : expect.stringMatching(/ s$/));
  });
});

describe('the wizard', () => {
  it('says what is wrong in words, marks the step, keeps its state when left, and moves focus on Next', async () => {
    await page.evaluate(`location.hash = '#/new'`);
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor({ timeout: 30_000 });
    const steps = page.getByRole('navigation', { name: 'Wizard steps' });
    await steps.getByRole('button', { name: /^4\. Recipe/ }).click();
    await page.locator('[data-path="rollout.maxTokens"]').fill('0');
    await expect.poll(() => page.locator('#f-rollout-maxTokens-err').textContent(), POLL).toBe('must be at least 1');
    await expect.poll(() => steps.getByRole('button', { name: /^4\. Recipe/ }).getAttribute('class'), POLL).toContain('has-error');
    // ConSPO's fields appear only with the ConSPO objective; CLIPO's only with CLIPO on.
    expect(await page.locator('[data-path^="algorithm.conspo."]').count()).toBe(0);
    await page.locator('[data-path="algorithm.objective"]').selectOption('conspo');
    await expect.poll(() => page.locator('[data-path^="algorithm.conspo."]').count(), POLL).toBeGreaterThan(0);
    // Leave and come back: the edits are still there.
    await page.evaluate(`location.hash = '#/runs'`);
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    await page.evaluate(`location.hash = '#/new'`);
    await expect.poll(() => page.locator('[data-path="rollout.maxTokens"]').inputValue(), POLL).toBe('0');
    await page.locator('[data-path="rollout.maxTokens"]').fill('4');
    await page.locator('[data-path="algorithm.objective"]').selectOption('grpo');
    await expect.poll(() => steps.getByRole('button', { name: /^4\. Recipe/ }).getAttribute('class').then((c) => c ?? ''), POLL).not.toContain('has-error');
    // Next puts the keyboard focus on the next step's first field.
    await page.getByRole('button', { name: 'Next: Hardware & preflight' }).click();
    await expect.poll(() => page.evaluate<string>('document.activeElement?.getAttribute("data-path") ?? ""'), POLL).toMatch(/^hardware\./);
  });
});

describe('duplicate and rerun', () => {
  it('Duplicate opens the wizard prefilled with the run\'s recipe instead of creating a queued run', async () => {
    const before = (await services.runs!.list!({})).length;
    await page.evaluate(`location.hash = '#/runs'`);
    await page.getByRole('button', { name: 'Duplicate gaps as a new run' }).click();
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
    const recipe = (await services.runs!.get!({ runId: String(gapRun) })).recipe;
    await expect.poll(() => page.locator('[data-path="name"]').inputValue(), POLL).toBe('gaps (copy)');
    expect(Number(await page.locator('[data-path="training.steps"]').inputValue())).toBe(recipe.training.steps);
    expect(Number(await page.locator('[data-path="rollout.groupSize"]').inputValue())).toBe(recipe.rollout.groupSize);
    expect((await services.runs!.list!({})).length).toBe(before);
    await page.evaluate(`sessionStorage.clear()`);
  });
});

describe('every view in both themes', () => {
  const go = async (hash: string, heading: string | RegExp) => {
    await page.evaluate(`location.hash = '${hash}'`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 30_000 });
  };

  it('saves screenshots at 1280 and 1024 px; the chart palette follows a live theme switch; nothing overflows at 1024 px', async () => {
    const cliRun = (await services.runs!.list!({})).find((r) => r.name === 'from-cli')!;
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      for (const width of [1280, 1024]) {
        await page.setViewportSize({ width, height: 860 });
        const tag = `${theme}-${width}`;
        await go('#/runs', 'Runs');
        await shot(`runs-${tag}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `runs list fits ${width} px`).toBeLessThanOrEqual(width);
        const dup = (await page.getByRole('button', { name: 'Duplicate from-cli as a new run' }).boundingBox())!;
        expect(dup.x + dup.width, `the run actions are in view at ${width} px`).toBeLessThanOrEqual(width);
        await go(`#/runs/${gapRun}`, 'gaps');
        await expect.poll(() => chart('Reward mean and std').getAttribute('data-points').then(Number), POLL).toBeGreaterThan(0);
        // The live palette: the first series' colour is the theme's (Okabe–Ito, with a lighter blue on dark).
        expect(await chart('Reward mean and std').locator('path.line').first().getAttribute('stroke')).toBe(theme === 'dark' ? '#56B4E9' : '#0072B2');
        await shot(`dashboard-charts-gaps-${tag}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `dashboard fits ${width} px`).toBeLessThanOrEqual(width);
        await go(`#/runs/${cliRun.id}`, 'from-cli');
        await expect.poll(() => chart('Reward mean and std').getAttribute('data-points').then(Number), POLL).toBeGreaterThan(0);
        await shot(`dashboard-charts-${tag}`);
        for (const tab of ['Embeddings', 'Rollouts', 'Events', 'Checkpoints & export'] as const) {
          await page.getByRole('tab', { name: tab }).click();
          await page.waitForTimeout(400);
          if (tab === 'Embeddings') {
            // A run without CLIPO opens on its pooled states, with every stored point drawn.
            const steps = await services.runs!.steps!({ runId: cliRun.id });
            const pooled = await services.runs!.embeddings!({ runId: cliRun.id, step: steps[steps.length - 1]!, kind: 'pooled' });
            expect(pooled.length).toBeGreaterThan(0);
            await expect.poll(() => page.locator('svg[data-points] path.pt').count(), POLL).toBe(pooled.length);
          }
          await shot(`dashboard-${tab.split(' ')[0]!.toLowerCase()}-${tag}`);
        }
        await go('#/new', 'New run');
        for (const step of ['1. Model', '2. Data', '3. Reward', '4. Recipe', '5. Hardware & preflight', '6. Start']) {
          await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: step }).click();
          await page.waitForTimeout(300);
          await shot(`wizard-${step.split('.')[0]}-${tag}`);
        }
        for (const [hash, h] of [['#/models', 'Models'], ['#/datasets', 'Datasets'], ['#/settings', 'Settings']] as const) {
          await go(hash, h);
          await shot(`${h.toLowerCase()}-${tag}`);
        }
        await go(`#/compare?runs=${gapRun},${cliRun.id}`, 'Compare runs');
        await page.waitForTimeout(500);
        await shot(`compare-${tag}`);
      }
    }
    await setTheme('light');
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(problems).toEqual([]);
  });
});
