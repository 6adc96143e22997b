// UI benchmark: the run dashboard with a 10,000-step run in Chromium.
// Fills a temporary store directly (StepStore.writeStep, no training) with a
// CLIPO run's metric names for 10,000 steps and 100,000 samples (10 per step,
// each with a head embedding), serves it in web mode, and measures
//  - time to first paint of the dashboard: from setting #/runs/<id> to the
//    frame after every chart has drawn its lines;
//  - per live update: from a run.step event reaching the page's WebSocket to
//    the frame after the charts redrew (events injected through the bus).
// Baseline in the same run: the same dashboard with `?raw=1` (full-resolution
// history, every one of the 10,000 points drawn, no decimation).
//
// Run: `npm run bench:ui` (builds first). Args: [steps] [updates].
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { M } from '../../main/api/contract/metricNames.js';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { Store } from '../../main/store/Store.js';
import type { SampleInput, StepInput } from '../../main/store/types.js';
import { startWebServer } from '../../main/web/startWebServer.js';

const STEPS = Number(process.argv[2] ?? 10_000);
const UPDATES = Number(process.argv[3] ?? 30);
const PER_STEP = 10;
const CHROMIUM = process.env.CLIPO_CHROMIUM ?? '/usr/bin/chromium';
const root = findAppRoot();

let seed = 0x9e3779b9;
const rand = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };

