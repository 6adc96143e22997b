// The desktop pickers (datasets.pickFile, models.pickFile, runs.pickFolder)
// through the Electron IPC handler, with the system dialog injected: the
// router validates the arguments before any dialog opens (the page cannot pass
// filters or a path), only our own page may call, the dialog gets the kind's
// title and filters, a chosen path comes back as { path }, a cancel as
// { path: null }, and a path the kind cannot use is a typed invalid_argument.
// In web mode (no dialog) the same methods answer `unavailable`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import type { ApiMethodName } from '../../main/api/contract/index.js';
import { createRouter } from '../../main/api/router.js';
import { createPickers, pick, PICKER_OPTIONS, type OpenDialog, type OpenDialogOptions } from '../../main/electron/fileDialogs.js';
import { ipcHandler } from '../../main/electron/ipcHandler.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';

const ORIGIN = 'app://clipo';
const ours = { senderFrame: { url: `${ORIGIN}/index.html` } };
const isOurPage = (url: string) => url.startsWith(`${ORIGIN}/`);

/** A dialog that answers from a queue and records what it was asked. */
function fakeDialog() {
  const asked: OpenDialogOptions[] = [];
  const answers: { canceled: boolean; filePaths: string[] }[] = [];
  const dialog: OpenDialog = async (o) => { asked.push(o); return answers.shift() ?? { canceled: true, filePaths: [] }; };
  return { dialog, asked, answers };
}

const tmp = mkdtempSync(join(tmpdir(), 'dialogs-'));
const fake = fakeDialog();
const desktop = createDefaultServices({ mode: 'electron', dataDir: join(tmp, 'desktop'), appRoot: findAppRoot(), events: new ApiEventBus(), ...createPickers(fake.dialog) });
const web = createDefaultServices({ mode: 'web', dataDir: join(tmp, 'web'), appRoot: findAppRoot(), events: new ApiEventBus() });
const desktopIpc = (m: ApiMethodName) => ipcHandler(createRouter(desktop.handlers), m, isOurPage);
afterAll(async () => {
  await desktop.dispose();
  await web.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('pick (the dialog behind each picker)', () => {
  it('asks with the kind\'s title and filters; a path back, a cancel is null, an unusable path is refused', async () => {
    const f = fakeDialog();
    f.answers.push({ canceled: false, filePaths: ['/data/m.GGUF'] }, { canceled: true, filePaths: ['/ignored.gguf'] }, { canceled: false, filePaths: [] });
    await expect(pick(f.dialog, 'model')).resolves.toBe('/data/m.GGUF');
    await expect(pick(f.dialog, 'model')).resolves.toBeNull();
    await expect(pick(f.dialog, 'model')).resolves.toBeNull();
    expect(f.asked).toEqual([PICKER_OPTIONS.model, PICKER_OPTIONS.model, PICKER_OPTIONS.model]);
    expect(f.asked[0]).not.toBe(PICKER_OPTIONS.model); // a copy: a dialog cannot change the shared options
    f.answers.push({ canceled: false, filePaths: ['relative/m.gguf'] }, { canceled: false, filePaths: ['/data/m.bin'] }, { canceled: false, filePaths: ['/data/a\0.gguf'] }, { canceled: false, filePaths: ['/data/d.txt'] });
    await expect(pick(f.dialog, 'model')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/unusable path/) });
    await expect(pick(f.dialog, 'model')).rejects.toMatchObject({ code: 'invalid_argument', message: '/data/m.bin is not a .gguf file: choose a GGUF model (convert other formats with llama.cpp first).' });
    await expect(pick(f.dialog, 'model')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(pick(f.dialog, 'dataset')).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/not a dataset file: choose a \.jsonl, \.ndjson, \.json, \.csv, \.parquet file/) });
    f.answers.push({ canceled: false, filePaths: ['/exports/here'] });
    await expect(pick(f.dialog, 'folder')).resolves.toBe('/exports/here'); // a folder has no extension to check
    expect(f.asked.at(-1)).toEqual({ title: 'Export into this folder', properties: ['openDirectory', 'createDirectory'] });
  });
});

describe('the IPC handler for the pickers', () => {
  it('returns the chosen path, or { path: null } on cancel, for each picker', async () => {
    fake.asked.length = 0;
    fake.answers.push({ canceled: false, filePaths: ['/models/tiny.gguf'] }, { canceled: true, filePaths: [] },
      { canceled: false, filePaths: ['/exports/run1'] }, { canceled: false, filePaths: ['/data/gsm8k.parquet'] });
    expect(await desktopIpc('models.pickFile')(ours, {})).toEqual({ ok: true, value: { path: '/models/tiny.gguf' } });
    expect(await desktopIpc('models.pickFile')(ours, undefined)).toEqual({ ok: true, value: { path: null } }); // no args = {}
    expect(await desktopIpc('runs.pickFolder')(ours, {})).toEqual({ ok: true, value: { path: '/exports/run1' } });
    expect(await desktopIpc('datasets.pickFile')(ours, {})).toEqual({ ok: true, value: { path: '/data/gsm8k.parquet' } });
    expect(fake.asked.map((o) => o.title)).toEqual(['Add a GGUF model', 'Add a GGUF model', 'Export into this folder', 'Import a dataset']);
  });

  it('validates the arguments before any dialog opens: no filters, no path, no defaults from the page', async () => {
    fake.asked.length = 0;
    for (const args of [{ filters: [{ name: 'all', extensions: ['*'] }] }, { path: '/etc/passwd' }, { defaultPath: '/root' }, 'x', [1]]) {
      const r = await desktopIpc('models.pickFile')(ours, args);
      expect(r, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    }
    expect(await desktopIpc('datasets.pickFile')(ours, { filters: [] })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(fake.asked).toEqual([]);
  });

  it('refuses a call from another page, and a path the kind cannot use, with typed errors', async () => {
    fake.asked.length = 0;
    const foreign = await desktopIpc('models.pickFile')({ senderFrame: { url: 'https://evil.example/' } }, {});
    expect(foreign).toEqual({ ok: false, error: { code: 'unauthorized', message: 'IPC from an unexpected page' } });
    expect(await desktopIpc('models.pickFile')({ senderFrame: null }, {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(fake.asked).toEqual([]);
    fake.answers.push({ canceled: false, filePaths: ['/models/weights.safetensors'] });
    expect(await desktopIpc('models.pickFile')(ours, {})).toMatchObject({ ok: false, error: { code: 'invalid_argument', message: expect.stringMatching(/not a \.gguf file/) } });
  });

  it('web mode has no dialog: the pickers answer unavailable and say to upload instead', async () => {
    const route = createRouter(web.handlers);
    expect(await route('models.pickFile', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/upload the model file/) } });
    expect(await route('datasets.pickFile', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await route('runs.pickFolder', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/Download \(a ZIP\)/) } });
  });
});
