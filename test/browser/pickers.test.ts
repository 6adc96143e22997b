// The renderer's pickers by transport: with the IPC bridge (the desktop app's
// `window.clipo`, here a stand-in that forwards each method to the server, as
// the preload forwards to ipcMain) the Models and Datasets pages offer the
// system dialog (models.pickFile / datasets.pickFile, answered by an injected
// dialog in the main process) and add what it returns; in web mode the same
// pages offer uploads and never call a picker.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPickers, type OpenDialog, type OpenDialogOptions } from '../../main/electron/fileDialogs.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';
import { startHarness, type Harness } from './harness.js';

const POLL = { timeout: 30_000, interval: 100 };
const asked: OpenDialogOptions[] = [];
const answers: { canceled: boolean; filePaths: string[] }[] = [];
const dialog: OpenDialog = async (o) => { asked.push(o); return answers.shift() ?? { canceled: true, filePaths: [] }; };
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ name: 'pickers', services: createPickers(dialog) });
});
afterAll(async () => { await h?.close(); });

/** A page with a `window.clipo` bridge: every method is a POST to the server with the token; calls are recorded. */
async function desktopPage(): Promise<Page> {
  const page = await h.newPage();
  await page.addInitScript(`(() => {
    const token = ${JSON.stringify(h.server.token)};
    window.__calls = [];
    window.clipo = new Proxy({}, {
      has: () => true,
      get: (_t, name) => name === 'on' ? () => () => undefined : (args) => {
        window.__calls.push(String(name));
        return fetch('/api/' + String(name), { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token }, body: JSON.stringify(args ?? {}) }).then((r) => r.json());
      },
    });
  })();`);
  await page.goto(`${new URL(h.server.url).origin}/#/models`);
  return page;
}
const calls = (page: Page) => page.evaluate<string[]>('window.__calls.filter((m) => /pickFile|pickFolder|models.add|datasets.importFile/.test(m))');

describe('pickers by transport', () => {
  it('IPC transport: Models uses the system dialog (a cancel changes nothing) and adds the chosen GGUF', async () => {
    const page = await desktopPage();
    const choose = page.getByRole('button', { name: 'Choose a GGUF file…' });
    await choose.waitFor();
    expect(await page.getByTestId('model-upload').count()).toBe(0); // no upload form in the desktop app
    asked.length = 0;
    answers.push({ canceled: true, filePaths: [] });
    await choose.click();
    await expect.poll(() => asked.length, POLL).toBe(1);
    expect(asked[0]!.title).toBe('Add a GGUF model');
    expect(await calls(page)).toEqual(['models.pickFile']); // cancelled: nothing added
    const dir = join(h.tmp, 'picked');
    mkdirSync(dir, { recursive: true });
    const model = join(dir, 'tiny-picked.gguf');
    writeTinyModel(model, { ...TINY_DEMO_MODEL });
    answers.push({ canceled: false, filePaths: [model] });
    await choose.click();
    await expect.poll(async () => (await h.services.models!.list!({})).find((m) => m.path === model)?.name ?? null, POLL).not.toBeNull();
    const added = (await h.services.models!.list!({})).find((m) => m.path === model)!;
    await expect.poll(() => page.getByText(`Added ${added.name}.`).count(), POLL).toBe(1);
    expect(await calls(page)).toEqual(['models.pickFile', 'models.pickFile', 'models.add']);
    await page.close();
  });

  it('IPC transport: Datasets imports the file the dialog returns', async () => {
    const page = await desktopPage();
    const file = join(h.tmp, 'picked', 'sums.jsonl');
    writeFileSync(file, '{"question":"1+1","answer":"2"}\n{"question":"2+2","answer":"4"}\n');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click();
    answers.push({ canceled: false, filePaths: [file] });
    asked.length = 0;
    await page.getByRole('button', { name: 'Choose a file…' }).click();
    await expect.poll(() => page.url(), POLL).toMatch(/#\/datasets\/.+/);
    expect(asked.map((o) => o.title)).toEqual(['Import a dataset']);
    expect(await calls(page)).toEqual(['datasets.pickFile', 'datasets.importFile']);
    expect((await h.services.datasets!.list!({})).some((d) => d.name.startsWith('sums'))).toBe(true);
    await page.close();
  });

  it('web transport: the same pages upload, and no picker is called', async () => {
    asked.length = 0;
    const page = await h.openPage();
    await h.go(page, '#/models');
    await page.getByTestId('model-upload').waitFor();
    expect(await page.getByRole('button', { name: 'Choose a GGUF file…' }).count()).toBe(0);
    await h.go(page, '#/datasets');
    await page.getByRole('button', { name: 'Upload and import' }).waitFor();
    expect(await page.getByRole('button', { name: 'Choose a file…' }).count()).toBe(0);
    expect(asked).toEqual([]);
    expect(h.problems).toEqual([]);
  });
});
