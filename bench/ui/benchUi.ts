// UI benchmark: the run dashboard with a 10,000-step run in Chromium.
// Fills a temporary store directly (StepStore.writeStep, no training) with a
// CLIPO run's metric names for 10,000 steps and 100,000 samples (10 per step,
// each with a head embedding), serves it in web mode (1400 × 900 viewport), and
// measures
//  - first paint: from setting #/runs/<id> to the frame after every chart that
//    intersects the viewport has drawn its lines (the dashboard draws charts
//    lazily: those in view first, the rest in idle time). "All charts drawn"
//    (every chart on the page, scrolled or not) is measured and printed too;
//  - per live update, with the Reward chart scrolled into view: from a run.step
//    event's WebSocket message reaching the page to the Reward chart's DOM
//    holding the new step with the page laid out (`event → charts redrawn`: the
//    redraw's script, style and layout), and to the next animation frame after
//    that (adds the wait for the display's frame). Events go through the bus,
//    one at a time, the step written to the store first as the trainer does.
// Baseline in the same run: the same dashboard with `?raw=1` (full-resolution
// history, every one of the 10,000 points drawn, every chart drawn at once and
// redrawn on every step: no decimation, no lazy drawing); its first paint is
// "all charts drawn".
// The targets (issue 17): first paint < 1 s, live update < 16 ms (median).
//
// Run: `npm run bench:ui` (builds first). Args: [steps] [updates].
// Env: CLIPO_BENCH_UI_CACHE=<dir> keeps the filled store between runs;
// CLIPO_BENCH_UI_PROFILE=<dir> writes Chromium CPU profiles of the dashboard.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

// Page-side helpers (strings: this file is compiled without DOM types).
// A chart is drawn when it holds at least minPoints points and its line has path data; `scope` 'view' waits
// only for the charts that intersect the viewport, 'all' for `charts` charts on the page, every one drawn.
const WAIT_DRAWN = `(async (minPoints, scope, charts) => {
  const t0 = performance.now();
  const drawn = (f) => Number(f.dataset.points) >= minPoints && [...f.querySelectorAll('path.line')].some((p) => (p.getAttribute('d') || '').length > 1);
  const inView = (f) => { const r = f.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; };
  const ok = () => { const figs = [...document.querySelectorAll('figure[data-chart]')];
    const want = scope === 'view' ? figs.filter(inView) : figs;
    return figs.length >= (scope === 'view' ? 1 : charts) && want.length > 0 && want.every(drawn); };
  while (!ok()) { await new Promise((r) => requestAnimationFrame(r)); if (performance.now() - t0 > 120000) throw new Error('charts never drew'); }
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now();
})`;
const INIT = `window.__ws = [];
  const Orig = window.WebSocket;
  window.WebSocket = class extends Orig { constructor(...a) { super(...a); this.addEventListener('message', () => window.__ws.push(performance.now())); } };`;
const REWARD = 'figure[data-chart="Reward mean and std"]';

/** From setting the route to the frame after the charts in view drew (`view`), and after every chart drew (`all`). */
async function firstPaint(page: Page, hash: string, points: number, lazy: boolean, charts: number): Promise<{ view: number; all: number }> {
  await page.evaluate(`scrollTo(0, 0); location.hash = '#/runs'`);
  await page.waitForFunction(`document.querySelector('h1')?.textContent === 'Runs'`);
  const t0 = await page.evaluate<number>(`(() => { const t = performance.now(); location.hash = '${hash}'; return t; })()`);
  const tView = lazy ? await page.evaluate<number>(`${WAIT_DRAWN}(${points}, 'view', 1)`) : NaN;
  const tAll = await page.evaluate<number>(`${WAIT_DRAWN}(${points}, 'all', ${charts})`);
  return { view: (lazy ? tView : tAll) - t0, all: tAll - t0 };
}

interface Update { dom: number; frame: number }
/**
 * One run.step event at a time, with the Reward chart scrolled into view. Per event, from its WebSocket
 * message reaching the page: `dom`, until the Reward chart's DOM holds the new step and the page is laid
 * out (forced synchronously: the redraw's script, style and layout work); `frame`, until the next
 * animation frame after that (adds the wait for the display's next frame, up to 16.7 ms at 60 Hz).
 */
