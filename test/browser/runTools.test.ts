// Issue 17, run page and files, in Chromium over web mode against a real demo run
// (trained here by the trainer process): rename/notes/tags land in the store and the
// run's events and filter the runs list; Stop asks first; the export downloads as a
// ZIP that unzip and Python's zipfile accept; a model is uploaded (size-bounded, clear
// errors) instead of typing a path; the playground streams base and adapter answers
// side by side, graded exactly as rewards.test grades the same text; the wizard offers
// Vulkan where installed, lets a preset select its model and data, blocks Start on a
// missing file; the palette follows a live prefers-color-scheme switch; 1024 px fits.
// Screenshots of every view touched, light and dark: test-results/screenshots/run-tools-*.png.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundChunk, RewardTestResult } from '../../main/api/contract/index.js';
import type { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { recipePresets } from '../../main/recipes/index.js';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { Store } from '../../main/store/Store.js';
import { forkToolSpawner } from '../../main/services/toolSpawner.js';
import { forkSpawner } from '../../main/trainer/Supervisor.js';
import { TOOL_ENTRY } from '../../main/trainer/toolProtocol.js';
import type { WebServer } from '../../main/web/startWebServer.js';
import { zodToApiError } from '../../main/api/router.js';
import { apiArgSchemas } from '../../main/api/schemas.js';
import { root, startHarness, type Harness } from './harness.js';

const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 30_000, interval: 100 };
const MODEL_LIMIT = 64 * 1024 ** 2;

let tmp: string;
let dataDir: string;
let server: WebServer;
let context: BrowserContext;
let services: HandlerContext;
let page: Page;
let events: ApiEventBus;
let reader: Store;
let runId = '';
let idleRunId = '';
let uploadedId = '';
let problems: string[];
let h: Harness;

const shot = (name: string) => page.screenshot({ path: join(shots, `run-tools-${name}.png`), fullPage: true });
const go = async (hash: string, heading: string | RegExp) => {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  await page.getByRole('heading', { level: 1, name: heading }).first().waitFor({ timeout: 30_000 });
};
const setTheme = (t: 'light' | 'dark') => page.evaluate(`document.documentElement.dataset.theme = '${t}'`);

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'main', 'trainer', 'toolMain.js'))) throw new Error('dist/ missing: run `npm run build` first');
  mkdirSync(shots, { recursive: true });
  // The built trainer and tool entries (the sources' .js siblings exist only in dist/).
  const dist = join(root, 'dist', 'main', 'trainer');
  h = await startHarness({
    name: 'runtools', viewport: { width: 1280, height: 860 }, acceptDownloads: true,
    services: { spawnTrainer: (entry) => entry === TOOL_ENTRY ? forkToolSpawner()(join(dist, 'toolMain.js')) : forkSpawner()(join(dist, 'trainerMain.js')) },
    server: { maxModelUploadBytes: MODEL_LIMIT },
  });
  ({ tmp, dataDir, server, context, services, events, problems } = h);
  reader = Store.open(join(dataDir, 'clipo.db'));

  // A short demo run with two checkpoints: what the playground and the export use.
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  runId = (await services.runs!.create!({ recipe: { ...demo, name: 'tiny', training: { ...demo.training, steps: 6, checkpointEvery: 3 } }, start: true })).runId;
  idleRunId = (await services.runs!.create!({ recipe: { ...demo, name: 'idle' }, start: false })).runId;
  // A draft until started; made 'queued' with no trainer (one waiting to be picked up) to test Stop on it.
  reader.runs.updateStatus(Number(idleRunId), 'queued');
  for (let t = Date.now(); reader.runs.get(Number(runId)).status !== 'finished'; await new Promise((r) => setTimeout(r, 250))) {
    const s = reader.runs.get(Number(runId));
    if (s.status === 'failed' || s.status === 'crashed' || Date.now() - t > 240_000) throw new Error(`the demo run did not finish: ${s.status} ${s.error ?? ''}`);
  }
  if (reader.checkpoints.list(Number(runId)).length < 2) throw new Error('the demo run has fewer than 2 checkpoints');

  page = await h.newPage();
  await page.goto(server.url);
  await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor({ timeout: 30_000 });
}, 420_000);

