/**
 * Test helpers for the verl bundle: write a bundle to a temp folder, run its run_verl.sh with a stand-in
 * `python3` on PATH that records its argv (so the real bash quoting is exercised), and read override
 * values back the way Hydra (quoted values) and OmegaConf (`\${` escapes) do.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Recipe } from '../../main/api/contract/index.js';
import type { TaskRow } from '../../main/data/types.js';
import { writeVerlBundle } from '../../main/export/verlBundle.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';

export function writeBundle(recipe: Recipe, train: TaskRow[], test: TaskRow[], opts: { baseModel?: string; dirName?: string; runName?: string } = {}): string {
  const parent = mkdtempSync(join(tmpdir(), 'verl-'));
  const root = join(parent, opts.dirName ?? 'bundle');
  writeVerlBundle({ root, recipe, runName: opts.runName ?? recipe.name, train, test, ...(opts.baseModel ? { baseModel: opts.baseModel } : {}),
    writeFile: (p, d) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, d); } });
  return root;
}

export interface ScriptRun { status: number | null; stderr: string; argv: string[] | null; cwd: string | null; env: Record<string, string> | null }

/** Runs `bash run_verl.sh` with a fake python3 that dumps argv, cwd and env as JSON. */
export function runScript(root: string, env: Record<string, string> = {}, extra: string[] = []): ScriptRun {
  const fake = mkdtempSync(join(tmpdir(), 'fakepy-'));
  const out = join(fake, 'argv.json');
  writeFileSync(join(fake, 'python3'), `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env: { VERL_FILE_LOGGER_PATH: process.env.VERL_FILE_LOGGER_PATH, PYTHONPATH: process.env.PYTHONPATH, CLIPO_CONSPO_METRICS: process.env.CLIPO_CONSPO_METRICS } }));\n`);
  chmodSync(join(fake, 'python3'), 0o755);
  const r = spawnSync('bash', [join(root, 'run_verl.sh'), ...extra], { env: { PATH: `${fake}:${process.env.PATH}`, HOME: fake, ...env }, encoding: 'utf8', timeout: 20_000 });
  let got: { argv: string[]; cwd: string; env: Record<string, string> } | null = null;
  try { got = JSON.parse(readFileSync(out, 'utf8')); } catch { got = null; }
  return { status: r.status, stderr: r.stderr, argv: got?.argv ?? null, cwd: got?.cwd ?? null, env: got?.env ?? null };
}

/** A Hydra override value as the application sees it: quoted strings unescaped (Hydra, then OmegaConf `\${`); others raw. */
export function hydraValue(v: string): { text: string; quoted: boolean } {
  if (!(v.length >= 2 && v.startsWith("'") && v.endsWith("'"))) return { text: v, quoted: false };
  const inner = v.slice(1, -1);
  let s = '';
  for (let i = 0; i < inner.length;) {
    if (inner[i] !== '\\') {
      if (inner[i] === "'") throw new Error(`unescaped quote inside ${v}`);
      s += inner[i++];
      continue;
    }
    let n = 0;
    while (inner[i + n] === '\\') n++;
    const next = inner[i + n];
    if (next === "'") { // an escaped quote: 2k+1 backslashes → k backslashes and a quote
      if (n % 2 === 0) throw new Error(`quote ends the string early in ${v}`);
      s += '\\'.repeat((n - 1) / 2) + "'";
      i += n + 1;
    } else if (i + n === inner.length) { // before the closing quote: 2k → k
      if (n % 2 === 1) throw new Error(`closing quote escaped in ${v}`);
      s += '\\'.repeat(n / 2);
      i += n;
    } else {
      s += '\\'.repeat(n);
      i += n;
    }
  }
  // OmegaConf: n backslashes before `${`: odd → (n−1)/2 backslashes + literal `${`; even → an interpolation.
  let out = '';
  for (let i = 0; i < s.length;) {
    if (s[i] === '\\' || s.startsWith('${', i)) {
      let n = 0;
      while (s[i + n] === '\\') n++;
      if (s.startsWith('${', i + n)) {
        if (n % 2 === 0) throw new Error(`OmegaConf would interpolate in ${v}`);
        out += '\\'.repeat((n - 1) / 2) + '${';
        i += n + 2;
        continue;
      }
      out += '\\'.repeat(n);
      i += n;
      if (n === 0) out += s[i++];
      continue;
    }
    out += s[i++];
  }
  return { text: out, quoted: true };
}

/** argv → [key, raw value] pairs (after `-m entry`). */
export function overridesOf(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of argv.slice(2)) {
    const at = a.indexOf('=');
    if (at < 0) throw new Error(`not an override: ${a}`);
    m.set(a.slice(0, at), a.slice(at + 1));
  }
  return m;
}

export function gsmRows(n: number, split: string): TaskRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${split}-${i}`, question: `Tom has ${i + 3} apples and buys ${2 * i + 1} more. How many apples does he have?`,
    answer: `He has ${i + 3} + ${2 * i + 1} = ${3 * i + 4} apples.\n#### ${3 * i + 4}`, split, meta: {},
  }));
}

/** The bundles the issue asks for (GRPO, DAPO, GRPO+CLIPO; ConSPO is refused, see verlBundle.test.ts) plus the other loss modes. */
const preset = (id: string) => recipePresets().find((p) => p.id === id)!.recipe;
const real = (id: string, patch: object = {}): Recipe => parseRecipe({
  ...preset(id), model: { kind: 'file', path: '/models/q.gguf' },
  data: { kind: 'jsonl', path: '/data/gsm8k.jsonl', fields: { question: 'question', answer: 'answer' } }, ...patch,
});

export const BUNDLES: Record<string, () => Recipe> = {
  grpo: () => real('qwen05-grpo'),
  dapo: () => real('qwen05-grpo', { name: 'DAPO run', algorithm: { objective: 'dapo', clipLow: 0.2, clipHigh: 0.28, dynamicSampling: true },
    reward: { components: [{ name: 'gsm8k', weight: 1 }, { name: 'format', weight: 0.2, params: { think: 'optional' } }, { name: 'overlong', weight: 1 }] } }),
  'grpo+clipo': () => real('qwen05-grpo-clipo'),
  conspo: () => real('qwen05-conspo'),
  'conspo+kl': () => real('qwen05-conspo', { algorithm: { objective: 'conspo', conspo: { tau: 2, margin: 0.5, alpha: 0.5 }, klCoef: 0.01, klEstimator: 'k3', aggregation: 'seq-mean-token-mean' } }),
  gspo: () => real('qwen05-grpo', { algorithm: { objective: 'gspo' }, lora: { targets: ['q', 'v'], rank: 8, alpha: 16 } }),
  cispo: () => real('qwen05-grpo', { algorithm: { objective: 'cispo', advantage: 'drgrpo', klCoef: 0.001 } }),
  sapo: () => real('qwen05-grpo', { algorithm: { objective: 'sapo', advantage: 'rloo' }, optim: { schedule: 'cosine', warmupSteps: 5 } }),
};

