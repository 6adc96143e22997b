// Upload progress in web mode: a multi-MB dataset (and model) upload shows a
// progress bar whose bytes/percent grow, and Cancel aborts it, leaving no
// partial file in the data folder and nothing imported. The browser's upload
// is throttled (DevTools network emulation) so the transfer takes seconds.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../charts/ticks.js';
import { shotBothThemes, startHarness, type Harness } from './harness.js';

const POLL = { timeout: 30_000, interval: 50 };
const MB = 1024 * 1024;
let h: Harness;
let page: Page;

beforeAll(async () => {
  h = await startHarness({ name: 'upload-progress' });
  page = await h.openPage();
  const cdp = await h.context.newCDPSession(page);
  await cdp.send('Network.enable');
  // ~2 MB/s up: an 8 MB file takes about 4 s, time to watch it and cancel it.
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * MB });
});
afterAll(async () => { await h?.close(); });

/** The progress element's loaded bytes, read until `count` distinct increasing values were seen. */
async function watchProgress(count: number): Promise<number[]> {
  const seen: number[] = [];
  const end = Date.now() + 20_000;
  while (seen.length < count && Date.now() < end) {
    const v = Number(await page.getByTestId('upload-status').getAttribute('data-loaded').catch(() => 'NaN'));
    if (Number.isFinite(v) && v > (seen.at(-1) ?? 0)) seen.push(v);
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

describe('upload progress and cancel', () => {
  it('a dataset upload shows growing progress; Cancel removes the partial upload and imports nothing', async () => {
    const size = 16 * MB; // ~8 s at the emulated 2 MB/s: room for the screenshots before Cancel
    const line = '{"question":"1+1","answer":"2"}\n';
    const body = Buffer.from(line.repeat(Math.ceil(size / line.length))).subarray(0, size);
    await h.go(page, '#/datasets');
    await page.locator('input[type=file][accept*=jsonl]').setInputFiles({ name: 'big.jsonl', mimeType: 'application/octet-stream', buffer: body });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const seen = await watchProgress(3);
    expect(seen.length).toBe(3);
    expect(seen.at(-1)!).toBeLessThan(body.length);
    expect(await page.getByTestId('upload-status').getAttribute('data-total')).toBe(String(body.length));
    await shotBothThemes(page, 'datasets-upload-progress');
    // The text says the same as the bar, in the app's byte format (read in one go: the upload moves on).
    const [loaded, text] = await page.evaluate<[string, string]>(`(() => { const e = document.querySelector('[data-testid=upload-status]'); return [e.dataset.loaded, e.textContent.trim()]; })()`);
    expect(text).toBe(`${formatBytes(Number(loaded))} of ${formatBytes(body.length)} (${Math.floor((Number(loaded) / body.length) * 100)}%)`);
    // The server holds the part received so far.
    const uploads = join(h.dataDir, 'uploads');
    expect(readdirSync(uploads).length).toBe(1);
    await page.getByTestId('upload-progress').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByText('Upload cancelled: nothing was imported.').count(), POLL).toBe(1);
    expect(await page.getByTestId('upload-progress').count()).toBe(0);
    await expect.poll(() => readdirSync(uploads), POLL).toEqual([]);
    expect((await h.services.datasets!.list!({})).filter((d) => d.name.startsWith('big'))).toEqual([]);
  });

  it('a model upload shows progress too, and Cancel leaves no partial model file', async () => {
    await h.go(page, '#/models');
    const body = Buffer.alloc(6 * MB, 1);
    await page.locator('input[type=file][accept=".gguf"]').first().setInputFiles({ name: 'partial.gguf', mimeType: 'application/octet-stream', buffer: body });
    await page.getByRole('button', { name: 'Upload model' }).first().click();
    const seen = await watchProgress(2);
    expect(seen.length).toBe(2);
    const dir = join(h.dataDir, 'models', 'uploaded');
    expect(readdirSync(dir)).toEqual(['partial.gguf']);
    await page.getByTestId('upload-progress').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByText('Upload cancelled: nothing was added.').count(), POLL).toBe(1);
    await expect.poll(() => (existsSync(dir) ? readdirSync(dir) : []), POLL).toEqual([]);
    expect(h.problems).toEqual([]);
  });
});