afterAll(async () => {
  reader?.close();
  await h?.close();
});

describe('the run page', () => {
  it('renames a run, sets notes and tags: stored, logged as an event, shown and filterable in the runs list', async () => {
    await go(`#/runs/${runId}`, 'tiny');
    await page.getByTestId('recipe-panel').locator('summary').first().click();
    // The recipe panel shows every field by section, with the store's values.
    const recipe = JSON.parse(reader.runs.get(Number(runId)).recipeJson) as { rollout: { groupSize: number }; model: { name: string } };
    expect(await page.locator('[data-path="rollout.groupSize"]').textContent()).toBe(String(recipe.rollout.groupSize));
    expect(await page.locator('[data-path="model.name"]').textContent()).toBe(recipe.model.name);
    await page.getByRole('button', { name: 'Rename, notes & tags' }).click();
    const form = page.getByRole('form', { name: 'Edit name, notes and tags' });
    await form.getByRole('textbox', { name: 'Name' }).fill('tiny baseline');
    await form.getByRole('textbox', { name: 'Tags' }).fill('baseline, demo , baseline');
    await form.getByRole('textbox', { name: 'Notes' }).fill('lr 5e-3; first try');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('tiny baseline');
    const row = reader.runs.get(Number(runId));
    expect([row.name, row.tags, row.notes]).toEqual(['tiny baseline', ['baseline', 'demo'], 'lr 5e-3; first try']);
    expect(await page.getByTestId('run-tags').locator('li').allTextContents()).toEqual(row.tags);
    const logged = reader.events.latest(Number(runId), 50).find((e) => e.kind === 'edit');
    expect(logged?.message).toMatch(/renamed from “tiny” to “tiny baseline”.*tags: baseline, demo/);
    await page.getByRole('tab', { name: 'Events' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'edit', exact: true }).count(), POLL).toBeGreaterThan(0);
    // Bad input is refused by the router's schema, with words, not a schema dump.
    const bad = apiArgSchemas['runs.update'].safeParse({ runId, tags: ['a,b'] });
    expect(bad.success ? '' : zodToApiError(bad.error).message).toBe('tags.0: a tag must not contain commas or control characters');
    await page.getByRole('button', { name: 'Rename, notes & tags' }).click();
    await form.getByRole('textbox', { name: 'Tags' }).fill(Array.from({ length: 17 }, (_, i) => `t${i}`).join(','));
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('form[aria-label="Edit name, notes and tags"] [role="alert"]').textContent(), POLL).toBe('tags: at most 16 tags');
    await form.getByRole('button', { name: 'Cancel' }).click();

    await go('#/runs', 'Runs');
    await expect.poll(() => page.getByTestId('row-tags').count(), POLL).toBe(1);
    expect(await page.locator('tbody tr').count()).toBe(2);
    await page.getByTestId('tag-filter').selectOption('baseline');
    await expect.poll(() => page.locator('tbody tr').count(), POLL).toBe(1);
    expect(await page.locator('tbody tr a').first().textContent()).toBe('tiny baseline');
    await page.getByTestId('tag-filter').selectOption('');
    await expect.poll(() => page.locator('tbody tr').count(), POLL).toBe(2);
  });

  it('Stop asks first; Keep training changes nothing; Stop run stops it and says so in the events', async () => {
    await go(`#/runs/${idleRunId}`, 'idle');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /Stop “idle”/ });
    await expect.poll(() => dialog.isVisible(), POLL).toBe(true);
    await dialog.getByRole('button', { name: 'Keep training' }).click();
    expect(reader.runs.get(Number(idleRunId)).status).toBe('queued');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await dialog.getByRole('button', { name: 'Stop run' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('stopped');
    expect(reader.runs.get(Number(idleRunId)).status).toBe('stopped');
    expect(reader.events.latest(Number(idleRunId), 20).some((e) => e.kind === 'stop')).toBe(true);
    // A stopped run is duplicated through the wizard; no new run row appears.
    const before = (await services.runs!.list!({})).length;
    await page.getByRole('button', { name: 'Duplicate' }).click();
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
    await expect.poll(() => page.locator('[data-path="name"]').inputValue(), POLL).toBe('idle (copy)');
    expect((await services.runs!.list!({})).length).toBe(before);
    await page.evaluate('sessionStorage.removeItem("clipo.newRun.v1")');
  });

  it('exports as a ZIP download (no folder to type) that unzip and zipfile accept; the export is in the events', async () => {
    await go(`#/runs/${runId}`, 'tiny baseline');
    await page.getByRole('tab', { name: 'Checkpoints & export' }).click();
    expect(await page.getByLabel('Output folder').count()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: 'Download ZIP' }).click()]);
    const zip = join(tmp, 'export.zip');
    await download.saveAs(zip);
    expect(download.suggestedFilename()).toBe(`run-${runId}-gguf.zip`);
    await expect.poll(() => page.getByTestId('export-downloaded').textContent(), POLL).toMatch(/Downloaded run-\d+-gguf\.zip/);
    const t = spawnSync('unzip', ['-t', zip], { encoding: 'utf8' });
    expect(t.status, t.stdout + t.stderr).toBe(0);
    expect(t.stdout).toMatch(/No errors detected/);
    const py = spawnSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(f"{i.filename} {i.file_size}" for i in z.infolist()))', zip], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const names = py.stdout.trim().split('\n').map((l) => l.split(' ')[0]);
    expect(names.some((n) => n!.endsWith('.gguf'))).toBe(true);
    expect(reader.events.latest(Number(runId), 50).some((e) => e.kind === 'export' && /exported gguf/.test(e.message))).toBe(true);
    // The temporary export folder is gone.
    expect(existsSync(join(dataDir, 'exports-tmp')) ? spawnSync('ls', [join(dataDir, 'exports-tmp')], { encoding: 'utf8' }).stdout.trim() : '').toBe('');
    await shot('export-light');
  });
});

