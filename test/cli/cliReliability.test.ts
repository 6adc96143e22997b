/**
 * The CLI under issue 16's findings: `--json` prints the failure reason as
 * JSON, a read-only data folder still lets `clipo runs` / `show` read, a
 * finished run is not resumed (the API's rule), a draft is listed as one and
 * `clipo start` trains it (and only it), and a misspelled recipe key is
 * refused with a suggestion.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { readGguf, writeTinyModel, type GgufValue } from '../../main/models/gguf/index.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';
import { ggufVariant } from '../engine/engineFixtures.js';

const BIN = resolve('bin/clipo.js');
const root = mkdtempSync(join(tmpdir(), 'cli-rel-'));
const dataDir = join(root, 'data');
const clipo = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: dataDir }, timeout: 60_000 });
let finishedId = 0;
let draftId = 0;

beforeAll(() => {
  expect(existsSync(resolve('dist/main/cli/clipo.js')), 'run `npm run build` first').toBe(true);
  mkdirSync(dataDir, { recursive: true });
  const store = Store.open(join(dataDir, 'clipo.db'));
  const recipe = parseRecipe({ ...recipePresets().find((p) => p.id === 'demo')!.recipe, name: 'done' });
  finishedId = store.runs.create({ name: 'done', recipeJson: JSON.stringify(recipe), totalSteps: 1 });
  store.runs.updateStatus(finishedId, 'finished');
  const small = parseRecipe({ ...recipe, name: 'draft', rollout: { ...recipe.rollout, groupSize: 4, promptsPerStep: 4 }, training: { ...recipe.training, steps: 1 } });
  draftId = store.runs.create({ name: 'draft', recipeJson: JSON.stringify(small), totalSteps: 1, status: 'draft' });
  store.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('clipo CLI failures', () => {
  it('--json prints the failure reason as one JSON object on stdout', () => {
    const r = clipo('export', '999', '--format', 'gguf', '--out', join(root, 'out'), '--json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/999/) } });
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ optim: { lr: 5 } }));
    const t = clipo('train', bad, '--json');
    expect(t.status).toBe(2);
    const out = JSON.parse(t.stdout) as { ok: boolean; error: { code: string; message: string; errors?: { field: string }[] } };
    expect(out.error.code).toBe('invalid_argument');
    expect(out.error.errors?.map((e) => e.field)).toEqual(['optim.lr']);
  });

  it('a finished run is not resumed, with the API\'s message', () => {
    const r = clipo('resume', String(finishedId));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`run ${finishedId} is finished; duplicate it to train again`));
  });

  it('lists a draft as one, refuses to resume it or to start a non-draft, and `clipo start` trains it', () => {
    const list = clipo('runs', '--json');
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string; status: string }[]).find((x) => x.id === String(draftId))?.status).toBe('draft');
    const resume = clipo('resume', String(draftId));
    expect(resume.status).toBe(2);
    expect(resume.stderr).toMatch(new RegExp(`run ${draftId} is a draft that never started; start it .*clipo start ${draftId}`));
    const notDraft = clipo('start', String(finishedId));
    expect(notDraft.status).toBe(2);
    expect(notDraft.stderr).toMatch(new RegExp(`run ${finishedId} is finished, not a draft`));
    const start = clipo('start', String(draftId), '--json');
    expect(start.status, start.stderr).toBe(0);
    const store = Store.open(join(dataDir, 'clipo.db'));
    try {
      expect(store.runs.get(draftId)).toMatchObject({ status: 'finished', currentStep: 0 });
      expect(store.runs.get(finishedId).status).toBe('finished');
    } finally { store.close(); }
  });

  it('a misspelled recipe key is refused with a suggestion', () => {
    const typo = join(root, 'typo.json');
    writeFileSync(typo, JSON.stringify({ training: { step: 3 } }));
    const r = clipo('train', typo);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/training\.step: unknown field "step"; did you mean "steps"\?/);
  });

  it('a read-only data folder still lists and shows runs', (ctx) => {
    if (process.getuid?.() !== 0) { ctx.skip('making a folder read-only for root needs a read-only bind mount (root only)'); return; }
    const ro = spawnSync('sh', ['-c', `mount --bind "${dataDir}" "${dataDir}" && mount -o remount,ro,bind "${dataDir}"`], { encoding: 'utf8' });
    if (ro.status !== 0) { ctx.skip(`cannot mount read-only here: ${ro.stderr.trim()}`); return; }
    try {
      const r = clipo('runs', '--json');
      expect(r.status, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id).sort()).toEqual([String(finishedId), String(draftId)].sort());
      const s = clipo('show', String(finishedId));
      expect(s.status, s.stderr).toBe(0);
      expect(s.stdout).toMatch(/status: finished/);
    } finally {
      spawnSync('umount', [dataDir]);
    }
  });

  // `clipo eval model.gguf` used to load the model into the CLI process itself: llama.cpp's GGML_ASSERT
  // (SIGABRT) on a crafted file ended the CLI. Now the evaluation runs in a tool process.
  describe('clipo eval <model.gguf> evaluates in a child process', () => {
    const childrenOf = (pid: number): number[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
      try { return /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] === String(pid) ? [Number(d)] : []; } catch { return []; }
    });

    it('an abort in the evaluator (SIGABRT mid-evaluation) ends the command with a typed error; the CLI itself survives', async () => {
      const model = join(root, 'demo.gguf');
      writeTinyModel(model, { ...TINY_DEMO_MODEL });
      const cli = spawn(process.execPath, [BIN, 'eval', model, '--dataset', 'tiny-demo', '--limit', '100000', '--json'], { env: { ...process.env, CLIPO_DATA_DIR: dataDir } });
      let stdout = '', stderr = '';
      cli.stdout.on('data', (d: Buffer) => { stdout += String(d); });
      cli.stderr.on('data', (d: Buffer) => { stderr += String(d); });
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => cli.on('exit', (code, signal) => r({ code, signal })));
      const watchdog = setTimeout(() => cli.kill('SIGKILL'), 90_000);
      try {
        // The evaluator is the CLI's child that loads the model; wait until it has evaluated something.
        let evaluator = 0;
        await expect.poll(() => { evaluator = childrenOf(cli.pid!).find((c) => /toolMain/.test(readFileSync(`/proc/${c}/cmdline`, 'utf8'))) ?? 0; return evaluator; },
          { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
        await expect.poll(() => { try { return readdirSync(join(dataDir, 'eval')).length; } catch { return 0; } }, { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
        process.kill(evaluator, 'SIGABRT');
        const { code, signal } = await exited;
        expect(signal, stderr.slice(-500)).toBeNull();
        expect(code).toBe(2);
        expect(JSON.parse(stdout)).toEqual({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/the evaluation process ended unexpectedly \(SIGABRT\)/) } });
      } finally {
        clearTimeout(watchdog);
      }
    }, 150_000);

    it.each([
      ['a token listed twice (llama.cpp asserts)', 'duplicate', /appears twice in the vocabulary/],
      ['an empty token string (llama.cpp aborts)', 'empty', /empty string/],
    ])('%s: a typed error naming the problem', (_name, kind, msg) => {
      const good = join(root, `base-${kind}.gguf`);
      writeTinyModel(good, { ...TINY_DEMO_MODEL });
      const f = readGguf(good);
      const tokens = (f.metadata['tokenizer.ggml.tokens'] as { value: string[] }).value;
      const crafted = ggufVariant(good, join(root, `${kind}.gguf`), { metadata: {
        'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: tokens.map((t, i) => (i === 40 ? (kind === 'empty' ? '' : tokens[41]!) : t)) } as GgufValue,
      } });
      const r = clipo('eval', crafted, '--dataset', 'tiny-demo', '--limit', '2');
      expect(r.signal, r.stderr.slice(-300)).toBeNull();
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
    });
  });
});
