/**
 * Recipe → verl: the Hydra overrides a launch bundle writes, the entry point and target versions,
 * and, for every recipe field, the options it became or why it has none (recipe_mapping.json).
 * Whatever verl cannot run as the same algorithm is refused with a VerlExportError naming the
 * field and the reason. Pure.
 *
 * Upstream sources (commits in verlTargets.ts): verl/trainer/config/*.yaml (keys and defaults),
 * verl/trainer/ppo/core_algos.py (loss modes, estimators, agg_loss), verl/workers/config/model.py
 * (lora_alpha: int, target_modules: Optional[str]), docs/advance/ppo_lora.rst (LoRA needs vLLM and
 * load_format=safetensors), recipe/dapo (filter_groups, overlong_buffer), and for CLIPO the fork's
 * verl/trainer/config/model/hf_model.yaml, ray_trainer.py and scripts/train_gsm8k.sh.
 */
import type { Recipe } from '../../api/contract/index.js';
import { cispo } from '../../rl/objectives/cispo.js';
import { conspo } from '../../rl/objectives/conspo.js';
import { gmpo } from '../../rl/objectives/gmpo.js';
import { gspo } from '../../rl/objectives/gspo.js';
import { sapo } from '../../rl/objectives/sapo.js';
import { overlong } from '../../rl/verifiers/overlong.js';
import { slugify } from '../safePath.js';
import { hydraNumber, hydraQuote, hydraToken } from './hydraQuote.js';
import { configEntryOf, describeTargets, targetsFor, type VerlEntryPoint, type VerlLaunchModule, type VerlTarget } from './verlTargets.js';

export class VerlExportError extends Error {
  readonly code = 'invalid_argument';
  constructor(readonly field: string, readonly reason: string) {
    super(`verl export refused: ${field}: ${reason}`);
    this.name = 'VerlExportError';
  }
}

/** One override: `key=value` with value already in Hydra syntax; `runtime` values are filled in by the script. */
export interface VerlOverride { key: string; value: string; runtime?: 'path' | 'int' }

/** How one recipe field maps: the override keys it sets, or null with the reason it has no equivalent. */
export interface FieldMapping { options: string[] | null; note: string }

/** conspo_spec.json: what clipo_conspo.py reads (the desktop ConSPO parameters and the margin's step count). */
export interface ConspoSpec { tau: number; margin: number; alpha: number; totalSteps: number; normalizer: 'all-groups' | 'valid-groups' }

export interface VerlPlan {
  /** What run_verl.sh starts with `python3 -m`. */
  entry: VerlLaunchModule;
  /** The upstream entry point whose config the overrides go to (keys-<target>.json). */
  config: VerlEntryPoint;
  /** ConSPO bundles only: conspo_spec.json. */
  conspo: ConspoSpec | null;
  fork: boolean;
  targets: VerlTarget[];
  overrides: VerlOverride[];
  mapping: Record<string, FieldMapping>;
  lossMode: string;
  /** data.max_prompt_length + data.max_response_length: the padded sequence length. */
  paddedLength: number;
}

export interface PlanInput {
  recipe: Recipe;
  /** Upper bound of the prompt length in tokens (see promptTokenBound). */
  maxPromptTokens: number;
  trainRows: number;
  hasTest: boolean;
}

const A = 'actor_rollout_ref.actor';
const M = 'actor_rollout_ref.model';
const R = 'actor_rollout_ref.rollout';

/** Runtime values the script fills in (absolute paths, GPU count). */
export const RUNTIME = {
  modelPath: '@MODEL_PATH', train: '@TRAIN_FILE', test: '@TEST_FILE', reward: '@REWARD_FILE', ckpt: '@CKPT_DIR', gpus: '@N_GPUS', tp: '@ROLLOUT_TP',
} as const;