describe('models are uploaded, not typed', () => {
  it('uploads a GGUF into the data folder and it joins the library; a wrong file and an oversized one get clear errors', async () => {
    const src = join(tmp, 'upload', 'my-tiny.gguf');
    mkdirSync(join(tmp, 'upload'), { recursive: true });
    copyFileSync(join(dataDir, 'models', 'tiny-demo.gguf'), src);
    await go('#/models', 'Models');
    expect(await page.getByLabel('Path to a .gguf file').count()).toBe(0);
    await page.getByLabel('GGUF model file').setInputFiles(src);
    await page.getByRole('button', { name: 'Upload model' }).click();
    const at = join(dataDir, 'models', 'uploaded', 'my-tiny.gguf');
    await expect.poll(async () => (await services.models!.list!({})).some((x) => x.path === at), POLL).toBe(true);
    const m = (await services.models!.list!({})).find((x) => x.path === at)!;
    uploadedId = m.id;
    await expect.poll(() => page.getByRole('status').filter({ hasText: `Added ${m.name}` }).count(), POLL).toBe(1);
    expect(statSync(m!.path).size).toBe(statSync(src).size);
    // Not a GGUF by name: the page says what to choose.
    writeFileSync(join(tmp, 'upload', 'notes.txt'), 'hello');
    await page.getByLabel('GGUF model file').setInputFiles(join(tmp, 'upload', 'notes.txt'));
    await page.getByRole('button', { name: 'Upload model' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: /Choose a \.gguf model file/ }).count(), POLL).toBe(1);
    // The refusal's HTTP 400 is the one console line this expected error leaves.
    expect(problems.splice(0)).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    // Past the size bound: refused before reading, with what to do instead.
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/models.upload', method: 'POST', headers: {
        Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream', 'X-Clipo-Filename': 'big.gguf', 'Content-Length': String(MODEL_LIMIT + 1),
      } }, (res) => { let body = ''; res.on('data', (c) => { body += c; }); res.on('end', () => resolve({ status: res.statusCode ?? 0, body })); });
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.message).toMatch(/larger than the 0\.1 GiB upload limit; use the desktop app's file picker/);
    await shot('models-light');
  });
});

