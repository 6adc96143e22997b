/**
 * verl launch bundle: the Parquet files read back (by hyparquet) have verl's
 * schema (column names, physical/converted types, the nested prompt list of
 * {role, content} structs), the launch script carries the mapped options, and
 * every leaf field of the recipe is mapped to a verl option or listed as unsupported.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Recipe } from '../../main/api/contract/index.js';
import { getTask } from '../../main/data/tasks/tasks.js';
import { taskRows } from '../../main/data/tasks/Task.js';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { encodeParquet } from '../../main/export/parquet.js';
import { mappingFor, VERL_SCHEMA, verlLaunchScript, verlMapping, writeVerlBundle } from '../../main/export/verlBundle.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';

function leafPaths(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return [prefix];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

const demo = (): Recipe => parseRecipe(recipePresets().find((p) => p.id === 'demo')!.recipe);
const clipoFile = (): Recipe => parseRecipe({
  ...recipePresets().find((p) => p.id === 'qwen05-grpo-clipo')!.recipe,
  model: { kind: 'file', path: '/models/q.gguf' },
  data: { kind: 'jsonl', path: '/data/gsm8k.jsonl', fields: { question: 'q', answer: 'a', choices: 'c', id: 'id' } },
  prompt: { systemPrompt: 'You are careful.', chatTemplate: 'auto', suffix: 'Box it.' },
  rollout: { stop: ['</answer>'] },
});

/** The file read back by hyparquet: flattened schema, row count, leaf column paths and rows. */
async function readParquet(b: Uint8Array) {
  const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  return {
    numRows: Number(meta.num_rows),
    schema: meta.schema.map((e) => [e.name, e.type ?? null, e.repetition_type ?? null, e.converted_type ?? null, e.num_children ?? 0]),
    columns: meta.row_groups[0]!.columns.map((c) => c.meta_data!.path_in_schema),
    rows: await parquetReadObjects({ file }),
  };
}

