// The Checkpoints page's Cancel for a long export (issue 16: an export stuck in
// its tool process left the page on "Exporting…" with no way out). Real web
// server and services; only the tool process's body is a stand-in that hangs
// (ignoring SIGTERM, as the stuck mkdir loop did), so Cancel must kill it.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipePresets } from '../../main/recipes/index.js';
import { TOOL_ENTRY } from '../../main/trainer/toolProtocol.js';
import { startHarness, stuckChild, type Harness } from './harness.js';

const POLL = { timeout: 30_000, interval: 100 };

let h: Harness;
let page: Page;
const hung = stuckChild(TOOL_ENTRY);

beforeAll(async () => {
  h = await startHarness({ name: 'export-cancel', services: hung.services });
  page = await h.newPage();
});

afterAll(async () => { await h?.close(); });

describe('export cancel', () => {
  it('shows Cancel while exporting; Cancel kills the tool and the page says the export was cancelled', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const { runId } = await h.services.runs!.create!({ recipe: { ...demo, name: 'cancel me' }, start: false });
    expect(runId).toBeTruthy();
    await page.goto(h.server.url);
    await page.getByRole('link', { name: 'cancel me' }).first().click();
    await page.getByRole('tab', { name: 'Checkpoints & export' }).click();
    // Web mode: no folder to type; the export downloads as a ZIP.
    await page.getByRole('button', { name: 'Download ZIP', exact: true }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Exporting…' }).count(), POLL).toBe(1);
    await expect.poll(() => hung.pid(), POLL).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel export' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toMatch(/export was cancelled/);
    expect(await page.getByRole('button', { name: 'Cancel export' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Download ZIP', exact: true }).isEnabled()).toBe(true);
    await expect.poll(() => { try { process.kill(hung.pid(), 0); return true; } catch { return false; } }, POLL).toBe(false);
    expect(h.problems).toEqual([]);
  });
});
