/**
 * `clipo export <run> --format verl`: a bundle that re-runs the recipe at scale
 * with verl (docs/EXPORT.md): the dataset as Parquet in verl's data schema
 * (docs/ALGORITHMS.md §5: data_source, prompt[{role,content}], ability,
 * reward_model{ground_truth, style:'rule'}, extra_info), a launch script with
 * the run's equivalent hyperparameters (verl main_ppo options; CLIPO head keys of
 * the Qwen-Applications/CLIPO fork, scripts/train_gsm8k.sh), a README, and
 * recipe_mapping.json saying, for every recipe field, which verl option it
 * became or why it has no equivalent. Pure (no native code).
 */
import { join } from 'node:path';
import type { Recipe } from '../api/contract/index.js';
import type { TaskRow } from '../data/types.js';
import { encodeParquet, type PqField } from './parquet.js';
import { shellQuote } from './modelfile.js';

export const VERL_SCHEMA: PqField[] = [
  { name: 'data_source', kind: 'string' },
  { name: 'prompt', kind: 'list', element: { name: 'element', kind: 'struct', fields: [{ name: 'role', kind: 'string' }, { name: 'content', kind: 'string' }] } },
  { name: 'ability', kind: 'string' },
  { name: 'reward_model', kind: 'struct', fields: [{ name: 'ground_truth', kind: 'string' }, { name: 'style', kind: 'string' }] },
  { name: 'extra_info', kind: 'struct', fields: [{ name: 'split', kind: 'string' }, { name: 'index', kind: 'int64' }, { name: 'id', kind: 'string' }, { name: 'question', kind: 'string' }, { name: 'answer', kind: 'string' }] },
];

export interface VerlRow {
  data_source: string;
  prompt: { role: string; content: string }[];
  ability: string;
  reward_model: { ground_truth: string; style: 'rule' };
  extra_info: { split: string; index: number; id: string; question: string; answer: string };
}

export function dataSourceOf(r: Recipe): string {
  return r.data.kind === 'builtin' ? `clipo/${r.data.task}` : `clipo/${(r.data.path.split(/[\\/]/).pop() ?? 'data').replace(/\.jsonl$/i, '')}`;
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
    extra_info: { split: row.split, index, id: row.id, question: row.question, answer: row.answer },
  };
}

export function verlParquet(r: Recipe, rows: TaskRow[]): Uint8Array {
  return encodeParquet(VERL_SCHEMA, rows.map((row, i) => toVerlRow(r, row, i) as unknown as Record<string, unknown>));
}

/** How one recipe field maps: the verl options it sets, or null with the reason it has no equivalent. */
export interface FieldMapping { options: string[] | null; note: string }

const LOSS: Record<string, string> = { infonce: 'infonce_loss', 'supcon-out': 'supcon_loss_out', 'supcon-in': 'supcon_loss_in', softnn: 'soft_nn_loss' };
const KL: Record<string, string | null> = { k1: 'kl', k2: 'mse', k3: 'low_var_kl', 'k3+': null };
const MODULES: Record<string, string> = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' };
const LOSS_MODE: Record<string, string | null> = { grpo: 'vanilla', drgrpo: 'vanilla', dapo: 'vanilla', gspo: 'gspo', gmpo: 'geo_mean', cispo: 'cispo', sapo: 'sapo', conspo: null, disco: null };
const AGG: Record<string, string> = { 'token-mean': 'token-mean', 'seq-mean-token-mean': 'seq-mean-token-mean', 'seq-mean-token-sum': 'seq-mean-token-sum', 'constant-normalised': 'seq-mean-token-sum-norm' };

const A = 'actor_rollout_ref.actor';
const M = 'actor_rollout_ref.model';
const R = 'actor_rollout_ref.rollout';

