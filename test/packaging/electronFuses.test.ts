// electron-builder.yml flips Electron's fuses in the packaged binary (issue 16: none were set).
// The option names are checked against electron-builder's own FuseOptionsV1, so a misspelled
// key (which electron-builder would ignore) fails here.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { INSPECT_CHILD } from '../../main/models/gguf/inspectIsolated.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { createDefaultServices } from '../../main/services/createDefaultServices.js';
import { forkToolSpawner } from '../../main/services/toolSpawner.js';
import type { TrainerSpawner } from '../../main/trainer/Supervisor.js';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as { electronFuses?: Record<string, unknown> };

describe('electron-builder fuses', () => {
  it('turn off Node entry points and load only the integrity-checked app.asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('uses option names electron-builder 26 knows (app-builder-lib FuseOptionsV1)', () => {
    const dts = readFileSync(join(root, 'node_modules', 'app-builder-lib', 'out', 'configuration.d.ts'), 'utf8');
    expect(dts).toMatch(/readonly electronFuses\?: FuseOptionsV1/);
    const body = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(dts)![1]!;
    const known = [...body.matchAll(/^\s+(\w+)\?: boolean;/gm)].map((m) => m[1]);
    for (const key of Object.keys(config.electronFuses ?? {})) expect(known, key).toContain(key);
  });
});

// runAsNode: false means process.execPath in the packaged app is Electron itself: ELECTRON_RUN_AS_NODE is
// ignored, and child_process.fork / execFile(process.execPath) would start a second app. Every child the
// main process starts must therefore go through the spawner main/electron/main.ts passes (utilityProcess).
describe('code that runs in Electron\'s main process agrees with runAsNode: false', () => {
  const sources = (d: string): string[] => readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

  it('nothing under main/ relies on ELECTRON_RUN_AS_NODE', () => {
    const users = sources(join(root, 'main')).filter((f) => /ELECTRON_RUN_AS_NODE\s*:/.test(readFileSync(f, 'utf8')));
    expect(users).toEqual([]);
  });

  it('main/electron/main.ts hands its utilityProcess spawner to the services', () => {
    const main = readFileSync(join(root, 'main', 'electron', 'main.ts'), 'utf8');
    expect(main).toMatch(/createDefaultServices\(\{[^}]*mode: 'electron'[^}]*spawnTrainer: utilityTrainerSpawner/);
    expect(readFileSync(join(root, 'main', 'electron', 'utilityTrainerSpawner.ts'), 'utf8')).toMatch(/utilityProcess\.fork\(/);
  });

  it('in electron mode, models.inspect and models.add start the header reader through that spawner', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'clipo-fuse-path-'));
    const entries: string[] = [];
    const fork = forkToolSpawner();
    const spawner: TrainerSpawner = (entry) => { entries.push(entry); return fork(entry); };
    const { context, dispose } = createDefaultServices({ mode: 'electron', dataDir: join(tmp, 'data'), appRoot: root, events: new ApiEventBus(), spawnTrainer: spawner });
    try {
      const model = join(tmp, 'tiny.gguf');
      writeTinyModel(model, { arch: 'qwen2', seed: 5 });
      expect((await context.models!.inspect!({ path: model })).arch).toBe('qwen2');
      expect((await context.models!.add!({ path: model })).arch).toBe('qwen2');
      expect(entries).toEqual([INSPECT_CHILD, INSPECT_CHILD]);
    } finally {
      await dispose();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
