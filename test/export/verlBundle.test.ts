/**
 * verl launch bundle: the Parquet files read back (by hyparquet) have verl's
 * schema (column names, physical/converted types, the nested prompt list of
 * {role, content} structs), the launch script carries the mapped options, and
 * every leaf field of the recipe is mapped to a verl option or listed as unsupported.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Recipe } from '../../main/api/contract/index.js';
import { getTask } from '../../main/data/tasks/tasks.js';
import { taskRows } from '../../main/data/tasks/Task.js';
import { encodeParquet } from '../../main/export/parquet.js';
import { readParquet, type PqSchemaNode } from './readParquetFile.js';
import { hydraQuote } from '../../main/export/verl/hydraQuote.js';
import { mappingFor, planVerlBundle, VERL_SCHEMA, VerlExportError, verlBundleFiles, writeVerlBundle } from '../../main/export/verlBundle.js';
import { BUNDLES, gsmRows, hydraValue, overridesOf, runScript, writeBundle } from './verlHarness.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';

function leafPaths(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return [prefix];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

const clipoFile = (): Recipe => parseRecipe({
  ...recipePresets().find((p) => p.id === 'qwen05-grpo-clipo')!.recipe,
  model: { kind: 'file', path: '/models/q.gguf' },
  data: { kind: 'jsonl', path: '/data/gsm8k.jsonl', fields: { question: 'q', answer: 'a', choices: 'c', id: 'id' } },
  prompt: { systemPrompt: 'You are careful.', chatTemplate: 'auto', suffix: 'Box it.' },
  rollout: { stop: ['</answer>'] },
});

const describeNode = (n: PqSchemaNode): unknown => ({ name: n.name, type: n.type, rep: n.repetition, conv: n.convertedType, ...(n.children.length ? { children: n.children.map(describeNode) } : {}) });

describe('verl bundle', () => {
  it('Parquet round trip: verl data schema, nested prompt list, values intact', async () => {
    const r = clipoFile();
    const rows = [
      { id: 'a', question: 'What is 2+2?', answer: '4', split: 'train', meta: {} },
      { id: 'b', question: 'Pick one: ünïcödé ✓', answer: 'B', choices: ['x', 'y'], split: 'train', meta: {} },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'verl-'));
    const files = writeVerlBundle({ root: dir, recipe: r, runName: 'run', train: rows, test: [], baseModel: 'Qwen/Qwen2.5-0.5B-Instruct', writeFile: (p, d) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, d); } });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(verlBundleFiles(false));
    const pq = await readParquet(readFileSync(join(dir, 'data/train.parquet')));
    expect(pq.numRows).toBe(2);
    // schema as pyarrow/verl expect: BYTE_ARRAY(6) UTF8(0) strings, INT64(2) index, prompt = LIST(3) → repeated list → element struct
    expect(describeNode(pq.schema)).toEqual({ name: 'schema', type: null, rep: 0, conv: null, children: [
      { name: 'data_source', type: 6, rep: 0, conv: 0 },
      { name: 'prompt', type: null, rep: 0, conv: 3, children: [{ name: 'list', type: null, rep: 2, conv: null, children: [{ name: 'element', type: null, rep: 0, conv: null, children: [
        { name: 'role', type: 6, rep: 0, conv: 0 }, { name: 'content', type: 6, rep: 0, conv: 0 }] }] }] },
      { name: 'ability', type: 6, rep: 0, conv: 0 },
      { name: 'reward_model', type: null, rep: 0, conv: null, children: [{ name: 'ground_truth', type: 6, rep: 0, conv: 0 }, { name: 'style', type: 6, rep: 0, conv: 0 }] },
      { name: 'extra_info', type: null, rep: 0, conv: null, children: [
        { name: 'split', type: 6, rep: 0, conv: 0 }, { name: 'index', type: 2, rep: 0, conv: null }, { name: 'id', type: 6, rep: 0, conv: 0 },
        { name: 'question', type: 6, rep: 0, conv: 0 }, { name: 'answer', type: 6, rep: 0, conv: 0 }, { name: 'choices_json', type: 6, rep: 0, conv: 0 }] },
    ] });
    expect(pq.columns.map((c) => c.path.join('.'))).toEqual([
      'data_source', 'prompt.list.element.role', 'prompt.list.element.content', 'ability', 'reward_model.ground_truth', 'reward_model.style',
      'extra_info.split', 'extra_info.index', 'extra_info.id', 'extra_info.question', 'extra_info.answer', 'extra_info.choices_json',
    ]);
    const suffix = r.prompt.suffix;
    expect(pq.rows[0]).toEqual({
      data_source: 'clipo/gsm8k',
      prompt: [{ role: 'system', content: 'You are careful.' }, { role: 'user', content: `What is 2+2?\n${suffix}` }],
      ability: 'math', reward_model: { ground_truth: '4', style: 'rule' },
      extra_info: { split: 'train', index: 0n, id: 'a', question: 'What is 2+2?', answer: '4', choices_json: '' },
    });
    expect(JSON.parse((pq.rows[1]!.extra_info as { choices_json: string }).choices_json)).toEqual(['x', 'y']);
    expect((pq.rows[1]!.prompt as { content: string }[])[1]!.content).toBe(`Pick one: ünïcödé ✓\nOptions: A. x B. y\n${suffix}`);
  });

  it('reads lists with varying lengths (including empty) and many rows', async () => {
    const fields = [{ name: 'xs', kind: 'list' as const, element: { name: 'element', kind: 'string' as const } }, { name: 'v', kind: 'double' as const }, { name: 'b', kind: 'bool' as const }];
    const rows = Array.from({ length: 300 }, (_, i) => ({ xs: Array.from({ length: i % 4 }, (_, j) => `s${i}.${j}`), v: i / 3, b: i % 3 === 0 }));
    const back = (await readParquet(encodeParquet(fields, rows))).rows;
    expect(back).toEqual(rows);
  });

  it('built-in task rows: train and held-out split files', async () => {
    const r = parseRecipe({ ...BUNDLES.grpo!(), data: { kind: 'builtin', task: 'arith-word' } });
    const rows = taskRows(getTask('arith-word'), 0, 'train', 50);
    const dir = mkdtempSync(join(tmpdir(), 'verl-'));
    writeVerlBundle({ root: dir, recipe: r, runName: 'arith', train: rows, test: taskRows(getTask('arith-word'), 0, 'test', 10), writeFile: (p, d) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, d); } });
    const train = await readParquet(readFileSync(join(dir, 'data/train.parquet')));
    const test = await readParquet(readFileSync(join(dir, 'data/test.parquet')));
    expect(train.numRows).toBe(50);
    expect(test.numRows).toBe(10);
    expect(train.rows[3]!.reward_model).toEqual({ ground_truth: rows[3]!.answer, style: 'rule' });
    expect(train.rows[3]!.data_source).toBe('clipo/arith-word');
    expect(JSON.parse(readFileSync(join(dir, 'reward_spec.json'), 'utf8'))).toEqual({ dataSources: ['clipo/arith-word'], components: r.reward.components });
  });

  it('every recipe leaf field maps to verl options or is listed unsupported with a reason', () => {
    const rows = gsmRows(20, 'train');
    for (const [name, make] of Object.entries(BUNDLES)) {
      const r = make();
      const m = planVerlBundle(r, rows, gsmRows(4, 'test')).mapping;
      const paths = leafPaths(r);
      expect(paths.length).toBeGreaterThan(40);
      for (const p of paths) {
        const f = mappingFor(m, p);
        expect(f, `${name}: recipe field ${p} has no verl mapping entry`).toBeDefined();
        if (f!.options === null) expect(f!.note.length, `${p}: unsupported needs a reason`).toBeGreaterThan(10);
        else expect(f!.options.length).toBeGreaterThan(0);
      }
      // no stale keys: every exact mapping key is a leaf (or subtree) of the recipe
      for (const k of Object.keys(m)) if (!k.endsWith('.*') && !k.startsWith('(')) expect(paths, `${name}: ${k}`).toContain(k);
    }
  });

  it('refuses what verl cannot run, with a typed error naming the field and the reason, before writing anything', () => {
    const base = BUNDLES.grpo!();
    const conspo = parseRecipe({ ...recipePresets().find((p) => p.id === 'qwen05-conspo')!.recipe, model: { kind: 'file', path: '/m.gguf' }, data: { kind: 'jsonl', path: '/d.jsonl', fields: { question: 'q', answer: 'a' } } });
    const cases: [string, Recipe, string, RegExp][] = [
      ['ConSPO with several updates per batch', parseRecipe({ ...conspo, training: { ...conspo.training, updatesPerBatch: 2 } }), 'training.updatesPerBatch', /one optimiser step per rollout batch/],
      ['ConSPO with dynamic sampling', parseRecipe({ ...conspo, algorithm: { ...conspo.algorithm, dynamicSampling: true } }), 'algorithm.dynamicSampling', /DAPO recipe's own trainer/],
      ['ConSPO with CLIPO', parseRecipe({ ...conspo, algorithm: { ...conspo.algorithm, clipo: { ...conspo.algorithm.clipo, enabled: true } } }), 'algorithm.clipo.enabled', /ConSPO with CLIPO/],
      ['DisCO', parseRecipe({ ...base, algorithm: { objective: 'disco' } }), 'algorithm.objective', /DisCO/],
      ['batch advantage', parseRecipe({ ...base, algorithm: { advantage: 'batch' } }), 'algorithm.advantage', /no verl estimator/],
      ['k3+ KL', parseRecipe({ ...base, algorithm: { klCoef: 0.01, klEstimator: 'k3+' } }), 'algorithm.klEstimator', /NotImplementedError/],
      ['linear schedule', parseRecipe({ ...base, optim: { schedule: 'linear' } }), 'optim.schedule', /constant and cosine/],
      ['length penalty', parseRecipe({ ...base, reward: { components: [{ name: 'gsm8k', weight: 1 }, { name: 'lengthPenalty', weight: 1 }] } }), 'reward.components', /token count/],
      ['raw prompts', parseRecipe({ ...base, prompt: { chatTemplate: 'none' } }), 'prompt.chatTemplate', /chat template/],
      ['fractional alpha', parseRecipe({ ...base, lora: { alpha: 12.5 } }), 'lora.alpha', /int/],
      ['CLIPO with a shaping term', parseRecipe({ ...BUNDLES['grpo+clipo']!(), reward: { components: [{ name: 'gsm8k', weight: 1 }, { name: 'format', weight: 0.2 }] } }), 'reward.components', /reward > 0/],
      ['DAPO + CLIPO', parseRecipe({ ...BUNDLES['grpo+clipo']!(), algorithm: { objective: 'dapo', dynamicSampling: true, clipo: { enabled: true } } }), 'algorithm.dynamicSampling', /CLIPO fork .* has no DAPO entry point/],
    ];
    for (const [name, r, field, why] of cases) {
      const dir = join(mkdtempSync(join(tmpdir(), 'verl-')), 'out');
      let err: unknown;
      try { writeVerlBundle({ root: dir, recipe: r, runName: name, train: gsmRows(8, 'train'), test: [], writeFile: (p, d) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, d); } }); } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(VerlExportError);
      expect((err as VerlExportError).field, name).toBe(field);
      expect((err as VerlExportError).code).toBe('invalid_argument');
      expect((err as Error).message, name).toMatch(why);
      expect(existsSync(dir), `${name}: nothing written`).toBe(false);
    }
  });

  it('Hydra quoting reads back verbatim: quotes, backslashes, ${...}, grammar characters, non-ASCII', () => {
    const hostile = ['Demo (tiny model, GRPO)', "it's", "a\\'b", 'ends with \\', '\\\\', "'", "\\'", '${oc.env:HOME}', '\\${x}', '\\\\${x}', 'a=b,c[d]{e}:f', 'ünïcödé ✓ 数学', 'tab\there', 'x\ny', '$(touch pwned)', '`id`', ''];
    for (const s of hostile) expect(hydraValue(hydraQuote(s)), JSON.stringify(s)).toEqual({ text: s, quoted: true });
  });

  it('hostile run names, model names and folder names never execute and reach verl verbatim', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'pwn-')), 'pwned');
    const evil = `Demo (tiny, GRPO)\n$(touch ${marker})\`touch ${marker}\`'; touch ${marker}; '"\${oc.env:HOME}`;
    const r = parseRecipe({ ...BUNDLES.grpo!(), name: evil.slice(0, 120) });
    const root = writeBundle(r, gsmRows(8, 'train'), [], { runName: evil });
    const run = runScript(root);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const ov = overridesOf(run.argv!);
    expect(hydraValue(ov.get('trainer.experiment_name')!).text).toMatch(/^[A-Za-z0-9._-]+$/); // slugged: verl builds paths from it
    // the GGUF's base-model name is untrusted text: it is refused at run time (needs Hydra escaping as a path), not executed
    const badModel = writeBundle(r, gsmRows(8, 'train'), [], { baseModel: `org/model'$(touch ${marker})\${oc.env:HOME}\\` });
    const refused = runScript(badModel);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/a path contains a quote/);
    expect(existsSync(marker)).toBe(false);
    // a folder whose name has spaces, parentheses, commas and Unicode works (quoted for Hydra)
    const odd = writeBundle(r, gsmRows(8, 'train'), [], { dirName: 'my run (v2), ünï [x]=1' });
    const ok = runScript(odd, { MODEL_PATH: '/models/Qwen 2.5 (0.5B)' });
    expect(ok.status, ok.stderr).toBe(0);
    const o2 = overridesOf(ok.argv!);
    expect(hydraValue(o2.get('data.train_files')!).text).toBe(join(odd, 'data/train.parquet'));
    expect(hydraValue(o2.get('actor_rollout_ref.model.path')!).text).toBe('/models/Qwen 2.5 (0.5B)');
    // README and script comments show the name with control characters escaped
    const script = readFileSync(join(root, 'run_verl.sh'), 'utf8');
    expect(script.split('\n').filter((l) => /\$\(touch|`touch/.test(l)).every((l) => l.startsWith('#'))).toBe(true);
    expect(script.split('\n').filter((l) => /\$\(touch/.test(l))).toHaveLength(1); // the header comment, newline escaped
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n')[0]).toContain('\\u000a');
  });
});