/** The verl option for every recipe leaf path (dotted; arrays are leaves). Keys ending in `.*` cover a whole subtree. */
export function verlMapping(r: Recipe, baseModel: string): Record<string, FieldMapping> {
  const a = r.algorithm;
  const c = a.clipo;
  const un = (note: string): FieldMapping => ({ options: null, note });
  const map = (options: string[], note = ''): FieldMapping => ({ options, note });
  const mini = Math.max(1, Math.floor(r.rollout.promptsPerStep / r.training.updatesPerBatch));
  const clipoOn = c.enabled;
  return {
    version: un('recipe format version; not a training setting'),
    name: map([`trainer.experiment_name=${r.name}`]),
    'model.kind': map([`${M}.path=${baseModel}`], 'verl trains Hugging Face weights: point MODEL_PATH at the HF checkpoint of the same base model (a GGUF file cannot be used)'),
    'model.name': map([`${M}.path=${baseModel}`], 'built-in tiny demo model has no HF checkpoint; replace MODEL_PATH'),
    'model.path': map([`${M}.path=${baseModel}`], 'the GGUF path is replaced by the HF model it was converted from'),
    'data.*': map(['data.train_files=data/train.parquet', 'data.val_files=data/test.parquet'], 'rows exported to Parquet in verl schema'),
    'prompt.systemPrompt': map(['data/*.parquet prompt[0] (role system)'], 'baked into each row\'s prompt'),
    'prompt.suffix': map(['data/*.parquet prompt[-1].content'], 'appended to the user message, as in training'),
    'prompt.chatTemplate': r.prompt.chatTemplate === 'auto' ? map(['(verl applies the tokenizer chat template)']) : un('verl always applies the tokenizer chat template; raw prompts (chatTemplate none) are not available'),
    'reward.components': un(`verl scores by data_source (${dataSourceOf(r)} is not a built-in scorer); supply custom_reward_function.path implementing ${r.reward.components.map((x) => `${x.name}×${x.weight}`).join(' + ')} on reward_model.ground_truth`),
    'algorithm.objective': LOSS_MODE[a.objective] ? map([`${A}.policy_loss.loss_mode=${LOSS_MODE[a.objective]}`]) : un(`${a.objective} has no verl loss_mode (ConSPO: no public code; DisCO: its own recipe repo)`),
    'algorithm.advantage': a.advantage === 'batch' ? un('batch-normalised advantages have no verl estimator') : map([`algorithm.adv_estimator=${a.advantage === 'rloo' ? 'rloo' : 'grpo'}`, ...(a.advantage === 'drgrpo' ? ['algorithm.norm_adv_by_std_in_grpo=False'] : [])]),
    'algorithm.aggregation': map([`${A}.loss_agg_mode=${AGG[a.aggregation]}`]),
    'algorithm.clipLow': map([`${A}.clip_ratio_low=${a.clipLow}`]),
    'algorithm.clipHigh': map([`${A}.clip_ratio_high=${a.clipHigh}`]),
    'algorithm.dualClip': map([`${A}.clip_ratio_c=${a.dualClip}`]),
    'algorithm.klCoef': map([`${A}.use_kl_loss=${a.klCoef > 0 ? 'True' : 'False'}`, `${A}.kl_loss_coef=${a.klCoef}`, 'algorithm.use_kl_in_reward=False']),
    'algorithm.klEstimator': KL[a.klEstimator] ? map([`${A}.kl_loss_type=${KL[a.klEstimator]}`]) : un('k3+ raises NotImplementedError in verl (ALGORITHMS.md §7.3)'),
    'algorithm.dynamicSampling': a.dynamicSampling ? map(['algorithm.filter_groups.enable=True', 'algorithm.filter_groups.metric=acc'], 'needs verl recipe/dapo (main_dapo)') : map(['(off)']),
    'algorithm.conspo.*': un('ConSPO has no verl implementation'),
    'algorithm.clipo.enabled': map([`${M}.enable_con_lm_head=${clipoOn ? 'True' : 'False'}`, `${R}.enable_return_hidden_states=${clipoOn ? 'True' : 'False'}`], 'CLIPO fork of verl (Qwen-Applications/CLIPO) only'),
    'algorithm.clipo.head': c.head === 'linear' ? map(['(fork default: linear)']) : un('the mlp head is not selectable from the fork\'s launch options'),
    'algorithm.clipo.outputSize': map([`${M}.con_lm_head_output_size=${c.outputSize}`]),
    'algorithm.clipo.loss': map([`${M}.con_lm_head_loss_type=${LOSS[c.loss]}`]),
    'algorithm.clipo.temperature': map([`${M}.con_lm_head_temperature=${c.temperature}`]),
    'algorithm.clipo.lambda': map([`${M}.con_lm_head_lambda=${c.lambda}`]),
    'algorithm.clipo.lr': un('the fork hard-codes the head optimiser (AdamW lr 1e-3)'),
    'algorithm.clipo.weightDecay': un('the fork hard-codes the head optimiser (weight decay 0.01)'),
    'algorithm.clipo.warmupSteps': map([`trainer.critic_warmup=${c.warmupSteps}`], 'the fork repurposes critic_warmup for the head-only warmup'),
    'algorithm.clipo.frozenHead': un('CLIPO-fixed is not a launch option of the fork'),
    // verl runs SFT as its own job (verl/trainer/fsdp_sft_trainer.py); this bundle launches the RL phase.
    'sft.*': un(r.sft.enabled ? `the ${r.sft.steps}-step SFT phase is a separate verl job (fsdp_sft_trainer) run first; this bundle launches RL only` : 'SFT is off in this recipe'),
    'lora.rank': map([`${M}.lora_rank=${r.lora.rank}`]),
    'lora.alpha': map([`${M}.lora_alpha=${r.lora.alpha}`]),
    'lora.targets': map([`${M}.target_modules=[${r.lora.targets.map((t) => MODULES[t]).join(',')}]`]),
    'lora.seed': un('verl initialises LoRA with its own seed'),
    'optim.lr': map([`${A}.optim.lr=${r.optim.lr}`]),
    'optim.beta1': map([`${A}.optim.betas=[${r.optim.beta1},${r.optim.beta2}]`]),
    'optim.beta2': map([`${A}.optim.betas=[${r.optim.beta1},${r.optim.beta2}]`]),
    'optim.eps': un('AdamW eps is not a verl option (torch default 1e-8)'),
    'optim.weightDecay': map([`${A}.optim.weight_decay=${r.optim.weightDecay}`]),
    'optim.maxGradNorm': map([`${A}.grad_clip=${r.optim.maxGradNorm}`]),
    'optim.schedule': r.optim.schedule === 'linear' ? un('verl offers constant and cosine schedules only') : map([`${A}.optim.warmup_style=${r.optim.schedule}`]),
    'optim.warmupSteps': map([`${A}.optim.lr_warmup_steps=${r.optim.warmupSteps}`]),
    'rollout.groupSize': map([`${R}.n=${r.rollout.groupSize}`]),
    'rollout.promptsPerStep': map([`data.train_batch_size=${r.rollout.promptsPerStep}`]),
    'rollout.temperature': map([`${R}.temperature=${r.rollout.temperature}`]),
    'rollout.topP': map([`${R}.top_p=${r.rollout.topP}`]),
    'rollout.maxTokens': map([`data.max_response_length=${r.rollout.maxTokens}`]),
    'rollout.stop': r.rollout.stop.length ? un('verl stops at EOS only; extra stop strings are not a launch option') : map(['(none)']),
    'training.steps': map([`trainer.total_training_steps=${r.training.steps}`]),
    'training.updatesPerBatch': map([`${A}.ppo_mini_batch_size=${mini}`], 'prompts per optimiser step = promptsPerStep / updatesPerBatch'),
    'training.tokenBudget': map([`${A}.use_dynamic_bsz=True`, `${A}.ppo_max_token_len_per_gpu=${r.training.tokenBudget}`]),
    'training.checkpointEvery': map([`trainer.save_freq=${r.training.checkpointEvery}`]),
    'training.seed': un('verl seeds its dataloader and rollouts itself'),
    'hardware.backend': un('verl runs on GPUs (trainer.n_gpus_per_node)'),
    'hardware.threads': un('not applicable to verl'),
  };
}