const NAMES = [...Object.values(M).filter((n) => n !== M.elapsed), 'reward/exactMatch'];
function metricsAt(step: number): Record<string, number> {
  const m: Record<string, number> = {};
  for (const n of NAMES) m[n] = Math.sin(step / 300 + n.length) * 0.5 + 0.5 + rand() * 0.1;
  m[M.elapsed] = step * 0.4;
  return m;
}
function stepInput(step: number): StepInput {
  const samples: SampleInput[] = [];
  for (let k = 0; k < PER_STEP; k++) {
    const correct = rand() < 0.5;
    samples.push({ promptIndex: k >> 1, sampleIndex: k & 1, prompt: `Q${step}.${k >> 1}`, completion: `answer ${k}`, reward: correct ? 1 : 0,
      rewardComponents: { exactMatch: correct ? 1 : 0 }, advantage: rand() - 0.5, correct, length: 2, truncated: false, contrastiveReward: rand() * 0.1 });
  }
  return { step, wallTime: 1.7e9 + step, metrics: metricsAt(step), samples, embeddings: samples.map((_, k) => ({ sample: k, kind: 'head' as const, x: rand(), y: rand() })) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

// Page-side helpers (strings: this file is compiled without DOM types).
const WAIT_DRAWN = `(async (minPoints) => {
  const t0 = performance.now();
  const ok = () => { const figs = [...document.querySelectorAll('figure[data-chart]')];
    return figs.length > 10 && figs.every((f) => Number(f.dataset.points) >= minPoints && [...f.querySelectorAll('path.line')].some((p) => (p.getAttribute('d') || '').length > 1)); };
  while (!ok()) { await new Promise((r) => requestAnimationFrame(r)); if (performance.now() - t0 > 120000) throw new Error('charts never drew'); }
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now();
})`;
const INIT = `window.__ws = [];
  const Orig = window.WebSocket;
  window.WebSocket = class extends Orig { constructor(...a) { super(...a); this.addEventListener('message', () => window.__ws.push(performance.now())); } };`;

async function firstPaint(page: Page, hash: string, points: number): Promise<number> {
  await page.evaluate(`location.hash = '#/runs'`);
  await page.waitForFunction(`document.querySelector('h1')?.textContent === 'Runs'`);
  const t0 = await page.evaluate<number>(`(() => { const t = performance.now(); location.hash = '${hash}'; return t; })()`);
  const t1 = await page.evaluate<number>(`${WAIT_DRAWN}(${points})`);
  return t1 - t0;
}

async function updates(page: Page, emit: (step: number) => void, from: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < UPDATES; i++) {
    const step = from + i;
    const before = await page.evaluate<number>(`window.__ws.length`);
    // The reward chart's point count grows by one per series when the step is drawn.
    const done = page.evaluate<number>(`(async (before) => {
      const t0 = performance.now();
      const n = () => Number(document.querySelector('figure[data-chart="Reward mean and std"]')?.dataset.points ?? 0);
      while (n() <= before) {
        await new Promise((r) => requestAnimationFrame(r));
        if (performance.now() - t0 > 20000) throw new Error('update never drawn');
      }
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now();
    })(${await page.evaluate<number>(`Number(document.querySelector('figure[data-chart="Reward mean and std"]').dataset.points)`)})`);
    emit(step);
    const t1 = await done;
    const tWs = await page.evaluate<number>(`window.__ws[${before}] ?? NaN`);
    out.push(t1 - tWs);
  }
  return out;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'clipo-bench-ui-'));
  const dataDir = join(tmp, 'data');
  try {
    let t = performance.now();
    mkdirSync(dataDir, { recursive: true });
    const store = Store.open(join(dataDir, 'clipo.db'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, name: 'bench-10k', training: { ...demo.training, steps: STEPS + UPDATES * 3 } });
    const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
    for (let s = 1; s <= STEPS; s++) store.steps.writeStep(runId, stepInput(s));
    store.close();
    console.log(`filled ${STEPS} steps × ${NAMES.length + 1} metrics, ${STEPS * PER_STEP} samples in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const events = new ApiEventBus();
    const { handlers, dispose } = createDefaultServices({ mode: 'web', dataDir, appRoot: root, events });
    const server = await startWebServer({ port: 0, dataDir, handlers, events, staticDir: join(root, 'dist', 'renderer') });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(INIT);
    await page.goto(server.url);
    await page.waitForFunction(`document.querySelector('h1')?.textContent === 'Runs'`);
    let next = STEPS + 1;
    // As the trainer does: the step is in the store before its event goes out (a dashboard that
    // missed steps rereads them from the store, so events must not run ahead of it).
    const writer = Store.open(join(dataDir, 'clipo.db'));
    const emit = (step: number) => {
      const input = stepInput(step);
      writer.steps.writeStep(runId, input);
      events.emit('run.step', { runId: String(runId), step, totalSteps: recipe.training.steps, time: Date.now() / 1000, metrics: input.metrics as Record<string, number> });
    };

    const rows: string[] = [];
    const report = (label: string, fp: number, up: number[], base?: { fp: number; up: number[] }) => {
      rows.push(`${label.padEnd(34)} first paint ${fp.toFixed(0).padStart(6)} ms   update median ${median(up).toFixed(1).padStart(6)} ms  p95 ${p95(up).toFixed(1).padStart(6)} ms` +
        (base ? `   (×${(base.fp / fp).toFixed(1)} faster first paint, ×${(median(base.up) / median(up)).toFixed(1)} faster updates than baseline)` : ''));
    };
    // Baseline first: every point, full resolution.
    t = performance.now();
    const baseFp = await firstPaint(page, `#/runs/${runId}?raw=1`, STEPS);
    const baseUp = await updates(page, emit, next); next += UPDATES;
    const fp = await firstPaint(page, `#/runs/${runId}`, 100);
    const up = await updates(page, emit, next); next += UPDATES;
    const fp2 = await firstPaint(page, `#/runs/${runId}`, 100);
    report('baseline (10k points drawn, raw)', baseFp, baseUp);
    report('dashboard (decimated)', Math.min(fp, fp2), up, { fp: baseFp, up: baseUp });
    const charts = await page.evaluate<number>(`document.querySelectorAll('figure[data-chart]').length`);
    const drawn = await page.evaluate<string>(`document.querySelector('figure[data-chart="Reward mean and std"]').dataset.drawn`);
    console.log(`dashboard: ${charts} charts, ${STEPS} steps each; Reward chart draws ${drawn} of its points (min/max per pixel column)`);
    for (const r of rows) console.log(r);
    await browser.close();
    writer.close();
    await server.close();
    await dispose();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
