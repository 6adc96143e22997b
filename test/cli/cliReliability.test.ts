/**
 * The CLI under issue 16's findings: `--json` prints the failure reason as
 * JSON, a read-only data folder still lets `clipo runs` / `show` read, a
 * finished run is not resumed (the API's rule), and a misspelled recipe key
 * is refused with a suggestion.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';

const BIN = resolve('bin/clipo.js');
const root = mkdtempSync(join(tmpdir(), 'cli-rel-'));
const dataDir = join(root, 'data');
const clipo = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: dataDir }, timeout: 60_000 });
let finishedId = 0;

beforeAll(() => {
  expect(existsSync(resolve('dist/main/cli/clipo.js')), 'run `npm run build` first').toBe(true);
  mkdirSync(dataDir, { recursive: true });
  const store = Store.open(join(dataDir, 'clipo.db'));
  const recipe = parseRecipe({ ...recipePresets().find((p) => p.id === 'demo')!.recipe, name: 'done' });
  finishedId = store.runs.create({ name: 'done', recipeJson: JSON.stringify(recipe), totalSteps: 1 });
  store.runs.updateStatus(finishedId, 'finished');
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
      expect((JSON.parse(r.stdout) as { id: string }[]).map((x) => x.id)).toEqual([String(finishedId)]);
      const s = clipo('show', String(finishedId));
      expect(s.status, s.stderr).toBe(0);
      expect(s.stdout).toMatch(/status: finished/);
    } finally {
      spawnSync('umount', [dataDir]);
    }
  });
});