async function updates(page: Page, emit: (step: number) => void, from: number): Promise<Update[] & { onScreen?: number }> {
  await page.evaluate(`document.querySelector('${REWARD}').scrollIntoView({ block: 'center' })`);
  await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100))))`);
  const out: Update[] & { onScreen?: number } = [];
  out.onScreen = await page.evaluate<number>(`[...document.querySelectorAll('figure[data-chart]')].filter((f) => { const r = f.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }).length`);
  for (let i = 0; i < UPDATES; i++) {
    const before = await page.evaluate<number>(`window.__ws.length`);
    // The observer is in place before the event goes out; it fires in the microtask after the redraw.
    await page.evaluate(`(() => {
      const fig = document.querySelector('${REWARD}');
      const n0 = Number(fig.dataset.points);
      window.__upd = new Promise((resolve, reject) => {
        const timer = setTimeout(() => { mo.disconnect(); reject(new Error('update never drawn')); }, 20000);
        const mo = new MutationObserver(() => {
          if (Number(fig.dataset.points) <= n0) return;
          mo.disconnect(); clearTimeout(timer);
          void document.body.getBoundingClientRect();
          const dom = performance.now();
          requestAnimationFrame(() => resolve({ dom, frame: performance.now() }));
        });
        mo.observe(fig, { attributes: true, attributeFilter: ['data-points'] });
      });
    })()`);
    emit(from + i);
    const t = await page.evaluate<{ dom: number; frame: number }>(`window.__upd`);
    const tWs = await page.evaluate<number>(`window.__ws[${before}] ?? NaN`);
    out.push({ dom: t.dom - tWs, frame: t.frame - tWs });
    await page.evaluate(`new Promise((r) => setTimeout(r, 50))`);
  }
  return out;
}

async function main(): Promise<void> {
  // CLIPO_BENCH_UI_CACHE=<dir> keeps a filled store there for the next run (filling 10,000 steps takes
  // over a minute); the run's live steps are written to a copy, so every run starts from the same store.
  const cache = process.env.CLIPO_BENCH_UI_CACHE ? join(process.env.CLIPO_BENCH_UI_CACHE, `steps-${STEPS}`) : null;
  const tmp = mkdtempSync(join(tmpdir(), 'clipo-bench-ui-'));
  const dataDir = join(tmp, 'data');
  try {
    let t = performance.now();
    mkdirSync(dataDir, { recursive: true });
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, name: 'bench-10k', training: { ...demo.training, steps: STEPS + UPDATES * 3 } });
    let runId: number;
    if (cache && existsSync(join(cache, 'clipo.db'))) {
      copyFileSync(join(cache, 'clipo.db'), join(dataDir, 'clipo.db'));
      const store = Store.open(join(dataDir, 'clipo.db'));
      runId = Number(store.runs.list()[0]!.id);
      store.close();
      console.log(`store with ${STEPS} steps copied from ${cache}`);
    } else {
      const store = Store.open(join(dataDir, 'clipo.db'));
      runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
      for (let s = 1; s <= STEPS; s++) store.steps.writeStep(runId, stepInput(s));
      store.close();
      console.log(`filled ${STEPS} steps × ${NAMES.length + 1} metrics, ${STEPS * PER_STEP} samples in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      if (cache) { mkdirSync(cache, { recursive: true }); copyFileSync(join(dataDir, 'clipo.db'), join(cache, 'clipo.db')); }
    }

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

    // The run's health-alarm history is brought up to date by its first visit (a replay of every stored step,
    // seconds at 10,000 steps, that holds the server meanwhile); do it before measuring, as an earlier visit would.
    t = performance.now();
    await handlers['runs.alarms']({ runId: String(runId) });
    console.log(`alarm history replayed in ${((performance.now() - t) / 1000).toFixed(1)} s (before measuring)`);

    // CLIPO_BENCH_UI_PROFILE=<dir>: Chromium CPU profiles of the dashboard's first paint and its updates (.cpuprofile, DevTools).
    const profDir = process.env.CLIPO_BENCH_UI_PROFILE;
    const cdp = profDir ? await page.context().newCDPSession(page) : null;
    const profile = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
      if (!cdp || !profDir) return f();
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      const out = await f();
      const { profile: prof } = await cdp.send('Profiler.stop');
      mkdirSync(profDir, { recursive: true });
      writeFileSync(join(profDir, `${name}.cpuprofile`), JSON.stringify(prof));
      return out;
    };

    // Baseline first (`?raw=1`): full-resolution history, every point of every chart drawn, every chart drawn
    // at once and redrawn on every step wherever it is scrolled (no decimation, no lazy drawing).
    const baseFp = await firstPaint(page, `#/runs/${runId}?raw=1`, STEPS, false, 11);
    const charts = await page.evaluate<number>(`document.querySelectorAll('figure[data-chart]').length`);
    const baseUp = await updates(page, emit, next); next += UPDATES;
    const fp1 = await profile('first-paint', () => firstPaint(page, `#/runs/${runId}`, 100, true, charts));
    const up = await profile('updates', () => updates(page, emit, next)); next += UPDATES;
    const fp2 = await firstPaint(page, `#/runs/${runId}`, 100, true, charts);
    const fp = fp1.view <= fp2.view ? fp1 : fp2;

    const drawn = await page.evaluate<string>(`document.querySelector('${REWARD}').dataset.drawn`);
    const onScreen = up.onScreen;
    const ms = (v: number) => `${v.toFixed(v < 100 ? 1 : 0)} ms`;
    const stats = (xs: number[]) => `median ${ms(median(xs))}, p95 ${ms(p95(xs))}`;
    const dom = (u: Update[]) => u.map((x) => x.dom), frame = (u: Update[]) => u.map((x) => x.frame);
    console.log(`dashboard: ${charts} charts, ${STEPS} steps each (1400 × 900 viewport); Reward chart draws ${drawn} of its points (min/max per pixel column)`);
    console.log(`baseline (raw):  first paint (all charts drawn) ${ms(baseFp.all)}`);
    console.log(`                 live update, event → charts redrawn ${stats(dom(baseUp))}; → next frame ${stats(frame(baseUp))}`);
    console.log(`dashboard:       first paint (charts in view drawn) ${ms(fp.view)} (runs: ${ms(fp1.view)}, ${ms(fp2.view)}); all ${charts} charts drawn ${ms(fp.all)}`);
    console.log(`                 live update (Reward chart in view, ${onScreen} charts on screen), event → charts redrawn ${stats(dom(up))}; → next frame ${stats(frame(up))}`);
    console.log(`vs baseline:     first paint ×${(baseFp.all / fp.view).toFixed(1)} faster (all charts drawn ×${(baseFp.all / fp.all).toFixed(1)}), ` +
      `live update ×${(median(dom(baseUp)) / median(dom(up))).toFixed(1)} faster (median)`);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(`targets: first paint < 1 s ${verdict(fp.view < 1000)}; live update < 16 ms ${verdict(median(dom(up)) < 16)} (median; p95 ${ms(p95(dom(up)))})`);
    await browser.close();
    writer.close();
    await server.close();
    await dispose();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
