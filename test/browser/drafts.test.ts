// Draft runs in the browser: a run created without starting (runs.duplicate,
// runs.create start: false) reads "Draft" in the runs list and on its page, and
// its Start button trains it (a real trainer process); Edit opens the wizard on
// the draft; Duplicate still opens the wizard prefilled, creating nothing.
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../main/api/contract/index.js';
import { recipePresets } from '../../main/recipes/index.js';
import { forkSpawner, TRAINER_ENTRY } from '../../main/trainer/Supervisor.js';
import { shotBothThemes, startHarness, type Harness } from './harness.js';

const ENTRY = resolve('dist/main/trainer/trainerMain.js');
const POLL = { timeout: 60_000, interval: 100 };
let h: Harness;
let page: Page;

beforeAll(async () => {
  const spawn = forkSpawner();
  h = await startHarness({ name: 'drafts', services: { spawnTrainer: (entry) => spawn(entry === TRAINER_ENTRY ? ENTRY : entry) } });
  page = await h.openPage();
});
afterAll(async () => { await h?.close(); });

async function draft(name: string): Promise<string> {
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = { ...demo, name, rollout: { ...demo.rollout, groupSize: 4, promptsPerStep: 4 }, training: { ...demo.training, steps: 2 } };
  const { runId } = await h.services.runs!.create!({ recipe, start: false });
  return runId;
}
const statusOf = async (runId: string) => ((await h.services.runs!.get!({ runId })) as RunSummary).status;
const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });

describe('draft runs', () => {
  it('the runs list shows a draft as Draft, and its Start trains it', async () => {
    const id = await draft('list draft');
    await h.go(page, '#/runs');
    await expect.poll(() => row('list draft').getByTestId('row-status').textContent(), POLL).toBe('Draft');
    expect(await row('list draft').getByRole('button', { name: 'Edit list draft in the wizard' }).count()).toBe(1);
    await shotBothThemes(page, 'drafts-runs-list');
    await row('list draft').getByRole('button', { name: 'Start list draft' }).click();
    // The list follows it (run.status events) to the end; the store says the same.
    await expect.poll(() => row('list draft').getByTestId('row-status').textContent(), POLL).toBe('finished');
    expect(await statusOf(id)).toBe('finished');
    expect(await row('list draft').getByRole('button', { name: 'Start list draft' }).count()).toBe(0);
  });

  it('the run page shows Draft with Start and Edit in wizard', async () => {
    const id = await draft('page draft');
    await h.go(page, `#/runs/${id}`);
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('Draft');
    const actions = page.getByTestId('draft-actions');
    await shotBothThemes(page, 'drafts-run-page');
    await actions.getByRole('button', { name: 'Edit in wizard' }).click();
    await expect.poll(() => page.url(), POLL).toContain(`#/new?from=${id}`);
    await expect.poll(() => page.getByText(/Editing the draft “page draft”/).count(), POLL).toBe(1);
    expect(await statusOf(id)).toBe('draft'); // opening the wizard creates and starts nothing

    await h.go(page, `#/runs/${id}`);
    await page.getByTestId('draft-actions').getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('finished');
    expect(await page.getByTestId('draft-actions').count()).toBe(0);
    expect(await statusOf(id)).toBe('finished');
  });

  it('Duplicate still opens the wizard prefilled and creates no run', async () => {
    const before = ((await h.services.runs!.list!({})) as RunSummary[]).length;
    await h.go(page, '#/runs');
    await row('list draft').getByRole('button', { name: 'Duplicate list draft as a new run' }).click();
    await expect.poll(() => page.getByText(/Prefilled from run “list draft”/).count(), POLL).toBe(1);
    expect(((await h.services.runs!.list!({})) as RunSummary[]).length).toBe(before);
    expect(h.problems).toEqual([]);
  });
});

describe('the reasoning demo in the wizard', () => {
  it('the quick start offers it, and editing its draft keeps the built-in reasoner, the held-out split and the 48-row pool', async () => {
    const preset = recipePresets().find((p) => p.id === 'demo-reasoning')!;
    await h.go(page, '#/new');
    await expect.poll(() => page.locator('#quick-title').textContent(), POLL).toBe(preset.title);
    const { runId } = await h.services.runs!.create!({ recipe: { ...preset.recipe, name: 'reasoning draft' }, start: false });
    await h.go(page, `#/new?from=${runId}`);
    await expect.poll(() => page.getByText(/Editing the draft “reasoning draft”/).count(), POLL).toBe(1);
    await page.getByRole('button', { name: /^1\. Model/ }).click();
    await expect.poll(() => page.getByRole('radio', { name: /Built-in reasoning model/ }).isChecked(), POLL).toBe(true);
    expect(await page.getByRole('radio', { name: /Built-in tiny demo model/ }).isChecked()).toBe(false);
    await page.getByRole('button', { name: /^2\. Data/ }).click();
    await expect.poll(() => page.getByLabel('Rows to train on (blank: all)').inputValue(), POLL).toBe('48');
    expect(await page.getByLabel('Split to train on').inputValue()).toBe('test');
    // The preview counts what the run trains on: the first 48 rows.
    await expect.poll(() => page.getByText('48 rows', { exact: true }).count(), POLL).toBe(1);
    await shotBothThemes(page, 'wizard-data-first-rows');
    await page.getByRole('button', { name: /^6\. Start/ }).click();
    await expect.poll(() => page.locator('dl.estimate').textContent(), POLL).toMatch(/Built-in reasoning model \(arith-reasoner\).*arith-word \(test\), first 48 rows/s);
    expect(await statusOf(runId)).toBe('draft');
    expect(h.problems).toEqual([]);
  });

  it('choosing the preset in the wizard selects its model, split and row cap; the tiny preset clears the cap', async () => {
    await h.go(page, '#/runs');
    await h.go(page, '#/new');
    await page.getByRole('button', { name: /^4\. Recipe/ }).click();
    await page.getByLabel('Preset').selectOption('demo-reasoning');
    await page.getByRole('button', { name: /^1\. Model/ }).click();
    await expect.poll(() => page.getByRole('radio', { name: /Built-in reasoning model/ }).isChecked(), POLL).toBe(true);
    await page.getByRole('button', { name: /^2\. Data/ }).click();
    await expect.poll(() => page.getByLabel('Rows to train on (blank: all)').inputValue(), POLL).toBe('48');
    expect(await page.getByLabel('Split to train on').inputValue()).toBe('test');
    await page.getByRole('button', { name: /^4\. Recipe/ }).click();
    await page.getByLabel('Preset').selectOption('demo');
    await page.getByRole('button', { name: /^1\. Model/ }).click();
    await expect.poll(() => page.getByRole('radio', { name: /Built-in tiny demo model/ }).isChecked(), POLL).toBe(true);
    await page.getByRole('button', { name: /^2\. Data/ }).click();
    await expect.poll(() => page.getByLabel('Rows to train on (blank: all)').inputValue(), POLL).toBe('');
    expect(await page.getByLabel('Split to train on').inputValue()).toBe('train');
    expect(h.problems).toEqual([]);
  });
});