const HF_MODULES: Record<string, string> = { q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' };
const AGG: Record<string, string> = { 'token-mean': 'token-mean', 'seq-mean-token-mean': 'seq-mean-token-mean', 'seq-mean-token-sum': 'seq-mean-token-sum', 'constant-normalised': 'seq-mean-token-sum-norm' };
const KL: Record<string, string> = { k1: 'kl', k2: 'mse', k3: 'low_var_kl' };
const CLIPO_LOSS: Record<string, string> = { infonce: 'infonce_loss', 'supcon-out': 'supcon_loss_out', 'supcon-in': 'supcon_loss_in', softnn: 'soft_nn_loss' };
/** The desktop trainer stops sampling after this many rounds (main/trainer/collectRollouts.ts MAX_DYNAMIC_ROUNDS). */
const DESKTOP_DYNAMIC_ROUNDS = 3;
/** Answer verifiers the shipped clipo_reward.py implements, and what verl scores itself. */
const PY_VERIFIERS = new Set(['boxedMath', 'gsm8k', 'multipleChoice', 'exactMatch', 'format']);

/** Tokens ≤ UTF-8 bytes for byte-level BPE (every token covers at least one byte); plus chat-template overhead. */
export function promptTokenBound(messages: { content: string }[][]): number {
  let max = 0;
  for (const m of messages) {
    const bytes = m.reduce((s, x) => s + Buffer.byteLength(x.content, 'utf8') + 32, 0);
    if (bytes > max) max = bytes;
  }
  // 128: the template's own tokens, including a default system prompt some templates add (Qwen2.5).
  return Math.ceil((max + 128) / 64) * 64;
}

export function verlPlan(p: PlanInput): VerlPlan {
  const r = p.recipe;
  const a = r.algorithm;
  const c = a.clipo;
  const fork = c.enabled;
  const o: VerlOverride[] = [];
  const mapping: Record<string, FieldMapping> = {};
  const set = (key: string, value: string, runtime?: VerlOverride['runtime']) => {
    const at = o.findIndex((x) => x.key === key);
    const ov = runtime ? { key, value, runtime } : { key, value };
    if (at >= 0) o[at] = ov;
    else o.push(ov);
    return `${key}=${value}`;
  };
  const map = (field: string, options: string[], note = '') => { mapping[field] = { options, note }; };
  const un = (field: string, note: string) => { mapping[field] = { options: null, note }; };
  const refuse = (field: string, reason: string): never => { throw new VerlExportError(field, reason); };
  const bool = (b: boolean) => (b ? 'True' : 'False');

  // ---- entry point and components verl scores itself
  const comps = r.reward.components;
  const over = comps.filter((x) => x.name === 'overlong');
  for (const x of comps) {
    if (x.name === 'lengthPenalty') refuse('reward.components', 'lengthPenalty needs each completion\'s token count, which verl does not pass to a custom reward function (compute_score gets data_source, solution_str, ground_truth, extra_info); remove it or use overlong');
    if (x.name !== 'overlong' && !PY_VERIFIERS.has(x.name)) refuse('reward.components', `no verl implementation of verifier "${x.name}"`);
  }
  if (over.length > 1) refuse('reward.components', 'verl\'s DAPO reward manager has one overlong buffer; the recipe has several overlong components');
  const isConspo = a.objective === 'conspo';
  if (isConspo && (a.dynamicSampling || over.length)) {
    refuse(a.dynamicSampling ? 'algorithm.dynamicSampling' : 'reward.components', 'ConSPO bundles run verl\'s main_ppo trainer through the bundle\'s clipo_conspo module; dynamic sampling and the overlong buffer live in the DAPO recipe\'s own trainer (recipe/dapo/dapo_ray_trainer.py), which that module does not extend; turn them off to export ConSPO');
  }
  if (isConspo && fork) refuse('algorithm.clipo.enabled', 'ConSPO with CLIPO is not exported: CLIPO needs the fork\'s main_ppo, ConSPO the bundle\'s clipo_conspo entry point, and nobody has checked the two hooks together');
  const entry: VerlLaunchModule = isConspo ? 'clipo_conspo' : a.dynamicSampling || over.length ? 'recipe.dapo.main_dapo' : 'verl.trainer.main_ppo';
  if (fork && entry !== 'verl.trainer.main_ppo') {
    refuse(a.dynamicSampling ? 'algorithm.dynamicSampling' : 'reward.components', 'the CLIPO fork (Qwen-Applications/CLIPO) has no DAPO entry point: no algorithm.filter_groups and no overlong_buffer (it implements clip-higher only); turn off dynamic sampling / overlong to export CLIPO, or turn off CLIPO to export DAPO for plain verl');
  }

  if (fork) {
    // The fork labels a response correct when its summed rule reward is > 0 (ray_trainer.py
    // `correctness_mask = reward_tensor.sum(-1) > 0`); the desktop labels CLIPO anchors with the answer
    // verifiers' `correct`. They agree only for one answer component that pays > 0 when right and ≤ 0 otherwise.
    const x = comps[0]!;
    const p = (x.params ?? {}) as Record<string, unknown>;
    const num = (k: string, d: number) => (typeof p[k] === 'number' ? (p[k] as number) : d);
    const ok = comps.length === 1 && x.weight > 0 && x.name !== 'format'
      && (x.name === 'exactMatch' ? p.partialCredit !== true : num('correctReward', 1) > 0 && num('incorrectReward', 0) <= 0 && num('missingReward', 0) <= 0);
    if (!ok) refuse('reward.components', 'the CLIPO fork decides which responses are correct by reward > 0; with this reward (shaping terms, several components, partial credit or non-default reward values) that differs from the desktop\'s rule correctness, so the contrastive labels would differ; use one answer verifier for CLIPO runs');
  }

  // ---- objective → loss mode (+ the objective's own constants, as the desktop trainer uses them: rlPipeline.ts policyStage)
  let lossMode: string;
  const ppoFamily = a.objective === 'grpo' || a.objective === 'drgrpo' || a.objective === 'dapo';
  if (ppoFamily) {
    lossMode = 'vanilla';
    map('algorithm.objective', [set(`${A}.policy_loss.loss_mode`, 'vanilla')], `${a.objective}: PPO-clip surrogate (core_algos.py compute_policy_loss_vanilla)`);
    map('algorithm.aggregation', [set(`${A}.loss_agg_mode`, AGG[a.aggregation]!)], a.aggregation === 'constant-normalised' ? 'verl divides by max_response_length per sequence, as ours divides by L_max' : '');
    map('algorithm.clipLow', [set(`${A}.clip_ratio_low`, hydraNumber(a.clipLow))]);
    map('algorithm.clipHigh', [set(`${A}.clip_ratio_high`, hydraNumber(a.clipHigh))]);
    map('algorithm.dualClip', [set(`${A}.clip_ratio_c`, hydraNumber(a.dualClip))]);
  } else if (a.objective === 'gspo') {
    lossMode = 'gspo';
    const d = gspo.defaults;
    map('algorithm.objective', [set(`${A}.policy_loss.loss_mode`, 'gspo'), set(`${A}.clip_ratio_low`, hydraNumber(d.clipLow)), set(`${A}.clip_ratio_high`, hydraNumber(d.clipHigh))], 'GSPO with the desktop objective\'s own clip range (main/rl/objectives/gspo.ts)');
    map('algorithm.aggregation', [set(`${A}.loss_agg_mode`, d.aggregation)], 'GSPO aggregates seq-mean-token-mean on both sides (the recipe value is not used by GSPO)');
  } else if (a.objective === 'gmpo') {
    lossMode = 'geo_mean';
    const d = gmpo.defaults;
    map('algorithm.objective', [set(`${A}.policy_loss.loss_mode`, 'geo_mean'), set(`${A}.clip_ratio_low`, hydraNumber(d.clipLow)), set(`${A}.clip_ratio_high`, hydraNumber(d.clipHigh))], 'GMPO: log-space clip ε of the desktop objective (main/rl/objectives/gmpo.ts); verl geo_mean clips Δ the same way');
    map('algorithm.aggregation', ['(ignored by geo_mean and by the desktop GMPO: plain mean over sequences)']);
  } else if (a.objective === 'sapo') {
    lossMode = 'sapo';
    const d = sapo.defaults;
    map('algorithm.objective', [set(`${A}.policy_loss.loss_mode`, 'sapo'), set(`${A}.tau_pos`, hydraNumber(d.tauPos)), set(`${A}.tau_neg`, hydraNumber(d.tauNeg))], 'SAPO soft gate with the desktop temperatures (main/rl/objectives/sapo.ts)');
    map('algorithm.aggregation', ['(sapo forces seq-mean-token-mean in verl, as the desktop SAPO does)']);
  } else if (a.objective === 'cispo') {
    lossMode = 'cispo';
    const d = cispo.defaults;
    // verl clamps r to [1−ε_low, 1+ε_high]; the desktop caps r at ε_max only (TRL/MiniMax). Since r > 0,
    // ε_low = 1 makes the lower bound 0, which never binds, and ε_high = ε_max − 1 gives the same cap.
    map('algorithm.objective', [set(`${A}.policy_loss.loss_mode`, 'cispo'), set(`${A}.clip_ratio_low`, '1.0'), set(`${A}.clip_ratio_high`, hydraNumber(d.epsMax - 1))], `CISPO upper-only cap ε_max=${d.epsMax}: verl's two-sided clamp with ε_low=1 (lower bound 0 never binds) and ε_high=ε_max−1`);
    map('algorithm.aggregation', [set(`${A}.loss_agg_mode`, d.aggregation)], 'the desktop CISPO aggregates token-mean');
  } else if (isConspo) {
    lossMode = 'conspo';
    // clipo_conspo.py computes Lemma 2's g_i on the driver, where the whole batch (uid, acc, old_log_probs) is,
    // and hands B·g_i/(T_i·Z) to the workers as the advantages; its "conspo" policy loss is −Σ_t A·ℓ per sequence.
    // Exact only when the update is on-policy: one optimiser step per rollout batch (as the desktop default).
    if (r.training.updatesPerBatch !== 1) refuse('training.updatesPerBatch', 'ConSPO on verl needs one optimiser step per rollout batch: its coefficients are computed once per batch from the rollout policy\'s scores, while the desktop recomputes them with the current policy for each later mini-batch (and verl\'s mini-batches do not keep groups together); set updatesPerBatch to 1');
    map('algorithm.objective', [set(`${A}.policy_loss.loss_mode`, 'conspo'), set('algorithm.adv_estimator', 'conspo'), set(`${M}.external_lib`, 'clipo_conspo'), set('trainer.use_legacy_worker_impl', 'enable')],
      'ConSPO (main/rl/objectives/conspo.ts) through the bundle\'s clipo_conspo.py: run_verl.sh starts python3 -m clipo_conspo, which registers loss mode and estimator "conspo" and computes the Lemma 2 coefficients on verl\'s driver from old_log_probs, uid and the reward\'s acc; external_lib loads the loss in the actor workers; the legacy fsdp workers (dp_actor) are the ones whose loss scaling it was derived for');
    map('algorithm.conspo.tau', ['conspo_spec.json tau'], 'read by clipo_conspo.py');
    map('algorithm.conspo.margin', ['conspo_spec.json margin'], 'final margin M of the cosine schedule (eq. 16)');
    map('algorithm.conspo.alpha', ['conspo_spec.json alpha', 'conspo_spec.json totalSteps'], `margin schedule over α·${r.training.steps} steps; step = verl global_steps − 1 (verl counts from 1, the desktop from 0)`);
    map('algorithm.aggregation', [set(`${A}.loss_agg_mode`, AGG[a.aggregation]!)], 'aggregates verl\'s KL term only (as on the desktop); the ConSPO term has its own normaliser Z_norm = groups in the batch');
  } else {
    return refuse('algorithm.objective', 'DisCO has no verl loss mode (it ships as its own recipe repository)');
  }
  if (!ppoFamily) {
    for (const f of ['algorithm.clipLow', 'algorithm.clipHigh', 'algorithm.dualClip'] as const) {
      if (!mapping[f]) map(f, ['(set from the objective, see algorithm.objective)'], `not used by ${a.objective} on the desktop either`);
    }
  }
  const targets = targetsFor(fork, entry, lossMode);
  if (targets.length === 0) refuse('algorithm.objective', `loss mode ${lossMode} is not in any targeted ${fork ? 'CLIPO fork' : 'verl'} version with entry point ${entry} (it needs verl ≥ 0.7.0)`);
  mapping['(targets)'] = { options: [describeTargets(targets)], note: `entry point python3 -m ${entry}` };

  // ---- advantage
  if (isConspo) map('algorithm.advantage', ['algorithm.adv_estimator=conspo'], 'not used by ConSPO (its weights come from the contrastive scores, on the desktop too)');
  else {
    if (a.advantage === 'batch') refuse('algorithm.advantage', 'batch-normalised advantages have no verl estimator (grpo, rloo, ... normalise per group)');
    map('algorithm.advantage', a.advantage === 'rloo' ? [set('algorithm.adv_estimator', 'rloo')]
      : [set('algorithm.adv_estimator', 'grpo'), set('algorithm.norm_adv_by_std_in_grpo', bool(a.advantage !== 'drgrpo'))],
    a.advantage === 'grpo' ? 'verl: unbiased std, ε 1e-6 (core_algos.py compute_grpo_outcome_advantage)' : '');
  }

  // ---- KL
  if (a.klCoef > 0 && a.klEstimator === 'k3+') refuse('algorithm.klEstimator', 'k3+ raises NotImplementedError in verl (core_algos.py kl_penalty)');
  map('algorithm.klCoef', [set(`${A}.use_kl_loss`, bool(a.klCoef > 0)), set(`${A}.kl_loss_coef`, hydraNumber(a.klCoef)), set('algorithm.use_kl_in_reward', 'False')],
    'KL as a loss term; with LoRA verl\'s reference is the base model with the adapter disabled, as on the desktop');
  if (a.klCoef > 0) map('algorithm.klEstimator', [set(`${A}.kl_loss_type`, KL[a.klEstimator]!)]);
  else map('algorithm.klEstimator', ['(no KL term)'], 'klCoef is 0');
  set(`${A}.entropy_coeff`, '0');

  // ---- dynamic sampling (DAPO recipe entry point)
  if (a.dynamicSampling) {
    map('algorithm.dynamicSampling', [set('algorithm.filter_groups.enable', 'True'), set('algorithm.filter_groups.metric', 'acc'), set('algorithm.filter_groups.max_num_gen_batches', '0')],
      `read only by recipe.dapo.main_dapo (recipe/dapo/dapo_ray_trainer.py); metric acc = the rule accuracy clipo_reward.py returns, the value the desktop filters on. The desktop gives up after ${DESKTOP_DYNAMIC_ROUNDS} sampling rounds and trains on the groups it has; verl raises once max_num_gen_batches is reached, so the bundle sets 0 (no limit) and keeps sampling until the batch is full`);
  } else if (entry === 'recipe.dapo.main_dapo') {
    map('algorithm.dynamicSampling', [set('algorithm.filter_groups.enable', 'False')], 'off (the DAPO entry point is used for its overlong shaping)');
  } else {
    map('algorithm.dynamicSampling', ['(off)']);
  }
  if (!isConspo) map('algorithm.conspo.*', ['(not used)'], `only read by the ConSPO objective; this run uses ${a.objective}`);

  // ---- reward
  const rewardOpts = [set('custom_reward_function.path', RUNTIME.reward, 'path'), set('custom_reward_function.name', 'compute_score')];
  const maxResp = r.rollout.maxTokens;
  if (over.length) {
    const x = over[0]!;
    const pr = { ...overlong.defaults, ...(x.params as object) };
    const lMax = pr.maxTokens > 0 ? pr.maxTokens : maxResp;
    if (lMax !== maxResp) refuse('reward.components', `overlong.maxTokens ${pr.maxTokens} differs from rollout.maxTokens ${maxResp}; verl's DAPO reward manager uses data.max_response_length`);
    const lBuf = pr.bufferTokens > 0 ? pr.bufferTokens : Math.round(pr.bufferFraction * lMax);
    if (!(lBuf > 0) || !Number.isInteger(lBuf)) refuse('reward.components', `overlong buffer ${lBuf} is not a positive whole number of tokens`);
    // verl (workers/reward_manager/dapo.py): reward += min(−(T − (L_max − L_buf))/L_buf · pf, 0): ours times the weight.
    rewardOpts.push(set('reward_model.overlong_buffer.enable', 'True'), set('reward_model.overlong_buffer.len', hydraNumber(lBuf)),
      set('reward_model.overlong_buffer.penalty_factor', hydraNumber(x.weight * pr.penaltyFactor)));
  }
  map('reward.components', rewardOpts, `clipo_reward.py (shipped) scores ${comps.filter((x) => x.name !== 'overlong').map((x) => `${x.name}×${x.weight}`).join(' + ') || '(nothing)'} with the desktop verifiers' rules; ${over.length ? 'overlong is verl\'s DAPO reward manager shaping (reward_model.overlong_buffer, weight folded into penalty_factor); ' : ''}data_source ${dataSourceOf(r)}`);

  // ---- model, LoRA
  map('model.kind', [set(`${M}.path`, RUNTIME.modelPath, 'path')], 'verl trains Hugging Face weights: MODEL_PATH must be the HF checkpoint the GGUF was converted from');
  if (r.model.kind === 'builtin') map('model.name', [`${M}.path`], 'the built-in tiny demo model has no HF checkpoint: set MODEL_PATH');
  else map('model.path', [`${M}.path`], 'the GGUF is replaced by the HF model it was converted from');
  set(`${M}.use_remove_padding`, 'True');
  if (fork) {
    const why = 'the CLIPO fork takes its hidden states from its patched SGLang rollout, which has no LoRA path (LoRA rollout is vLLM-only in verl 0.6.1, docs/advance/ppo_lora.rst), so the CLIPO bundle trains all weights (lora_rank 0); the recipe learning rate was chosen for LoRA — verl\'s LoRA guide puts LoRA rates about 10× full fine-tuning rates, override with ACTOR_LR';
    set(`${M}.lora_rank`, '0');
    un('lora.rank', why); un('lora.alpha', why); un('lora.targets', why);
    set(`${R}.name`, 'sglang');
  } else {
    if (!Number.isInteger(r.lora.alpha)) refuse('lora.alpha', `verl's model config types lora_alpha as int (verl/workers/config/model.py); ${r.lora.alpha} is not a whole number`);
    const all = Object.keys(HF_MODULES).every((t) => r.lora.targets.includes(t as never));
    // PEFT full-matches a string target_modules as a regex (a comma list would match nothing); verl's
    // check_target_modules (verl/utils/model.py) uses re.fullmatch too. 'all-linear' = every linear but lm_head.
    const targetsValue = all ? 'all-linear' : hydraQuote(`.*\\.(${r.lora.targets.map((t) => HF_MODULES[t]).join('|')})`);
    map('lora.rank', [set(`${M}.lora_rank`, hydraNumber(r.lora.rank))]);
    map('lora.alpha', [set(`${M}.lora_alpha`, hydraNumber(r.lora.alpha))]);
    map('lora.targets', [set(`${M}.target_modules`, targetsValue)], all ? 'all seven projections = PEFT all-linear' : 'a regex PEFT and verl full-match against module names');
    set(`${R}.name`, 'vllm');
    set(`${R}.load_format`, 'safetensors');
  }
  un('lora.seed', 'verl initialises LoRA A with PEFT\'s own random init');

  // ---- CLIPO (fork keys only in fork bundles)
  if (fork) {
    map('algorithm.clipo.enabled', [set(`${M}.enable_con_lm_head`, 'True'), set(`${R}.enable_return_hidden_states`, 'True')], 'Qwen-Applications/CLIPO fork; SGLang rollout with the fork\'s hidden-state patch (modified/sglang_modify.sh). The fork crashes on a batch with no valid anchor (no group with ≥2 correct and ≥1 incorrect; ALGORITHMS.md §7.2), which the desktop skips: small batches hit it, the fork\'s own scripts use 512 prompts × 16');
    map('algorithm.clipo.head', [set(`${M}.con_lm_head_type`, hydraToken(c.head))]);
    map('algorithm.clipo.outputSize', [set(`${M}.con_lm_head_output_size`, hydraNumber(c.outputSize))]);
    map('algorithm.clipo.loss', [set(`${M}.con_lm_head_loss_type`, CLIPO_LOSS[c.loss]!)]);
    map('algorithm.clipo.temperature', [set(`${M}.con_lm_head_temperature`, hydraNumber(c.temperature))]);
    map('algorithm.clipo.lambda', [set(`${M}.con_lm_head_lambda`, hydraNumber(c.lambda))]);
    map('algorithm.clipo.lr', [set(`${M}.con_lm_head_lr`, hydraNumber(c.lr))]);
    map('algorithm.clipo.weightDecay', [set(`${M}.con_lm_head_weight_decay`, hydraNumber(c.weightDecay))]);
    map('algorithm.clipo.frozenHead', [set(`${M}.con_lm_head_fixed_head`, bool(c.frozenHead))]);
    // Desktop steps count from 0 and the policy updates when warmup ≤ step; the fork's global_steps start at 1
    // and the actor updates when critic_warmup ≤ global_steps (ray_trainer.py), hence +1.
    map('algorithm.clipo.warmupSteps', [set('trainer.critic_warmup', hydraNumber(c.warmupSteps > 0 ? c.warmupSteps + 1 : 0))], 'the fork repurposes critic_warmup for the head-only warmup (its steps start at 1, ours at 0: +1)');
  } else {
    for (const f of ['enabled', 'head', 'outputSize', 'loss', 'temperature', 'lambda', 'lr', 'weightDecay', 'warmupSteps', 'frozenHead']) map(`algorithm.clipo.${f}`, ['(CLIPO off)'], 'plain verl: no con_lm_head keys are written');
  }

  // ---- optimiser
  map('optim.lr', [set(`${A}.optim.lr`, hydraNumber(r.optim.lr))], fork ? 'override with ACTOR_LR for full fine-tuning (see lora.rank)' : '');
  map('optim.beta1', [set(`${A}.optim.betas`, `[${hydraNumber(r.optim.beta1)},${hydraNumber(r.optim.beta2)}]`)]);
  map('optim.beta2', [`${A}.optim.betas`]);
  if (r.optim.eps === 1e-8) map('optim.eps', ['(torch AdamW default 1e-8, as the recipe)']);
  else un('optim.eps', `verl's actor optimiser has no eps option in the targeted versions (torch AdamW default 1e-8 is used, not ${r.optim.eps})`);
  map('optim.weightDecay', [set(`${A}.optim.weight_decay`, hydraNumber(r.optim.weightDecay))], 'set explicitly: verl\'s default is 0.01');
  // torch clip_grad_norm_ with max_norm 0 would zero every gradient; 0 means "no clipping" here.
  // actor.grad_clip is what dp_actor.py reads; optim.clip_grad is the same setting for the newer engine workers.
  const clip = hydraNumber(r.optim.maxGradNorm > 0 ? r.optim.maxGradNorm : 1e9);
  map('optim.maxGradNorm', [set(`${A}.grad_clip`, clip), set(`${A}.optim.clip_grad`, clip)], r.optim.maxGradNorm > 0 ? '' : 'recipe 0 = no clipping: verl gets 1e9');
  if (r.optim.schedule === 'linear') refuse('optim.schedule', 'verl\'s actor scheduler offers constant and cosine only (lr_scheduler_type)');
  map('optim.schedule', [set(`${A}.optim.lr_scheduler_type`, r.optim.schedule)], r.optim.schedule === 'cosine' ? 'cosine to 0 over the remaining steps (min_lr_ratio 0, num_cycles 0.5), as ours' : '');
  map('optim.warmupSteps', [set(`${A}.optim.lr_warmup_steps`, hydraNumber(r.optim.warmupSteps))], 'linear warmup; verl\'s ramp is step/W from 0 (torch_functional.get_*_schedule_with_warmup), ours (step+1)/W: one step earlier');

  // ---- rollout and lengths
  const promptLen = p.maxPromptTokens;
  const padded = promptLen + maxResp;
  map('rollout.groupSize', [set(`${R}.n`, hydraNumber(r.rollout.groupSize))]);
  map('rollout.promptsPerStep', [set('data.train_batch_size', hydraNumber(r.rollout.promptsPerStep))]);
  map('rollout.temperature', [set(`${R}.temperature`, hydraNumber(r.rollout.temperature))]);
  map('rollout.topP', [set(`${R}.top_p`, hydraNumber(r.rollout.topP))]);
  map('rollout.maxTokens', [set('data.max_response_length', hydraNumber(maxResp))]);
  set('data.max_prompt_length', hydraNumber(promptLen));
  set('data.filter_overlong_prompts', 'True');
  if (r.rollout.stop.length) un('rollout.stop', `verl's rollout stops at EOS only (no stop-string option in the targeted configs): ${JSON.stringify(r.rollout.stop)} are not carried over`);
  else map('rollout.stop', ['(none)']);
  set(`${R}.tensor_model_parallel_size`, RUNTIME.tp, 'int');
  // vLLM needs at least one whole sequence per scheduling step.
  set(`${R}.max_num_batched_tokens`, hydraNumber(Math.max(8192, padded)));

  // ---- training loop
  const P = r.rollout.promptsPerStep;
  if (P % r.training.updatesPerBatch !== 0) refuse('training.updatesPerBatch', `verl needs train_batch_size (${P}) divisible by ppo_mini_batch_size; ${P} prompts cannot be split into ${r.training.updatesPerBatch} equal mini-batches`);
  map('training.updatesPerBatch', [set(`${A}.ppo_mini_batch_size`, hydraNumber(P / r.training.updatesPerBatch)), set(`${A}.ppo_epochs`, '1')], 'prompts per optimiser step = promptsPerStep / updatesPerBatch');
  const budget = Math.max(r.training.tokenBudget, padded);
  map('training.tokenBudget', [set(`${A}.use_dynamic_bsz`, 'True'), set(`${A}.ppo_max_token_len_per_gpu`, hydraNumber(budget))],
    budget > r.training.tokenBudget ? `raised from ${r.training.tokenBudget} to the padded sequence length ${padded} (prompt ≤ ${promptLen} + response ${maxResp}): verl packs whole sequences` : '');
  map('training.steps', [set('trainer.total_training_steps', hydraNumber(r.training.steps)), set('trainer.total_epochs', hydraNumber(Math.max(1, Math.ceil((r.training.steps * P) / Math.max(1, p.trainRows))) + 1))], 'total_epochs is large enough for the steps');
  map('training.checkpointEvery', [set('trainer.save_freq', hydraNumber(r.training.checkpointEvery)), set('trainer.default_local_dir', RUNTIME.ckpt, 'path')], 'checkpoints under <bundle>/checkpoints');
  un('training.seed', 'verl seeds its dataloader and rollouts itself (data.seed and vLLM seeds differ from the desktop\'s per-completion seeds)');

  // ---- data and prompt
  map('data.*', [set('data.train_files', RUNTIME.train, 'path'), ...(p.hasTest ? [set('data.val_files', RUNTIME.test, 'path')] : [])], 'rows exported to Parquet in verl\'s schema');
  if (!p.hasTest) set('data.val_files', RUNTIME.train, 'path');
  set('trainer.test_freq', p.hasTest ? hydraNumber(r.training.checkpointEvery) : '-1');
  set('trainer.val_before_train', bool(p.hasTest));
  map('prompt.systemPrompt', ['data/*.parquet prompt[0] (role system)'], 'baked into each row\'s prompt');
  map('prompt.suffix', ['data/*.parquet prompt[-1].content'], 'appended to the user message, as in training');
  if (r.prompt.chatTemplate === 'none') refuse('prompt.chatTemplate', 'verl\'s RLHFDataset always renders prompts with the tokenizer\'s chat template; a raw-text (chatTemplate none) run would train on different prompts');
  map('prompt.chatTemplate', ['(verl applies the tokenizer chat template)']);

  // ---- run, hardware
  map('name', [set('trainer.experiment_name', hydraQuote(slugify(r.name)))], 'slugged: verl builds checkpoint and log paths from experiment_name');
  set('trainer.project_name', 'clipo-workbench');
  // verl's file logger (verl/utils/tracking.py FileLogger) writes {step, data} lines to $VERL_FILE_LOGGER_PATH.
  set('trainer.logger', '["console","file"]');
  set('trainer.n_gpus_per_node', RUNTIME.gpus, 'int');
  set('trainer.nnodes', '1');
  un('version', 'recipe format version; not a training setting');
  un('hardware.backend', 'verl runs on GPUs (trainer.n_gpus_per_node = N_GPUS)');
  un('hardware.threads', 'not applicable to verl');
  // verl ≥ 0.6.1 has algorithm.rollout_correction (rollout_is token|sequence, rollout_is_threshold), v0.6.0 has not,
  // and its ratio is against the inference engine's own log-probs, so the bundle leaves verl's default rather than
  // writing a key that one targeted version rejects.
  un('algorithm.rolloutCorrection.*', r.algorithm.rolloutCorrection.enabled
    ? `not exported: verl >= 0.6.1 offers it as algorithm.rollout_correction.rollout_is=${r.algorithm.rolloutCorrection.level} with rollout_is_threshold=${r.algorithm.rolloutCorrection.cap} (add them to the launch command there); v0.6.0 has no such option`
    : 'off in this recipe');
  // verl runs SFT as its own job (verl/trainer/fsdp_sft_trainer.py); the bundle launches the RL phase.
  if (r.sft.enabled && r.training.steps === 0) refuse('training.steps', 'an SFT-only run has no RL phase to launch on verl; verl runs SFT as its own job (verl.trainer.fsdp_sft_trainer)');
  un('sft.*', r.sft.enabled ? `the ${r.sft.steps}-step SFT phase is a separate verl job (verl.trainer.fsdp_sft_trainer) run first; this bundle launches the RL phase only` : 'SFT is off in this recipe');

  const conspoSpec: ConspoSpec | null = isConspo
    ? { tau: a.conspo.tau, margin: a.conspo.margin, alpha: a.conspo.alpha, totalSteps: r.training.steps, normalizer: conspo.defaults.normalizer }
    : null;
  return { entry, config: configEntryOf(entry), conspo: conspoSpec, fork, targets, overrides: o, mapping, lossMode, paddedLength: padded };
}

export function dataSourceOf(r: Recipe): string {
  if (r.data.kind === 'dataset') return `clipo/${r.data.name}`;
  return r.data.kind === 'builtin' ? `clipo/${r.data.task}` : `clipo/${(r.data.path.split(/[\\/]/).pop() ?? 'data').replace(/\.jsonl$/i, '')}`;
}

/** Mapping entry for a leaf path: exact key, else the closest `prefix.*` key. */
export function mappingFor(mapping: Record<string, FieldMapping>, path: string): FieldMapping | undefined {
  if (mapping[path]) return mapping[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) { const k = `${parts.slice(0, i).join('.')}.*`; if (mapping[k]) return mapping[k]; }
  return undefined;
}
