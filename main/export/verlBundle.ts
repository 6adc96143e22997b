/**
 * `clipo export <run> --format verl`: a bundle that re-runs the recipe at scale with verl
 * (docs/EXPORT.md): the dataset as Parquet in verl's data schema (docs/ALGORITHMS.md §5:
 * data_source, prompt[{role,content}], ability, reward_model{ground_truth, style:'rule'}, extra_info),
 * clipo_reward.py + reward_spec.json (the run's verifiers for verl's custom_reward_function),
 * run_verl.sh (main/export/verl/verlScript.ts) with the overrides of verl/verlPlan.ts, a README and
 * recipe_mapping.json saying, for every recipe field, which verl option it became or why it has none;
 * ConSPO bundles add clipo_conspo.py (their entry point, loss and coefficients) and conspo_spec.json.
 * A recipe verl cannot run as the same algorithm throws VerlExportError before anything is written.
 * Pure (no native code).
 */
import { join } from 'node:path';
import type { Recipe } from '../api/contract/index.js';
import type { TaskRow } from '../data/types.js';
import { encodeParquet, type PqField } from './parquet.js';
import { CLIPO_CONSPO_PY } from './verl/clipoConspoSource.js';
import { CLIPO_REWARD_PY } from './verl/clipoRewardSource.js';
import { commentSafe } from './verl/hydraQuote.js';
import { dataSourceOf, promptTokenBound, verlPlan, type VerlPlan } from './verl/verlPlan.js';
import { verlLaunchScript } from './verl/verlScript.js';
import { describeTargets } from './verl/verlTargets.js';

export { dataSourceOf, mappingFor, VerlExportError, verlPlan, type FieldMapping } from './verl/verlPlan.js';
export { verlLaunchScript } from './verl/verlScript.js';

export const VERL_SCHEMA: PqField[] = [
  { name: 'data_source', kind: 'string' },
  { name: 'prompt', kind: 'list', element: { name: 'element', kind: 'struct', fields: [{ name: 'role', kind: 'string' }, { name: 'content', kind: 'string' }] } },
  { name: 'ability', kind: 'string' },
  { name: 'reward_model', kind: 'struct', fields: [{ name: 'ground_truth', kind: 'string' }, { name: 'style', kind: 'string' }] },
  { name: 'extra_info', kind: 'struct', fields: [
    { name: 'split', kind: 'string' }, { name: 'index', kind: 'int64' }, { name: 'id', kind: 'string' }, { name: 'question', kind: 'string' }, { name: 'answer', kind: 'string' },
    // Option texts for multiple-choice rows as a JSON array ('' otherwise): verl hands extra_info to
    // compute_score, and the multipleChoice verifier matches option texts.
    { name: 'choices_json', kind: 'string' },
  ] },
];

export interface VerlRow {
  data_source: string;
  prompt: { role: string; content: string }[];
  ability: string;
  reward_model: { ground_truth: string; style: 'rule' };
  extra_info: { split: string; index: number; id: string; question: string; answer: string; choices_json: string };
}

