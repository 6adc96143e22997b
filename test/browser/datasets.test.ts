// Datasets end to end in Chromium against web mode, with the real services,
// the real trainer and a local fake Hugging Face Hub: a file uploaded from the
// browser is imported, its fields mapped from its own columns (nested paths),
// its failed rows and prompt preview shown; a Hub preset (GSM8K) imported with
// one click becomes a dataset with real row counts; the wizard picks it from a
// list (no typed path) and a run starts on it, with the preset's verifier.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../main/services/createHandlers.js';
import { forkSpawner } from '../../main/trainer/Supervisor.js';
import type { WebServer } from '../../main/web/startWebServer.js';
import { startFakeHub, type FakeHub } from '../models/fakeHub.js';
import { root, startHarness, type Harness } from './harness.js';

const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 60_000, interval: 150 };

let tmp: string;
let hub: FakeHub;
let server: WebServer;
let services: HandlerContext;
let page: Page;
let problems: string[];
let h: Harness;
const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  hub = await startFakeHub();
  const n = 24;
  hub.addDatasetFile('openai/gsm8k', 'main/train-00000-of-00001.parquet', parquetWriteBuffer({
    columnData: [
      { name: 'question', data: Array.from({ length: n }, (_, i) => `Ann has ${i} pens and gets 3 more. How many pens?`), type: 'STRING' },
      { name: 'answer', data: Array.from({ length: n }, (_, i) => `${i} + 3 = ${i + 3}\n#### ${i + 3}`), type: 'STRING' },
    ],
  }));
  hub.addDatasetFile('openai/gsm8k', 'main/test-00000-of-00001.parquet', parquetWriteBuffer({
    columnData: [
      { name: 'question', data: ['What is 1+1?', 'What is 2+2?'], type: 'STRING' },
      { name: 'answer', data: ['#### 2', '#### 4'], type: 'STRING' },
    ],
  }));
  const entry = join(root, 'dist', 'main', 'trainer', 'trainerMain.js');
  if (!existsSync(entry)) throw new Error(`${entry} missing: run \`npm run build\` first`);
  h = await startHarness({ name: 'datasets', viewport: { width: 1280, height: 900 }, services: { hubEndpoint: hub.url, spawnTrainer: () => forkSpawner()(entry) } });
  ({ tmp, server, services, problems } = h);
  page = await h.newPage();
  await page.goto(server.url);
});

afterAll(async () => {
  await h?.close();
  await hub?.close();
});

