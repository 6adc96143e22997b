// createHandlers: the app runs before every part is written, so missing
// services must fail each call clearly (unavailable + what is missing).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../main/api/router.js';
import { createAppService } from '../../main/services/appService.js';
import { createHandlers } from '../../main/services/createHandlers.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { resolveDataDir } from '../../main/services/resolveDataDir.js';
import { DEFAULT_SETTINGS, createSettingsService } from '../../main/services/settingsService.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'clipo-services-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function handlersFor(dataDir: string, extra = {}) {
  const app = createAppService({ mode: 'web', dataDir, appRoot: findAppRoot() });
  return createHandlers({ app, settings: createSettingsService(dataDir), ...extra });
}

describe('createHandlers', () => {
  it('answers app.info with the package version and an honest engine status', async () => {
    const dir = tempDir();
    const info = await handlersFor(dir)['app.info']({});
    const pkg = JSON.parse(readFileSync(join(findAppRoot(), 'package.json'), 'utf8')) as { version: string };
    expect(info).toMatchObject({ name: 'Clipo Workbench', version: pkg.version, mode: 'web', dataDir: dir });
    const built = existsSync(join(findAppRoot(), 'engine/build/Release')) &&
      readdirSync(join(findAppRoot(), 'engine/build/Release')).some((f) => f.endsWith('.node'));
    expect(info.engine.available).toBe(built);
    if (!built) expect(info.engine.detail).toMatch(/not built/);
  });

  it('makes methods of a missing service reject with unavailable, naming the missing part', async () => {
    const route = createRouter(handlersFor(tempDir()));
    const r = await route('runs.list', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(!r.ok && r.error.message).toMatch(/runs\.list.*main\/store/);
    const m = await route('models.list', {});
    expect(!m.ok && m.error.message).toMatch(/main\/models/);
  });

  it('uses a provided service, and names a method a partial service lacks', async () => {
    const route = createRouter(handlersFor(tempDir(), { datasets: { list: () => [] } }));
    expect(await route('datasets.list', {})).toEqual({ ok: true, value: [] });
    const r = await route('datasets.preview', { source: { kind: 'builtin', task: 'arith' } });
    expect(!r.ok && r.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('datasets.preview') });
  });
});

describe('settingsService', () => {
  it('returns defaults, then persists a validated patch atomically', async () => {
    const dir = tempDir();
    const s = createSettingsService(dir);
    expect(await s.get()).toEqual(DEFAULT_SETTINGS);
    expect(await s.set({ theme: 'dark', threads: 4 })).toMatchObject({ theme: 'dark', threads: 4, backend: 'auto' });
    expect(await createSettingsService(dir).get()).toMatchObject({ theme: 'dark', threads: 4 });
    expect(readdirSync(dir)).toEqual(['settings.json']); // no temp files left behind
  });

  it('serialises concurrent writes without losing either', async () => {
    const s = createSettingsService(tempDir());
    await Promise.all([s.set({ theme: 'light' }), s.set({ threads: 2 }), s.set({ backend: 'cpu' })]);
    expect(await s.get()).toMatchObject({ theme: 'light', threads: 2, backend: 'cpu' });
  });

  it('keeps the valid fields of a damaged file and defaults the rest', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ theme: 'dark', threads: -3, backend: 'tpu' }));
    expect(await createSettingsService(dir).get()).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark' });
    writeFileSync(join(dir, 'settings.json'), '{ not json');
    expect(await createSettingsService(dir).get()).toEqual(DEFAULT_SETTINGS);
  });

  it('rejects an invalid value instead of writing it', async () => {
    const s = createSettingsService(tempDir());
    await expect(s.set({ threads: -1 })).rejects.toThrow();
  });
});

describe('resolveDataDir', () => {
  it('prefers CLIPO_DATA_DIR, else the OS app-data folder', () => {
    expect(resolveDataDir({ CLIPO_DATA_DIR: '/data/x' }, 'linux')).toBe('/data/x');
    expect(resolveDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe(join('/cfg', 'clipo-workbench'));
    expect(resolveDataDir({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32')).toContain('clipo-workbench');
  });
});