describe('the playground', () => {
  it('streams the base and adapter answers side by side; each grade equals the run reward on that text', async () => {
    const chunks: PlaygroundChunk[] = [];
    const off = events.on('playground.chunk', (c) => chunks.push(c));
    await go(`#/runs/${runId}`, 'tiny baseline');
    await page.getByRole('tab', { name: 'Playground' }).click();
    await expect.poll(() => page.getByTestId('pg-question').locator('option').count(), POLL).toBeGreaterThan(0);
    const prompts = await services.playground!.prompts!({ runId, count: 20 });
    await page.getByTestId('pg-question').selectOption(String(prompts[2]!.index));
    await page.getByLabel('Max new tokens').fill('8');
    await page.getByLabel('Temperature').fill('1');
    await page.getByRole('button', { name: 'Generate both' }).click();
    for (const pane of ['base', 'adapter'] as const) await expect.poll(() => page.getByTestId(`pane-${pane}-end`).count(), { timeout: 120_000, interval: 200 }).toBe(1);
    off();
    expect(await page.getByTestId('pg-expected').textContent()).toBe(prompts[2]!.answer);
    const recipe = JSON.parse(reader.runs.get(Number(runId)).recipeJson) as { reward: { components: never[] } };
    for (const pane of ['base', 'adapter'] as const) {
      const mine = chunks.filter((c) => c.pane === pane);
      const done = mine.find((c) => c.done)!;
      // Streamed: text arrived before the final chunk, and the pieces make the answer.
      expect(mine.filter((c) => !c.done && c.text).length, `${pane} streamed`).toBeGreaterThan(0);
      expect(mine.filter((c) => !c.done).map((c) => c.text).join('')).toBe(done.fullText);
      expect(await page.getByTestId(`pane-${pane}`).textContent()).toBe(done.fullText);
      const want: RewardTestResult = await services.rewards!.test!({ reward: recipe.reward, completion: done.fullText!, answer: prompts[2]!.answer });
      const grade = page.getByTestId(`grade-${pane}`);
      expect(Number(await grade.getAttribute('data-reward'))).toBe(want.total);
      expect(await grade.getAttribute('data-correct')).toBe(String(want.correct));
    }
    expect(chunks.filter((c) => !c.done && c.text).length, 'more than one piece in all').toBeGreaterThan(2);
    // Free text: no grade (nothing to check it against), still both panes.
    await page.getByLabel('Question from').selectOption('text');
    await page.getByLabel('Your prompt').fill('12+7=');
    await page.getByRole('button', { name: 'Generate both' }).click();
    for (const pane of ['base', 'adapter'] as const) await expect.poll(() => page.getByTestId(`pane-${pane}-end`).count(), { timeout: 120_000, interval: 200 }).toBe(1);
    expect(await page.getByTestId('grade-base').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('the wizard', () => {
  it('offers Vulkan where installed, lets a preset select its model and data, and blocks Start on a missing model file', async () => {
    await go('#/new', 'New run');
    const steps = page.getByRole('navigation', { name: 'Wizard steps' });
    const info = await services.app.info();
    await steps.getByRole('button', { name: /^5\. Hardware/ }).click();
    const options = await page.locator('[data-path="hardware.backend"] option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(options).toEqual(info.backends);
    expect(options.includes('vulkan')).toBe(existsSync(join(root, 'node_modules', '@node-llama-cpp', `linux-${process.arch}-vulkan`)));
    // Pick the uploaded model and another task, then the Demo preset selects its own model and data again.
    await steps.getByRole('button', { name: /^1\. Model/ }).click();
    await page.locator(`input[name="model"][value="${uploadedId}"]`).check();
    await steps.getByRole('button', { name: /^2\. Data/ }).click();
    const other = (await services.datasets!.list!({})).find((d) => d.id.startsWith('builtin:') && d.id !== 'builtin:tiny-demo')!;
    await page.locator(`input[name="data"][value="${other.id}"]`).check();
    expect(await page.locator('input[name="data"][value="builtin:tiny-demo"]').isChecked()).toBe(false);
    await steps.getByRole('button', { name: /^4\. Recipe/ }).click();
    await page.getByLabel('Preset').selectOption('demo');
    await steps.getByRole('button', { name: /^1\. Model/ }).click();
    expect(await page.getByRole('radio', { name: /Built-in tiny demo model/ }).isChecked()).toBe(true);
    await steps.getByRole('button', { name: /^2\. Data/ }).click();
    expect(await page.locator('input[name="data"][value="builtin:tiny-demo"]').isChecked()).toBe(true);
    // The uploaded model's file disappears: the Model step is marked and Start is blocked, in words.
    await steps.getByRole('button', { name: /^1\. Model/ }).click();
    await page.locator(`input[name="model"][value="${uploadedId}"]`).check();
    rmSync(join(dataDir, 'models', 'uploaded', 'my-tiny.gguf'));
    await steps.getByRole('button', { name: /^6\. Start/ }).click();
    await expect.poll(() => page.getByTestId('start-blockers').textContent(), POLL).toMatch(/my-tiny\.gguf is missing: add it again/);
    expect(await page.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true);
    await expect.poll(() => steps.getByRole('button', { name: /^1\. Model/ }).getAttribute('class'), POLL).toContain('has-error');
    // Clicking the problem goes to its step with the keyboard focus on its first field.
    await page.getByTestId('start-blockers').getByRole('button', { name: 'Model' }).click();
    await expect.poll(() => page.evaluate<string>('document.activeElement?.getAttribute("name") ?? ""'), POLL).toBe('model');
    await page.getByRole('radio', { name: /Built-in tiny demo model/ }).check();
    // Next lands on the next step's first field.
    await page.getByRole('button', { name: 'Next: Data' }).click();
    await expect.poll(() => page.evaluate<string>('document.activeElement?.getAttribute("name") ?? ""'), POLL).toBe('data');
    await page.evaluate('sessionStorage.removeItem("clipo.newRun.v1")');
  });
});

describe('theme and layout', () => {
  it('follows a live prefers-color-scheme change without a reload; 1024 px fits; screenshots of every touched view', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await go(`#/runs/${runId}`, 'tiny baseline');
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    const stroke = () => page.locator('figure[data-chart="Reward mean and std"] path.line').first().getAttribute('stroke');
    await expect.poll(stroke, POLL).toBe('#0072B2');
    await page.evaluate('window.__noReload = 1');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate('document.documentElement.dataset.theme'), POLL).toBe('dark');
    await expect.poll(stroke, POLL).toBe('#56B4E9');
    const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => page.evaluate('getComputedStyle(document.body).backgroundColor'), POLL).not.toBe(bg);
    expect(await page.evaluate('window.__noReload')).toBe(1);

    for (const theme of ['light', 'dark'] as const) {
      await setTheme(theme);
      for (const width of [1280, 1024]) {
        await page.setViewportSize({ width, height: 860 });
        const tag = `${theme}-${width}`;
        await go('#/runs', 'Runs');
        await shot(`runs-${tag}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `runs list fits ${width} px`).toBeLessThanOrEqual(width);
        const table = await page.locator('table').first().boundingBox();
        expect(table!.x + table!.width, `runs table inside ${width} px`).toBeLessThanOrEqual(width);
        await go(`#/runs/${runId}`, 'tiny baseline');
        await page.getByTestId('recipe-panel').locator('summary').first().click();
        await shot(`run-recipe-${tag}`);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `run page fits ${width} px`).toBeLessThanOrEqual(width);
        for (const tab of ['Events', 'Checkpoints & export', 'Playground'] as const) {
          await page.getByRole('tab', { name: tab }).click();
          await page.waitForTimeout(300);
          await shot(`run-${tab.split(' ')[0]!.toLowerCase()}-${tag}`);
        }
        await go('#/new', 'New run');
        for (const step of ['1. Model', '4. Recipe', '5. Hardware & preflight', '6. Start']) {
          await page.getByRole('navigation', { name: 'Wizard steps' }).getByRole('button', { name: step }).click();
          await page.waitForTimeout(300);
          await shot(`wizard-${step.split('.')[0]}-${tag}`);
        }
        for (const [hash, h] of [['#/models', 'Models'], ['#/settings', 'Settings']] as const) {
          await go(hash, h);
          await shot(`${h.toLowerCase()}-${tag}`);
        }
      }
    }
    await setTheme('light');
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(problems).toEqual([]);
  });
});
