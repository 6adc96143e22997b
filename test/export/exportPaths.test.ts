/**
 * Export against hostile and broken destinations (issue 16): folders that
 * cannot be created, files where a folder is expected, symlinks planted at the
 * temporary names export used to predict, and a full disk. Each must end in a
 * typed, actionable error in bounded time, never write outside the chosen
 * folder, and leave nothing behind that blocks the retry.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../main/export/atomicWrite.js';
import { ExportPathError, makeDirBounded, planExport } from '../../main/export/safePath.js';
import { writeGguf } from '../../main/models/gguf/index.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { exportRun } from '../../main/trainer/export/exportRun.js';
import { mountTmpfs, unmount } from './tmpfsFixture.js';

const dir = mkdtempSync(join(tmpdir(), 'export-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const typed = (fn: () => unknown) => {
  try { fn(); } catch (e) { return e as ExportPathError; }
  throw new Error('expected a throw');
};

describe('export destinations', () => {
  it('a folder the file system refuses to create (/proc/nope) fails in bounded time, not an endless mkdir loop', () => {
    // In a child process with a timeout: Node's recursive mkdir loops forever in C++ on /proc,
    // which no in-process timeout could interrupt.
    const safePath = resolve('dist/main/export/safePath.js');
    expect(existsSync(safePath), 'run `npm run build` first').toBe(true);
    const script = `import(${JSON.stringify(safePath)}).then((m) => { try { m.planExport('/proc/nope/clipo', ['a.gguf'], false); console.log('NO ERROR'); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); } });`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
    expect(r.signal, 'planExport did not return within 10 s').toBeNull();
    expect(Date.now() - t0).toBeLessThan(10_000);
    const out = JSON.parse(r.stdout) as { name: string; code: string; message: string };
    expect(out).toMatchObject({ name: 'ExportPathError', code: 'invalid_argument' });
    expect(out.message).toMatch(/\/proc\/nope.*choose a folder/);
  });

  it('a file where the folder should be (/etc/passwd, /dev/null/x) is a typed error naming the problem', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    for (const p of [file, '/etc/passwd', join(file, 'sub'), '/dev/null/x']) {
      const e = typed(() => planExport(p, ['a.gguf'], false));
      expect(e, p).toBeInstanceOf(ExportPathError);
      expect(e.code, p).toBe('invalid_argument');
      expect(e.message, p).toMatch(/is a file, not a folder|a file is in the way/);
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('creates missing parents one level at a time and reports what it created', () => {
    const target = join(dir, 'new', 'deeper', 'out');
    expect(makeDirBounded(target)).toEqual([join(dir, 'new'), join(dir, 'new', 'deeper'), target]);
    expect(makeDirBounded(target)).toEqual([]);
  });

  it('refuses a dangling symlink as the folder, and symlinks at a target name', () => {
    const link = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), link);
    expect(typed(() => planExport(link, ['a'], false)).message).toMatch(/symbolic link/);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
    const out = join(dir, 'out-link');
    mkdirSync(out);
    symlinkSync('/etc/passwd', join(out, 'README.md'));
    expect(typed(() => planExport(out, ['README.md'], true)).message).toMatch(/symbolic link/);
  });

  it('writes never follow a symlink planted at a temporary name', () => {
    const outside = join(dir, 'outside.txt');
    writeFileSync(outside, 'untouched');
    const out = join(dir, 'planted');
    mkdirSync(out);
    // The names export used to use: <target>.tmp-<pid>.
    symlinkSync(outside, join(out, `README.md.tmp-${process.pid}`));
    symlinkSync(outside, join(out, `a.gguf.tmp-${process.pid}`));
    writeFileAtomic(join(out, 'README.md'), 'card');
    writeGguf(join(out, 'a.gguf'), { 'general.architecture': { type: 'string', value: 'llama' } }, []);
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('card');
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('exportRun (verl bundle: no engine needed) on broken destinations', () => {
  let store: Store;
  let runId: number;
  beforeAll(() => {
    store = Store.open(join(dir, 'clipo.db'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    // chatTemplate auto: verl renders prompts with the chat template and refuses raw-text runs (verlPlan.ts).
    const recipe = parseRecipe({ ...demo, name: 'paths', prompt: { chatTemplate: 'auto' } });
    runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
  });
  afterAll(() => store.close());

  it('a planted symlink at the old temporary names does not redirect the bundle outside the folder', async () => {
    const outside = join(dir, 'victim.sh');
    writeFileSync(outside, '#!/bin/sh\necho safe\n');
    const out = join(dir, 'verl-planted');
    mkdirSync(join(out, 'data'), { recursive: true });
    for (const f of ['run_verl.sh', 'README.md', 'recipe_mapping.json', 'data/train.parquet', 'data/test.parquet'])
      symlinkSync(outside, join(out, `${f}.tmp-${process.pid}`));
    const r = await exportRun({ store, dataDir: dir, runId, format: 'verl', outDir: out });
    expect(r.files.length).toBeGreaterThanOrEqual(4);
    expect(readFileSync(outside, 'utf8')).toBe('#!/bin/sh\necho safe\n');
    expect(readFileSync(join(out, 'run_verl.sh'), 'utf8')).toMatch(/verl/);
  });

  it('a ConSPO run exports its clipo_conspo.py and conspo_spec.json, and an existing one is a conflict up front', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, name: 'conspo', prompt: { chatTemplate: 'auto' }, algorithm: { objective: 'conspo' } });
    const id = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
    const out = join(dir, 'verl-conspo');
    const r = await exportRun({ store, dataDir: dir, runId: id, format: 'verl', outDir: out });
    expect(r.files.map((f) => f.slice(out.length + 1))).toEqual(expect.arrayContaining(['clipo_conspo.py', 'conspo_spec.json']));
    const taken = join(dir, 'verl-conspo-taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'conspo_spec.json'), '{}');
    const err = (await exportRun({ store, dataDir: dir, runId: id, format: 'verl', outDir: taken }).catch((e: unknown) => e)) as ExportPathError;
    expect(err).toBeInstanceOf(ExportPathError);
    expect(err.code).toBe('conflict');
    expect(readdirSync(taken)).toEqual(['conspo_spec.json']);
  });

  it('a full disk fails with a typed error, leaves no partial files, and the retry succeeds', async (ctx) => {
    const mnt = join(dir, 'small-disk');
    const why = mountTmpfs(mnt, '8m');
    if (why) { ctx.skip(`cannot simulate a full disk here: ${why}`); return; }
    try {
      // Leave a few KiB free: the bundle's Parquet files do not fit.
      const filler = join(mnt, 'filler');
      const free = () => Number(spawnSync('df', ['-B1', '--output=avail', mnt], { encoding: 'utf8' }).stdout.trim().split('\n')[1]);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - 8 * 1024)));
      const out = join(mnt, 'bundle');
      const err = (await exportRun({ store, dataDir: dir, runId, format: 'verl', outDir: out }).catch((e: unknown) => e)) as ExportPathError;
      expect(err).toBeInstanceOf(ExportPathError);
      expect(err.code).toBe('unavailable');
      expect(err.message).toMatch(/disk is full/);
      expect(readdirSync(mnt)).toEqual(['filler']); // the folder it created is gone too
      rmSync(filler);
      const r = await exportRun({ store, dataDir: dir, runId, format: 'verl', outDir: out });
      expect(r.files.every((f) => existsSync(f))).toBe(true);
    } finally {
      unmount(mnt);
    }
  });
});