describe('datasets in the browser', () => {
  it('uploads a JSONL file, maps a nested field, lists the failed rows and previews the prompts', async () => {
    const file = join(tmp, 'algebra.jsonl');
    writeFileSync(file, [
      JSON.stringify({ item: { text: 'Solve x + 1 = 3.' }, sol: '2' }),
      JSON.stringify({ item: { text: 'Solve 2x = 8.' }, sol: '4' }),
      JSON.stringify({ item: { text: 'Solve x - 5 = 0.' } }),
      '{"item": broken',
    ].join('\n'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click();
    await page.getByLabel('File', { exact: true }).setInputFiles(file);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('algebra');
    // The file's own columns, nested paths flattened; the question found by name, the answer not.
    await expect.poll(() => page.locator('table code').allTextContents(), POLL).toEqual(['item.text', 'sol']);
    expect(await page.getByLabel('Question field').inputValue()).toBe('item.text');
    expect(await page.getByTestId('split-rows-train').textContent()).toBe('0');
    await page.getByLabel('Answer field').selectOption('sol');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await expect.poll(() => page.getByTestId('split-rows-train').textContent(), POLL).toBe('2');
    const failed = page.getByRole('region', { name: 'Rows that failed' });
    await expect.poll(() => failed.locator('tbody tr').allTextContents(), POLL).toEqual([
      expect.stringMatching(/train.*algebra\.jsonl.*3.*missing-field: answer: no value at "sol"/),
      expect.stringMatching(/4.*invalid-json/),
    ]);
    await page.getByLabel('Suffix').fill('Answer with a number.');
    await expect.poll(() => page.getByRole('list', { name: 'Prompt preview' }).locator('pre').allTextContents(), POLL)
      .toEqual(['Solve x + 1 = 3.\nAnswer with a number.', 'Solve 2x = 8.\nAnswer with a number.']);
    await shot('dataset-page');
    // The store has it, mapped as shown.
    const list = await services.datasets!.list!({});
    expect(list.find((d) => d.name === 'algebra')).toMatchObject({ kind: 'jsonl', origin: 'file', rows: 2, malformed: 2 });
    expect(problems).toEqual([]);
  });

  it('imports the GSM8K preset from the Hub with one click, then trains on it from the wizard without typing a path', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click();
    await page.getByRole('button', { name: 'Import GSM8K' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'open GSM8K' }).count(), POLL).toBe(1);
    // Real row counts per split, built-in tasks included (no "-1").
    await expect.poll(() => page.getByRole('row', { name: /GSM8K/ }).textContent(), POLL).toMatch(/train: 24 · test: 2/);
    expect(await page.getByTestId('dataset-rows').allTextContents()).not.toContain('-1');
    await shot('datasets-list');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run', exact: true }).click();
    await page.getByRole('radio', { name: /Built-in tiny demo model/ }).check();
    await page.getByRole('button', { name: 'Next: Data' }).click();
    await page.getByRole('radio', { name: /GSM8K/ }).check();
    await expect.poll(() => page.locator('.preview li pre').first().textContent(), POLL).toMatch(/^Ann has 0 pens and gets 3 more\. How many pens\?\nLet's think step by step/);
    expect(await page.locator('.preview li').first().textContent()).toMatch(/expected answer: 3/);
    await shot('wizard-data-gsm8k');
    // The preset's reward is the one the run will use, shown before the recipe: the GSM8K verifier.
    await page.getByRole('button', { name: 'Next: Reward' }).click();
    await expect.poll(() => page.locator('legend').first().textContent(), POLL).toBe('Component 1: gsm8k');
    await page.getByRole('button', { name: 'Next: Recipe' }).click();
    await page.locator('[data-path="name"]').fill('gsm8k-run');
    await page.locator('[data-path="training.steps"]').fill('2');
    await page.locator('[data-path="training.checkpointEvery"]').fill('2');
    await page.getByRole('button', { name: 'Next: Hardware & preflight' }).click();
    await page.locator('[data-path="hardware.threads"]').fill('1');
    await page.getByRole('button', { name: 'Next: Start' }).click();
    await expect.poll(() => page.locator('dl.estimate').textContent(), POLL).toMatch(/GSM8K \(train\)/);
    await page.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(() => page.url(), POLL).toMatch(/#\/runs\/\d+$/);
    const runId = page.url().match(/#\/runs\/(\d+)$/)![1]!;
    const run = await services.runs!.get!({ runId });
    const { Store } = await import('../../main/store/index.js');
    const db = Store.open(join(tmp, 'data', 'clipo.db'), { readonly: true });
    try { expect(db.runs.get(Number(runId)).datasetId).toBe(db.library.datasetByName('GSM8K')!.id); } finally { db.close(); }
    expect(run.recipe.data).toMatchObject({ kind: 'dataset', name: 'GSM8K', split: 'train', format: 'parquet', fields: { answerFormat: 'gsm8k' } });
    expect(run.recipe.reward.components).toEqual([expect.objectContaining({ name: 'gsm8k', weight: 1 })]);
    // The trainer reads the dataset and trains: a step is written.
    await expect.poll(async () => (await services.runs!.get!({ runId })).step, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    const after = await services.runs!.get!({ runId });
    expect(after.error).toBeNull();
    expect(after.datasetName).toBe('GSM8K (train)');
    expect(problems).toEqual([]);
  });
});