/** The files a bundle consists of (planned before writing, so an existing one is a conflict up front). */
export function verlBundleFiles(hasTest: boolean, conspo = false): string[] {
  return ['data/train.parquet', ...(hasTest ? ['data/test.parquet'] : []), 'clipo_reward.py', 'reward_spec.json',
    ...(conspo ? ['clipo_conspo.py', 'conspo_spec.json'] : []), 'run_verl.sh', 'recipe_mapping.json', 'README.md'];
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** One row in verl's schema; the prompt carries the recipe's system prompt and suffix, as training rendered it. */
export function toVerlRow(r: Recipe, row: TaskRow, index: number): VerlRow {
  const q = row.choices?.length ? `${row.question}\nOptions: ${row.choices.map((c, i) => `${LETTERS[i]}. ${c}`).join(' ')}` : row.question;
  const content = r.prompt.suffix ? `${q}\n${r.prompt.suffix}` : q;
  return {
    data_source: dataSourceOf(r),
    prompt: [...(r.prompt.systemPrompt ? [{ role: 'system', content: r.prompt.systemPrompt }] : []), { role: 'user', content }],
    ability: r.reward.components.some((c) => c.name === 'multipleChoice') ? 'choice' : 'math',
    reward_model: { ground_truth: row.answer, style: 'rule' },
    extra_info: { split: row.split, index, id: row.id, question: row.question, answer: row.answer, choices_json: row.choices?.length ? JSON.stringify(row.choices) : '' },
  };
}

export function verlParquet(r: Recipe, rows: TaskRow[]): Uint8Array {
  return encodeParquet(VERL_SCHEMA, rows.map((row, i) => toVerlRow(r, row, i) as unknown as Record<string, unknown>));
}

export interface VerlBundleInput {
  root: string;
  recipe: Recipe;
  runName: string;
  train: TaskRow[];
  test: TaskRow[];
  baseModel?: string;
  writeFile: (path: string, data: string | Uint8Array) => void;
}

/** The plan for a bundle (throws VerlExportError for what verl cannot run). */
export function planVerlBundle(r: Recipe, train: TaskRow[], test: TaskRow[]): VerlPlan {
  const prompts = [...train, ...test].map((row, i) => toVerlRow(r, row, i).prompt);
  return verlPlan({ recipe: r, maxPromptTokens: promptTokenBound(prompts), trainRows: train.length, hasTest: test.length > 0 });
}

export function writeVerlBundle(b: VerlBundleInput): string[] {
  const r = b.recipe;
  if (b.train.length === 0) throw Object.assign(new Error('verl export: the run has no training rows'), { code: 'invalid_argument' });
  const plan = planVerlBundle(r, b.train, b.test); // refuses before anything is written
  // The tiny demo model has no HF checkpoint: a placeholder the user replaces via MODEL_PATH.
  const baseModel = b.baseModel ?? 'Qwen/Qwen2.5-0.5B-Instruct';
  const files: string[] = [];
  const put = (rel: string, data: string | Uint8Array) => { const p = join(b.root, rel); b.writeFile(p, data); files.push(p); };
  put('data/train.parquet', verlParquet(r, b.train));
  if (b.test.length) put('data/test.parquet', verlParquet(r, b.test));
  put('clipo_reward.py', CLIPO_REWARD_PY);
  put('reward_spec.json', JSON.stringify({ dataSources: [dataSourceOf(r)], components: r.reward.components }, null, 2) + '\n');
  if (plan.conspo) {
    put('clipo_conspo.py', CLIPO_CONSPO_PY);
    put('conspo_spec.json', JSON.stringify(plan.conspo, null, 2) + '\n');
  }
  put('run_verl.sh', verlLaunchScript(r, plan, baseModel));
  put('recipe_mapping.json', JSON.stringify(plan.mapping, null, 2) + '\n');
  put('README.md', readme(b, plan, baseModel));
  return files;
}

function readme(b: VerlBundleInput, plan: VerlPlan, baseModel: string): string {
  const un = Object.entries(plan.mapping).filter(([, v]) => v.options === null);
  const dapo = plan.entry === 'recipe.dapo.main_dapo';
  return `# verl launch bundle: ${commentSafe(b.runName)}

Generated by Clipo Workbench. Runs the same recipe with verl on GPUs.
Written for: ${describeTargets(plan.targets)} (entry point \`python3 -m ${plan.entry}\`).

- \`data/train.parquet\` (${b.train.length} rows)${b.test.length ? `, \`data/test.parquet\` (${b.test.length} rows)` : ''}: verl's data schema
  (\`data_source, prompt[{role, content}], ability, reward_model{ground_truth, style: "rule"}, extra_info\`);
  the prompts already contain the recipe's system prompt and suffix.
- \`clipo_reward.py\` + \`reward_spec.json\`: the run's reward (Python standard library only), used through
  \`custom_reward_function.path/name\`; it returns \`score\` and the rule accuracy \`acc\`.
- \`run_verl.sh\`: \`MODEL_PATH=<HF model, default ${commentSafe(baseModel)}> N_GPUS=8 [ROLLOUT_TP=1] bash run_verl.sh [extra Hydra overrides]\`.
${plan.conspo ? `- \`clipo_conspo.py\` + \`conspo_spec.json\`: ConSPO on verl (standard library + torch + verl). \`run_verl.sh\` starts
  \`python3 -m clipo_conspo\` here, which runs verl's main_ppo with loss mode and estimator \`conspo\`: the Lemma 2
  coefficients are computed on verl's driver from the whole batch (old_log_probs, uid, the reward's acc) with
  τ=${plan.conspo.tau}, M=${plan.conspo.margin}, α=${plan.conspo.alpha} over ${plan.conspo.totalSteps} steps, Z_norm = ${plan.conspo.normalizer};
  per-step ConSPO metrics (conspo/margin, conspo/validGroups, conspo/posProbMean, conspo/objective) go to
  \`conspo_metrics.jsonl\`. Needs verl >= 0.6.1 (run_ppo's task_runner_class), one node.
` : ''}${dapo ? '  DAPO runs from a verl checkout: `VERL_DIR=~/verl` (on verl main also `git submodule update --init recipe`).\n' : ''}${plan.fork ? '  CLIPO needs the Qwen-Applications/CLIPO fork and its SGLang patch (`bash modified/sglang_modify.sh`); the CLIPO bundle trains all weights (see lora.rank below); `ACTOR_LR=<lr>` overrides the learning rate.\n' : ''}- \`recipe_mapping.json\`: every recipe field and the verl option it became.

The base model must be the Hugging Face checkpoint the GGUF was converted from (verl does not read GGUF).

## Bringing results back

Metrics are printed to the console and written by verl's file logger to \`metrics.jsonl\` in this folder
(\`{"step": N, "data": {...}}\` per step). \`critic/score/mean\` is the mean reward (desktop \`reward/mean\`),
\`val-core/${dataSourceOf(b.recipe)}/acc/mean@1\` the held-out accuracy, \`response_length/mean\` the completion length.
Checkpoints are written to \`checkpoints/\` every \`save_freq\` steps (verl's own format; see its
checkpoint docs to extract Hugging Face weights or the LoRA adapter for evaluation elsewhere).

## Recipe fields verl has no option for

${un.map(([k, v]) => `- \`${k}\`: ${v.note}`).join('\n') || '(none)'}
`;
}