/** Mapping entry for a leaf path: exact key, else the closest `prefix.*` key. */
export function mappingFor(mapping: Record<string, FieldMapping>, path: string): FieldMapping | undefined {
  if (mapping[path]) return mapping[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) { const k = `${parts.slice(0, i).join('.')}.*`; if (mapping[k]) return mapping[k]; }
  return undefined;
}

export function verlLaunchScript(r: Recipe, baseModel: string, hasTest: boolean): string {
  const m = verlMapping(r, baseModel);
  const opts = new Set<string>();
  for (const f of Object.values(m)) for (const o of f.options ?? []) if (/^[a-z_]+(\.[A-Za-z_]+)+=/.test(o)) opts.add(o);
  opts.delete(`${M}.path=${baseModel}`);
  if (!hasTest) opts.delete('data.val_files=data/test.parquet');
  const lines = [
    '#!/usr/bin/env bash',
    `# verl launch script generated by Clipo Workbench for "${r.name}".`,
    '# The equivalent of the desktop recipe at scale; see README.md and recipe_mapping.json for',
    '# every recipe field and the ones verl has no option for.',
    r.algorithm.clipo.enabled ? '# CLIPO options (con_lm_head_*) need the Qwen-Applications/CLIPO fork of verl (+ its SGLang patch).' : '# Plain verl (>= 0.6).',
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    `MODEL_PATH=\${MODEL_PATH:-${shellQuote(baseModel)}}  # Hugging Face weights of the base model`,
    'N_GPUS=${N_GPUS:-1}',
    'python3 -m verl.trainer.main_ppo \\',
    '    actor_rollout_ref.model.path="$MODEL_PATH" \\',
    ...[...opts].map((o) => { const i = o.indexOf('='); return `    ${o.slice(0, i)}=${shellQuote(o.slice(i + 1))} \\`; }),
    `    data.max_prompt_length=1024 \\`,
    `    actor_rollout_ref.actor.entropy_coeff=0 \\`,
    `    ${R}.name=${r.algorithm.clipo.enabled ? 'sglang' : 'vllm'} \\`,
    '    trainer.n_gpus_per_node="$N_GPUS" trainer.nnodes=1 trainer.logger=\'["console"]\' \\',
    `    trainer.project_name=clipo-workbench "$@"`,
  ];
  return lines.join('\n') + '\n';
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

export function writeVerlBundle(b: VerlBundleInput): string[] {
  const r = b.recipe;
  // The tiny demo model has no HF checkpoint: a placeholder the user replaces via MODEL_PATH.
  const baseModel = b.baseModel ?? 'Qwen/Qwen2.5-0.5B-Instruct';
  const files: string[] = [];
  const put = (rel: string, data: string | Uint8Array) => { const p = join(b.root, rel); b.writeFile(p, data); files.push(p); };
  put('data/train.parquet', verlParquet(r, b.train));
  if (b.test.length) put('data/test.parquet', verlParquet(r, b.test));
  put('run_verl.sh', verlLaunchScript(r, baseModel, b.test.length > 0));
  const mapping = verlMapping(r, baseModel);
  put('recipe_mapping.json', JSON.stringify(mapping, null, 2));
  const un = Object.entries(mapping).filter(([, v]) => v.options === null);
  put('README.md', `# verl launch bundle: ${b.runName}

Generated by Clipo Workbench. Runs the same recipe with [verl](https://github.com/volcengine/verl) on GPUs.

- \`data/train.parquet\` (${b.train.length} rows)${b.test.length ? `, \`data/test.parquet\` (${b.test.length} rows)` : ''}: verl's data schema
  (\`data_source, prompt[{role, content}], ability, reward_model{ground_truth, style: "rule"}, extra_info\`);
  the prompts already contain the recipe's system prompt and suffix.
- \`run_verl.sh\`: \`MODEL_PATH=<HF model> N_GPUS=8 bash run_verl.sh [extra hydra overrides]\`.
- \`recipe_mapping.json\`: every recipe field and the verl option it became.

The base model must be the Hugging Face checkpoint the GGUF was converted from (verl does not read GGUF).
${r.algorithm.clipo.enabled ? '\nCLIPO is enabled: use the Qwen-Applications/CLIPO fork of verl (its `con_lm_head_*` options and the SGLang hidden-state patch).\n' : ''}
## Recipe fields verl has no option for

${un.map(([k, v]) => `- \`${k}\`: ${v.note}`).join('\n')}
`);
  return files;
}
