/**
 * The reward function shipped in verl bundles (main/export/verl/clipo_reward.py, Python standard
 * library only) against the product's TypeScript verifiers, on shared cases both read
 * (verlRewardCases.json: mathEqual pairs and composed reward specs with hand-computed expectations),
 * and run as verl would (compute_score) on the bundle's own Parquet rows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../main/data/types.js';
import { readParquet } from '../../main/export/parquet.js';
import { CLIPO_REWARD_PY } from '../../main/export/verl/clipoRewardSource.js';
import { mathEqual } from '../../main/rl/verifiers/math/mathEqual.js';
import { scoreCompletion, type RewardSpec } from '../../main/rl/verifiers/scoreCompletion.js';
import { parseRecipe } from '../../main/recipes/index.js';
import { BUNDLES, gsmRows, hydraValue, overridesOf, runScript, writeBundle } from './verlHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const CASES = JSON.parse(readFileSync(join(here, 'verlRewardCases.json'), 'utf8')) as {
  mathEqual: { equal: [string, string][]; different: [string, string][] };
  score: { name: string; components: RewardSpec['components']; completion: string; answer: string; choices?: string[]; expect: { total: number; correct: boolean } }[];
};

/** Runs `python3 <file> <mode>` on JSON lines; one JSON result per line back. */
function py(file: string, mode: string, inputs: unknown[]): Record<string, unknown>[] {
  const r = spawnSync('python3', [file, mode], { input: inputs.map((x) => JSON.stringify(x)).join('\n') + '\n', encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function shippedFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clipo-reward-'));
  writeFileSync(join(dir, 'clipo_reward.py'), CLIPO_REWARD_PY);
  return join(dir, 'clipo_reward.py');
}

describe('shipped verl reward (Python) vs the TypeScript verifiers', () => {
  it('the embedded source is clipo_reward.py (regenerate: node main/export/verl/embedReward.mjs)', () => {
    expect(CLIPO_REWARD_PY).toBe(readFileSync(join(here, '../../main/export/verl/clipo_reward.py'), 'utf8'));
    // standard library only
    const imports = [...CLIPO_REWARD_PY.matchAll(/^(?:import|from) (\w+)/gm)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(['cmath', 'json', 'math', 'os', 're', 'sys', 'fractions']));
  });

  it('mathEqual: both sides agree with the hand labels, in both directions', () => {
    const pairs = [...CASES.mathEqual.equal.map((p) => [...p, true] as const), ...CASES.mathEqual.different.map((p) => [...p, false] as const)];
    const inputs = pairs.flatMap(([a, b]) => [[a, b], [b, a]]);
    const got = py(shippedFile(), 'mathEqual', inputs).map((x) => x.equal);
    const ts = inputs.map(([a, b]) => mathEqual(a!, b!));
    const want = pairs.flatMap(([, , e]) => [e, e]);
    const diff = inputs.map((x, i) => ({ x, py: got[i], ts: ts[i], want: want[i] })).filter((d) => d.py !== d.want || d.ts !== d.want);
    expect(diff).toEqual([]);
    expect(inputs.length).toBeGreaterThan(200);
  });

  it('mathEqual: both sides agree on 1500 seeded random pairings of the case strings (unlabelled)', () => {
    const strs = [...new Set([...CASES.mathEqual.equal.flat(), ...CASES.mathEqual.different.flat()])];
    let seed = 12345;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pairs = Array.from({ length: 1500 }, () => [strs[rand(strs.length)]!, strs[rand(strs.length)]!] as const);
    const got = py(shippedFile(), 'mathEqual', pairs).map((x) => x.equal);
    expect(pairs.filter(([a, b], i) => mathEqual(a, b) !== got[i])).toEqual([]);
    expect(got.filter(Boolean).length).toBeGreaterThan(10); // some pairs are equal, so agreement is not trivial
  });

  it('composed reward specs: same total and correctness as scoreCompletion, and the hand-computed values', () => {
    const got = py(shippedFile(), 'score', CASES.score.map(({ components, completion, answer, choices }) => ({ components, completion, answer, ...(choices ? { choices } : {}) })));
    const rows = CASES.score.map((c, i) => {
      const ts = scoreCompletion({ components: c.components }, { completion: c.completion, answer: c.answer, ...(c.choices ? { choices: c.choices } : {}) });
      return { name: c.name, py: [got[i]!.total, got[i]!.correct], ts: [ts.total, ts.correct], want: [c.expect.total, c.expect.correct] };
    });
    const close = (a: unknown[], b: unknown[]) => Math.abs((a[0] as number) - (b[0] as number)) < 1e-12 && a[1] === b[1];
    expect(rows.filter((r) => !close(r.py, r.ts) || !close(r.ts, r.want))).toEqual([]);
    expect(rows.length).toBeGreaterThan(70);
  });

  it('compute_score on the bundle\'s own Parquet rows, through the path and name run_verl.sh passes verl', () => {
    const mc: TaskRow[] = Array.from({ length: 6 }, (_, i) => ({ id: `m${i}`, question: `Capital #${i}?`, answer: 'BCADBC'[i]!, choices: ['Paris', 'London', 'Rome', 'Berlin'], split: 'train', meta: {} }));
    const recipes = {
      ...BUNDLES,
      choice: () => parseRecipe({ ...BUNDLES.grpo!(), reward: { components: [{ name: 'multipleChoice', weight: 1 }, { name: 'format', weight: 0.1, params: { boxed: 'any', boxedAtEnd: false } }] } }),
    };
    for (const [name, make] of Object.entries(recipes)) {
      const r = make();
      const rows = name === 'choice' ? mc : gsmRows(12, 'train');
      const root = writeBundle(r, rows, []);
      const run = runScript(root, { VERL_DIR: '/nonexistent' });
      const ov = run.argv ? overridesOf(run.argv) : null;
      const file = ov ? hydraValue(ov.get('custom_reward_function.path')!).text : join(root, 'clipo_reward.py'); // DAPO: refused without VERL_DIR
      expect(file).toBe(join(root, 'clipo_reward.py'));
      if (ov) expect(ov.get('custom_reward_function.name')).toBe('compute_score');
      const pq = readParquet(readFileSync(join(root, 'data/train.parquet'))).rows as Record<string, any>[];
      expect(pq.length).toBe(rows.length);
      // Each row with a right and a wrong response, scored by the shipped file (verl's call) and by the TS verifiers.
      const inputs = pq.flatMap((row, i) => {
        const truth = rows[i]!.answer;
        const right = name === 'choice' ? `The answer is \\boxed{${truth}}` : `<think>adding</think> So \\boxed{${truth.split('####').pop()!.trim()}}`;
        const wrong = name === 'choice' ? '\\boxed{E}' : 'So \\boxed{-1}';
        return [right, wrong].map((response) => ({ ...row, reward_model: row.reward_model, extra_info: { ...row.extra_info, index: Number(row.extra_info.index) }, response }));
      });
      const got = py(file, 'rows', inputs);
      inputs.forEach((inp, k) => {
        const spec = { components: r.reward.components.filter((c) => c.name !== 'overlong') } as RewardSpec;
        const choices = inp.extra_info.choices_json ? JSON.parse(inp.extra_info.choices_json) : undefined;
        const ts = scoreCompletion(spec, { completion: inp.response, answer: inp.reward_model.ground_truth, ...(choices ? { choices } : {}) });
        expect(got[k], `${name} row ${k}`).toEqual({ score: ts.total, acc: ts.correct ? 1 : 0 });
        expect(ts.correct).toBe(k % 2 === 0); // the right response is right, the wrong one wrong
      });
    }
  });

  it('refuses a data_source it does not know (verl would otherwise score it silently)', () => {
    const root = writeBundle(BUNDLES.grpo!(), gsmRows(3, 'train'), []);
    const r = spawnSync('python3', ['-c', `import importlib.util as u; s=u.spec_from_file_location('m', ${JSON.stringify(join(root, 'clipo_reward.py'))}); m=u.module_from_spec(s); s.loader.exec_module(m); m.compute_score('openai/gsm8k', 'x', '1', {})`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/NotImplementedError: clipo_reward.py scores data_source \['clipo\/gsm8k'\], not 'openai\/gsm8k'/);
  });
});
