// The run page's views against the store, in Chromium over web mode (issue 17): the
// embedding scatter (every stored point drawn, identical ones counted, PCA axes with the
// stored explained variance, tooltips), CLIPO charts only for a CLIPO run, the rollout
// inspector (labelled columns, rows = store rows, search across steps, token log-probs =
// stored values, the same prompt at two steps), compare (readable metric names, legend,
// dashes, evaluations) and the TensorBoard export. Two hand-written runs (written through
// their own store connection, as a trainer would): a CLIPO run whose first group's four
// completions are identical (one embedding), and a plain GRPO run. Screenshots of each view
// in both themes: test-results/screenshots/views-*.png.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M } from '../../main/api/contract/metricNames.js';
import { metricInfo } from '../../main/api/contract/metricRegistry.js';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { Store } from '../../main/store/Store.js';
import type { SampleInput, StepInput } from '../../main/store/types.js';
import { resolveModelPath } from '../../main/trainer/resolveModelPath.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';
import { readScalars } from '../export/tfeventsReader.js';

const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();
const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 30_000, interval: 100 };
const STEPS = 6, GROUPS = 4, G = 4;

let tmp: string, dataDir: string;
let server: WebServer;
let context: BrowserContext;
let dispose: () => Promise<void>;
let page: Page;
let writer: Store;
let clipoRun = 0, plainRun = 0;
const problems: string[] = [];

let seed = 12345;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };

function stepInput(step: number, withHead: boolean): StepInput {
  const samples: SampleInput[] = [];
  for (let g = 0; g < GROUPS; g++) {
    for (let i = 0; i < G; i++) {
      // Group 0: four identical completions (same text, tokens and embedding). Others differ.
      const same = g === 0;
      const correct = same ? step % 2 === 0 : rand() < 0.5;
      const n = same ? 3 : 2 + ((i + step) % 4);
      const tokens = Int32Array.from({ length: n }, (_, k) => 10 + ((g * 7 + (same ? 0 : i) * 3 + k) % 40));
      const trainer = Float32Array.from({ length: n }, (_, k) => -0.1 * (k + 1) - 0.01 * g);
      // The sampler agrees to ~1e-6 except on one token per completion of group 1 (a large gap to highlight).
      const sampler = Float32Array.from(trainer, (v, k) => (g === 1 && k === 1 ? v - 0.5 : v + 1e-6));
      samples.push({
        promptIndex: g, sampleIndex: i, prompt: `What is ${g} + ${g}?`, answer: String(2 * g),
        completion: same ? `the answer is ${step}` : `try ${step}.${g}.${i} ${'x'.repeat(i)}`, tokens,
        reward: correct ? 1 + 0.1 * i : 0.05 * i, rewardComponents: { exactMatch: correct ? 1 : 0 }, advantage: rand() - 0.5,
        correct, length: n, truncated: false, contrastiveReward: withHead ? 0.01 * i : null, samplerLogp: sampler, trainerLogp: trainer,
      });
    }
  }
  const emb = (kind: 'head' | 'pooled') => samples.map((s, k) => ({
    sample: k, kind, x: s.promptIndex === 0 ? 0.5 : rand() * 4 - 2, y: s.promptIndex === 0 ? -0.25 : rand() * 3 - 1.5,
  }));
  const metrics: Record<string, number> = {
    [M.rewardMean]: 0.2 + 0.05 * step + (withHead ? 0.1 : 0), [M.accuracy]: 0.3 + 0.04 * step, [M.lengthMean]: 3 + step % 2,
    [M.elapsed]: step + 1, [M.timeStep]: 1,
    [M.hiddenPosPairSim]: 0.5 + 0.01 * step, [M.hiddenNegPairSim]: 0.4, [M.hiddenMixedPairSim]: 0.3,
    [M.projPooledExplained1]: 0.5 + 0.01 * step, [M.projPooledExplained2]: 0.2,
  };
  if (withHead) {
    Object.assign(metrics, {
      [M.clipoLoss]: 1 - 0.05 * step, [M.clipoRewardMean]: 0.02, [M.clipoRewardMin]: 0.0, [M.clipoValidAnchors]: 8,
      [M.embPosPairSim]: 0.6 + 0.02 * step, [M.embNegPairSim]: 0.5, [M.embMixedPairSim]: 0.3 - 0.01 * step,
      [M.projHeadExplained1]: 0.61 + 0.01 * step, [M.projHeadExplained2]: 0.23,
    });
  }
  return { step, wallTime: 1.7e9 + step, metrics, samples, embeddings: withHead ? [...emb('head'), ...emb('pooled')] : emb('pooled') };
}