describe('verl bundle', () => {
  it('Parquet round trip: verl data schema, nested prompt list, values intact', async () => {
    const r = clipoFile();
    const rows = [
      { id: 'a', question: 'What is 2+2?', answer: '4', split: 'train', meta: {} },
      { id: 'b', question: 'Pick one: ünïcödé ✓', answer: 'B', choices: ['x', 'y'], split: 'train', meta: {} },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'verl-'));
    const files = writeVerlBundle({ root: dir, recipe: r, runName: 'run', train: rows, test: [], baseModel: 'Qwen/Qwen2.5-0.5B-Instruct', writeFile: (p, d) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, d); } });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['data/train.parquet', 'run_verl.sh', 'recipe_mapping.json', 'README.md']);
    const pq = await readParquet(readFileSync(join(dir, 'data/train.parquet')));
    expect(pq.numRows).toBe(2);
    // schema as pyarrow/verl expect: UTF8 strings, INT64 index, prompt = LIST → repeated group list → element struct
    const str = (n: string) => [n, 'BYTE_ARRAY', 'REQUIRED', 'UTF8', 0];
    expect(pq.schema).toEqual([
      ['schema', null, null, null, 5],
      str('data_source'),
      ['prompt', null, 'REQUIRED', 'LIST', 1], ['list', null, 'REPEATED', null, 1], ['element', null, 'REQUIRED', null, 2], str('role'), str('content'),
      str('ability'),
      ['reward_model', null, 'REQUIRED', null, 2], str('ground_truth'), str('style'),
      ['extra_info', null, 'REQUIRED', null, 5], str('split'), ['index', 'INT64', 'REQUIRED', null, 0], str('id'), str('question'), str('answer'),
    ]);
    expect(pq.columns.map((c) => c.join('.'))).toEqual([
      'data_source', 'prompt.list.element.role', 'prompt.list.element.content', 'ability', 'reward_model.ground_truth', 'reward_model.style',
      'extra_info.split', 'extra_info.index', 'extra_info.id', 'extra_info.question', 'extra_info.answer',
    ]);
    const suffix = r.prompt.suffix;
    expect(pq.rows[0]).toEqual({
      data_source: 'clipo/gsm8k',
      prompt: [{ role: 'system', content: 'You are careful.' }, { role: 'user', content: `What is 2+2?\n${suffix}` }],
      ability: 'math', reward_model: { ground_truth: '4', style: 'rule' },
      extra_info: { split: 'train', index: 0n, id: 'a', question: 'What is 2+2?', answer: '4' },
    });
    expect((pq.rows[1]!.prompt as { content: string }[])[1]!.content).toBe(`Pick one: ünïcödé ✓\nOptions: A. x B. y\n${suffix}`);
  });

  it('reads lists with varying lengths (including empty) and many rows', async () => {
    const fields = [{ name: 'xs', kind: 'list' as const, element: { name: 'element', kind: 'string' as const } }, { name: 'v', kind: 'double' as const }, { name: 'b', kind: 'bool' as const }];
    const rows = Array.from({ length: 300 }, (_, i) => ({ xs: Array.from({ length: i % 4 }, (_, j) => `s${i}.${j}`), v: i / 3, b: i % 3 === 0 }));
    const back = (await readParquet(encodeParquet(fields, rows))).rows;
    expect(back).toEqual(rows);
  });

  it('built-in task rows: train and held-out split files', async () => {
    const r = demo();
    const rows = taskRows(getTask('tiny-demo'), 0, 'train', 50);
    const dir = mkdtempSync(join(tmpdir(), 'verl-'));
    writeVerlBundle({ root: dir, recipe: r, runName: 'demo', train: rows, test: taskRows(getTask('tiny-demo'), 0, 'test', 10), writeFile: (p, d) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, d); } });
    const train = await readParquet(readFileSync(join(dir, 'data/train.parquet')));
    const test = await readParquet(readFileSync(join(dir, 'data/test.parquet')));
    expect(train.numRows).toBe(50);
    expect(test.numRows).toBe(10);
    expect(train.rows[3]!.reward_model).toEqual({ ground_truth: rows[3]!.answer, style: 'rule' });
    expect(VERL_SCHEMA.map((f) => f.name)).toEqual(['data_source', 'prompt', 'ability', 'reward_model', 'extra_info']);
  });

  it('every recipe leaf field maps to a verl option or is listed unsupported', () => {
    for (const r of [demo(), clipoFile(), parseRecipe({ ...demo(), algorithm: { objective: 'conspo', advantage: 'rloo', klCoef: 0.001, klEstimator: 'k3+', dynamicSampling: true } })]) {
      const m = verlMapping(r, 'Qwen/Qwen2.5-0.5B-Instruct');
      const paths = leafPaths(r);
      expect(paths.length).toBeGreaterThan(40);
      for (const p of paths) {
        const f = mappingFor(m, p);
        expect(f, `recipe field ${p} has no verl mapping entry`).toBeDefined();
        if (f!.options === null) expect(f!.note.length, `${p}: unsupported needs a reason`).toBeGreaterThan(10);
        else expect(f!.options.length).toBeGreaterThan(0);
      }
      // and no stale keys: every exact mapping key is a real leaf (or a subtree) of some recipe
      for (const k of Object.keys(m)) if (!k.endsWith('.*') && !k.startsWith('model.') && !k.startsWith('algorithm.clipo')) expect(paths, k).toContain(k);
    }
  });

  it('launch script carries the mapped options (GRPO+CLIPO recipe)', () => {
    const r = clipoFile();
    const s = verlLaunchScript(r, 'Qwen/Qwen2.5-0.5B-Instruct', true);
    for (const o of [
      'python3 -m verl.trainer.main_ppo', 'algorithm.adv_estimator=grpo', 'actor_rollout_ref.actor.policy_loss.loss_mode=vanilla',
      `actor_rollout_ref.actor.clip_ratio_low=${r.algorithm.clipLow}`, `actor_rollout_ref.actor.clip_ratio_high=${r.algorithm.clipHigh}`, `actor_rollout_ref.actor.clip_ratio_c=${r.algorithm.dualClip}`,
      `actor_rollout_ref.rollout.n=${r.rollout.groupSize}`, `data.train_batch_size=${r.rollout.promptsPerStep}`, `data.max_response_length=${r.rollout.maxTokens}`,
      `actor_rollout_ref.actor.optim.lr=${r.optim.lr}`, `actor_rollout_ref.model.lora_rank=${r.lora.rank}`, `actor_rollout_ref.model.lora_alpha=${r.lora.alpha}`,
      'actor_rollout_ref.model.enable_con_lm_head=True', 'actor_rollout_ref.model.con_lm_head_output_size=512', 'actor_rollout_ref.model.con_lm_head_loss_type=infonce_loss',
      'actor_rollout_ref.model.con_lm_head_temperature=0.05', 'actor_rollout_ref.model.con_lm_head_lambda=0.2', 'trainer.critic_warmup=50',
      'actor_rollout_ref.rollout.enable_return_hidden_states=True', 'data.train_files=data/train.parquet', 'data.val_files=data/test.parquet',
      `trainer.total_training_steps=${r.training.steps}`, "actor_rollout_ref.model.target_modules='[q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj]'",
    ]) expect(s, o).toContain(o);
    expect(s).not.toMatch(/=null|undefined/);
  });
});