const shot = (name: string) => page.screenshot({ path: join(shots, `views-${name}.png`), fullPage: true });
const setTheme = (t: 'light' | 'dark') => page.evaluate(`document.documentElement.dataset.theme = '${t}'`);
async function openRun(id: number, tab: string): Promise<void> {
  await page.evaluate(`location.hash = '#/runs/${id}'`);
  await page.getByRole('tab', { name: tab }).waitFor({ timeout: 30_000 });
  await page.getByRole('tab', { name: tab }).click();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CLIPO_CHROMIUM)`);
  mkdirSync(shots, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'clipo-views-'));
  dataDir = join(tmp, 'data');
  const events = new ApiEventBus();
  const created = createDefaultServices({ mode: 'web', dataDir, appRoot: root, events });
  dispose = created.dispose;
  server = await startWebServer({ port: 0, dataDir, handlers: created.handlers, events, staticDir: join(root, 'dist', 'renderer') });

  writer = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const withClipo = parseRecipe({ ...demo, name: 'with clipo', training: { ...demo.training, steps: STEPS }, algorithm: { ...demo.algorithm, clipo: { enabled: true } } });
  const plain = parseRecipe({ ...demo, name: 'plain grpo', training: { ...demo.training, steps: STEPS, seed: 7 } });
  resolveModelPath(plain, dataDir); // the demo model file, whose vocabulary the token view reads
  clipoRun = writer.runs.create({ name: 'with clipo', recipeJson: JSON.stringify(withClipo), totalSteps: STEPS });
  plainRun = writer.runs.create({ name: 'plain grpo', recipeJson: JSON.stringify(plain), totalSteps: STEPS });
  for (let s = 0; s < STEPS; s++) {
    writer.steps.writeStep(clipoRun, stepInput(s, true));
    writer.steps.writeStep(plainRun, stepInput(s, false));
  }
  for (const [run, v] of [[clipoRun, 0.62], [plainRun, 0.48]] as const) {
    writer.evaluations.add({ runId: run, checkpointStep: STEPS - 1, model: 'tiny', dataset: 'tiny-demo', split: 'test', metric: 'pass@1', k: 1, value: v, n: 64 });
    writer.evaluations.add({ runId: run, checkpointStep: STEPS - 1, model: 'tiny', dataset: 'tiny-demo', split: 'test', metric: 'pass@8', k: 8, value: v + 0.2, n: 64 });
  }
  for (const r of [clipoRun, plainRun]) writer.runs.updateStatus(r, 'finished');

  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: { width: 1280, height: 900 },
  });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  await dispose?.();
  writer?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('embedding scatter', () => {
  it('draws every stored point, counts identical ones, and names the projection with its stored explained variance', async () => {
    await openRun(clipoRun, 'Embeddings');
    const last = STEPS - 1;
    const stored = writer.embeddings.ofStep(clipoRun, last, 'head');
    await expect.poll(() => page.locator('svg[data-points] path.pt').count(), POLL).toBe(stored.length);
    expect(stored.length).toBe(GROUPS * G);
    // The four identical completions of group 0 share one spot: four markers, one "×4" badge.
    expect(await page.locator('path.pt[data-stack="4"]').count()).toBe(4);
    expect(await page.locator('text.count').allTextContents()).toEqual(['×4']);
    const ex = [M.projHeadExplained1, M.projHeadExplained2].map((n) => writer.metrics.series(clipoRun, n, { fromStep: last, toStep: last })[0]!.value!);
    expect(await page.getByTestId('projection-name').textContent()).toContain('PCA of the CLIPO head embeddings');
    expect(await page.getByTestId('axis-x').textContent()).toBe(`PC1 (${Math.round(100 * ex[0]!)}% of variance)`);
    expect(await page.getByTestId('axis-y').textContent()).toBe(`PC2 (${Math.round(100 * ex[1]!)}% of variance)`);
    // Tooltips: reward and length as stored, for a few points.
    const samples = new Map(writer.samples.ofStep(clipoRun, last).map((s) => [s.id, s]));
    for (const e of stored.slice(4, 9)) {
      await page.locator(`path.pt[data-sample="${e.sampleId}"]`).focus();
      const tip = page.getByTestId('scatter-tooltip');
      await expect.poll(() => tip.getAttribute('data-sample'), POLL).toBe(String(e.sampleId));
      expect(Number(await tip.locator('[data-field="reward"]').textContent())).toBeCloseTo(samples.get(e.sampleId)!.reward, 2);
      expect(Number(await tip.locator('[data-field="length"]').textContent())).toBe(samples.get(e.sampleId)!.length);
      expect(await tip.textContent()).toContain(`Group ${samples.get(e.sampleId)!.promptIndex}`);
    }
    // Colour by reward: fills follow the reward (viridis), no longer the two correctness colours.
    await page.getByTestId('colour-by').selectOption('reward');
    await expect.poll(async () => new Set(await page.locator('path.pt').evaluateAll((ps) => ps.map((p) => p.getAttribute('fill')))).size, POLL).toBeGreaterThan(2);
    await page.getByTestId('colour-by').selectOption('correct');
  });

  it('a run without CLIPO opens on its pooled states, with every stored point', async () => {
    await openRun(plainRun, 'Embeddings');
    const stored = writer.embeddings.ofStep(plainRun, STEPS - 1, 'pooled');
    await expect.poll(() => page.locator('svg[data-points] path.pt').count(), POLL).toBe(stored.length);
    expect(await page.getByTestId('projection-name').textContent()).toContain('mean-pooled last hidden states');
    expect(await page.getByRole('radio', { name: 'CLIPO head' }).count()).toBe(0);
  });
});

describe('CLIPO charts', () => {
  it('appear, explained and with a named y axis, for the CLIPO run only', async () => {
    await openRun(clipoRun, 'Charts');
    const sim = page.locator('figure[data-chart="Similarity fluctuation (head embeddings)"]');
    await expect.poll(() => sim.count(), POLL).toBe(1);
    expect(await page.getByRole('heading', { level: 2, name: 'CLIPO', exact: true }).count()).toBe(1);
    expect(await sim.locator('text.axis-title').allTextContents()).toEqual(['step', 'cosine similarity']);
    expect(await sim.locator('..').locator('.help').textContent()).toMatch(/Mean cosine similarity.*correct–correct, incorrect–incorrect and mixed/);
    await openRun(plainRun, 'Charts');
    await expect.poll(() => page.locator('figure[data-chart="Reward mean and std"]').count(), POLL).toBe(1);
    expect(await page.getByRole('heading', { level: 2, name: 'CLIPO', exact: true }).count()).toBe(0);
    expect(await page.locator('figure[data-chart^="Contrastive"]').count()).toBe(0);
    expect(await page.locator('figure[data-chart="Similarity fluctuation (pooled states)"]').count()).toBe(1);
  });
});

describe('rollout inspector', () => {
  it('shows labelled columns and exactly the store’s rows for a step', async () => {
    await openRun(clipoRun, 'Rollouts');
    const step = STEPS - 1;
    const stored = writer.samples.ofStep(clipoRun, step);
    await expect.poll(() => page.getByTestId('inspector-count').textContent(), POLL).toContain(`${GROUPS} groups, ${stored.length} completions`);
    expect(await page.getByTestId('inspector-columns').locator('span').allTextContents()).toEqual(['✓/✗', 'Reward', 'Advantage', 'Length', 'Contrastive', 'Completion']);
    for (const s of stored.slice(0, 8)) {
      const row = page.locator(`button.sample[data-sample="${s.id}"]`);
      expect(Number(await row.locator('[data-col="reward"]').textContent())).toBeCloseTo(s.reward, 2);
      expect(Number(await row.locator('[data-col="length"]').textContent())).toBe(s.length);
    }
  });

  it('token view: each token’s sampler and trainer log-prob as stored, large gaps marked', async () => {
    const s = writer.samples.ofStep(clipoRun, STEPS - 1).find((x) => x.promptIndex === 1)!;
    await page.locator(`button.sample[data-sample="${s.id}"]`).click();
    await page.getByTestId('token-view').locator('summary').click();
    const rows = page.getByTestId('token-view').locator('tbody tr');
    const t = writer.samples.tokensOf(clipoRun, s.id)!;
    await expect.poll(() => rows.count(), POLL).toBe(t.tokens!.length);
    for (let i = 0; i < t.tokens!.length; i++) {
      const r = rows.nth(i);
      expect(await r.locator('[data-col="sampler"]').textContent()).toBe(t.samplerLogp![i]!.toFixed(4));
      expect(await r.locator('[data-col="trainer"]').textContent()).toBe(t.trainerLogp![i]!.toFixed(4));
      expect(await r.getAttribute('class') ?? '').toMatch(i === 1 ? /big/ : /^(?!.*big)/);
      expect(Number(await r.locator('td').nth(2).textContent())).toBe(t.tokens![i]);
    }
    // Pieces come from the model's vocabulary (not blank).
    expect((await rows.first().locator('code').textContent())?.length).toBeGreaterThan(0);
  });

  it('shows the same prompt at two chosen steps side by side, as stored', async () => {
    const side = page.getByTestId('side-by-side');
    await side.locator('summary').click();
    await page.getByRole('combobox', { name: 'Other step' }).selectOption({ value: '1' });
    const other = writer.samples.ofStep(clipoRun, 1).filter((x) => x.promptIndex === 1);
    const col = side.locator('.side').nth(1);
    await expect.poll(() => col.locator('li').count(), POLL).toBe(other.length);
    expect(await col.locator('.mono').allTextContents()).toEqual(other.map((x) => x.completion));
    expect(await col.locator('h4').textContent()).toBe(`Step 2 · ${other.filter((x) => x.correct).length}/${other.length} correct`);
  });

  it('searches every step on the server, as many as the store holds, paged', async () => {
    await page.getByTestId('search-scope').selectOption('all');
    await page.getByRole('searchbox').fill('the answer is');
    const want = writer.samples.search(clipoRun, 'the answer is', { limit: 1000 });
    expect(want.length).toBe(STEPS * G);
    await expect.poll(() => page.getByTestId('inspector-count').textContent(), POLL).toContain(`${want.length} completions containing`);
    const steps = await page.locator('.group b').filter({ hasText: /^Step / }).allTextContents();
    expect(steps[0]).toBe('Step 1');
    await page.getByTestId('search-scope').selectOption('step');
    await page.getByRole('searchbox').fill('');
  });
});

describe('compare', () => {
  it('names metrics by the registry, tells runs apart by colour, dash and legend, and lists their evaluations', async () => {
    await page.evaluate(`location.hash = '#/compare?runs=${clipoRun},${plainRun}&metrics=${M.rewardMean},${M.accuracy}'`);
    const fig = page.locator(`figure[data-chart="${metricInfo(M.rewardMean).label}"]`);
    await expect.poll(() => fig.locator('path.line').count(), POLL).toBe(2);
    expect(await fig.locator('ul.legend li').allTextContents()).toEqual([`with clipo (#${clipoRun})`, `plain grpo (#${plainRun})`]);
    const dashes = await fig.locator('path.line').evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke-dasharray') ?? ''));
    const strokes = await fig.locator('path.line').evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke')));
    expect(new Set(dashes).size).toBe(2);
    expect(new Set(strokes).size).toBe(2);
    expect(await fig.locator('text.axis-title').allTextContents()).toEqual(['step', 'reward']);
    // The picker shows readable names, never the raw key as the label.
    expect(await page.locator(`input[data-metric="${M.accuracy}"]`).locator('..').textContent()).toContain('Accuracy (fraction correct)');
    // The drawn points are the stored ones: one per step per run.
    const d = (await fig.locator(`path.line[data-series="${plainRun}"]`).getAttribute('d')) ?? '';
    expect(d.match(/[ML]/g)?.length).toBe(STEPS);
    // Smoothed by default like the run page (0.60), each run's raw points drawn faintly behind its line.
    expect(await page.getByLabel('Smoothing').getAttribute('aria-valuetext')).toBe('0.60');
    expect(await fig.locator('path.raw').count()).toBe(2);
    const table = page.getByTestId('compare-evals');
    // One row per run (one checkpoint, one split), one column per metric.
    await expect.poll(() => table.locator('tbody tr').count(), POLL).toBe(2);
    expect(await table.locator('thead th').allTextContents()).toEqual(['Run · checkpoint · split', 'pass@1', 'pass@8']);
    for (const run of [clipoRun, plainRun]) {
      const row = table.locator(`tr[data-run="${run}"]`);
      expect(await row.locator('th').textContent()).toContain(`step ${STEPS} · tiny-demo/test`);
      for (const e of writer.evaluations.ofRun(run)) expect(Number(await row.locator(`td[data-metric="${e.metric}"]`).textContent())).toBeCloseTo(e.value, 2);
    }
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
  });
});

describe('TensorBoard export from the run page', () => {
  it('writes a tfevents file whose scalars are the store’s', async () => {
    await openRun(plainRun, 'Checkpoints & export');
    await page.getByTestId('tb-dir').fill(join(tmp, 'tb'));
    await page.getByRole('button', { name: 'Export to TensorBoard' }).click();
    await expect.poll(() => page.getByTestId('tb-result').count(), POLL).toBe(1);
    const file = (await page.getByTestId('tb-result').locator('code').first().textContent())!;
    const { scalars } = readScalars(new Uint8Array(readFileSync(file)));
    const rows = writer.metrics.latest(plainRun, -1);
    let n = 0;
    for (const r of rows) for (const [k, v] of Object.entries(r.metrics)) { expect(scalars.get(`${r.step}|${k}`), k).toBe(Math.fround(v!)); n++; }
    expect(scalars.size).toBe(n);
  });
});

describe('screenshots', () => {
  it('each view touched, light and dark', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      await openRun(clipoRun, 'Embeddings');
      await expect.poll(() => page.locator('svg[data-points] path.pt').count(), POLL).toBeGreaterThan(0);
      await page.locator('path.pt').nth(5).hover();
      await shot(`scatter-${theme}`);
      await openRun(clipoRun, 'Charts');
      await page.getByRole('heading', { level: 2, name: 'CLIPO', exact: true }).scrollIntoViewIfNeeded();
      await shot(`charts-clipo-${theme}`);
      await openRun(plainRun, 'Charts');
      await page.locator('figure[data-chart="Reward mean and std"]').waitFor();
      await shot(`charts-plain-${theme}`);
      await openRun(clipoRun, 'Rollouts');
      const s = writer.samples.ofStep(clipoRun, STEPS - 1).find((x) => x.promptIndex === 1)!;
      await page.locator(`button.sample[data-sample="${s.id}"]`).click();
      await page.getByTestId('token-view').locator('summary').click();
      await page.getByTestId('side-by-side').locator('summary').click();
      await page.waitForTimeout(400);
      await shot(`inspector-${theme}`);
      await page.evaluate(`location.hash = '#/compare?runs=${clipoRun},${plainRun}&metrics=${M.rewardMean},${M.accuracy}'`);
      await page.getByTestId('compare-evals').waitFor();
      await page.waitForTimeout(300);
      await shot(`compare-${theme}`);
      await openRun(plainRun, 'Checkpoints & export');
      await shot(`export-${theme}`);
    }
    await setTheme('light');
    expect(problems).toEqual([]);
  });
});
