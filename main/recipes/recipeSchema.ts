/**
 * The recipe schema: the one source of truth for what a run may be configured
 * with. The UI form (via recipeFormSpec), the CLI and the trainer all validate
 * through it. Every leaf carries its group, label, unit and one-line help.
 *
 * Defaults follow docs/ALGORITHMS.md §4 (small-model desktop recipe): LoRA r=16
 * α=32 on all linear layers, lr 1e-5, AdamW (0.9, 0.99), G=8, T=1, top-p 1.
 * Presets (recipePresets.ts) override them per use.
 */
import { z } from 'zod';
import { MAX_DATA_ROWS, RECIPE_VERSION, type Recipe } from '../api/contract/index.js';
import { rewardSpecSchema } from './rewardSchema.js';

type FieldMeta = { group: string; label: string; help: string; unit?: string };
const m = (group: string, label: string, help: string, unit?: string): FieldMeta =>
  unit === undefined ? { group, label, help } : { group, label, help, unit };

const num = (min: number, max: number, def: number, meta: FieldMeta) =>
  z.number().min(min).max(max).default(def).meta(meta);
const int = (min: number, max: number, def: number, meta: FieldMeta) =>
  z.number().int().min(min).max(max).default(def).meta(meta);

const modelSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), name: z.enum(['tiny-demo', 'arith-reasoner']) }),
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1, 'choose a GGUF model file') }),
]);

/** Train on the first N usable rows only (DataSource.maxRows; evaluations ignore it). */
const maxRows = z.number().int().min(1, 'must be at least 1 row').max(MAX_DATA_ROWS, `must be at most ${MAX_DATA_ROWS} rows`).optional();
const dataSource = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('builtin'),
    task: z.string().min(1),
    split: z.enum(['train', 'heldout']).optional(),
    maxRows,
  }),
  z.strictObject({
    kind: z.literal('jsonl'),
    path: z.string().min(1, 'choose a JSONL file'),
    fields: z.strictObject({
      question: z.string().min(1),
      answer: z.string().min(1),
      choices: z.string().min(1).optional(),
      id: z.string().min(1).optional(),
      solution: z.string().min(1).optional(),
    }),
    maxRows,
  }),
  z.object({
    kind: z.literal('dataset'),
    name: z.string().min(1, 'choose an imported dataset'),
    split: z.string().min(1),
    format: z.enum(['jsonl', 'csv', 'parquet']),
    files: z.array(z.string().min(1)).min(1, 'the dataset has no files for this split'),
    fields: z.object({
      question: z.string().min(1, 'map the question field'),
      answer: z.string().min(1, 'map the answer field'),
      choices: z.string().min(1).optional(),
      id: z.string().min(1).optional(),
      answerFormat: z.enum(['text', 'gsm8k', 'boxed', 'choice-index']).optional(),
    }),
    maxRows,
  }),
]);


const ALGO = 'Algorithm';
const clipo = z.strictObject({
  enabled: z.boolean().default(false).meta(m('CLIPO', 'Enable CLIPO',
    'Contrastive head over rollout embeddings; its loss becomes a dense extra reward for correct rollouts (CLIPO paper §3).')),
  head: z.enum(['linear', 'mlp']).default('linear').meta(m('CLIPO', 'Head', 'Projection head: linear (reference default) or a 2-layer MLP.')),
  outputSize: int(2, 8192, 512, m('CLIPO', 'Embedding size', 'Output dimension of the head (reference: 512 for GSM8K, 2048 for MATH).')),
  loss: z.enum(['infonce', 'supcon-out', 'supcon-in', 'softnn']).default('infonce')
    .meta(m('CLIPO', 'Contrastive loss', 'InfoNCE (reference default), SupCon (mean outside log), SupCon-in, or SoftNN.')),
  temperature: num(0.001, 10, 0.05, m('CLIPO', 'Temperature τ', 'Softmax temperature of the contrastive loss; the paper finds lower is better (0.02–0.05).')),
  lambda: num(0, 10, 0.2, m('CLIPO', 'Weight λ', 'Scale of the contrastive reward r_cl = clamp(−λ·L, −0.5).')),
  lr: num(0, 1, 1e-3, m('CLIPO', 'Head learning rate', 'AdamW learning rate of the head (reference: 1e-3).')),
  weightDecay: num(0, 1, 0.01, m('CLIPO', 'Head weight decay', 'AdamW weight decay of the head (reference: 0.01).')),
  warmupSteps: int(0, 1_000_000, 0, m('CLIPO', 'Head-only warmup', 'Steps at the start during which only the head trains and the policy is frozen (paper: about one epoch).', 'steps')),
  frozenHead: z.boolean().default(false).meta(m('CLIPO', 'Frozen head (ablation)', 'Never train the head: a fixed random projection (CLIPO-fixed).')),
});

export const recipeSchema = z.strictObject({
  version: z.literal(RECIPE_VERSION).default(RECIPE_VERSION),
  name: z.string().min(1).max(120).default('Untitled run').meta(m('Run', 'Name', 'Shown in the runs list.')),
  model: modelSource.default({ kind: 'builtin', name: 'tiny-demo' }),
  data: dataSource.default({ kind: 'builtin', task: 'tiny-demo' }),
  prompt: z.strictObject({
    systemPrompt: z.string().max(8000).default('').meta(m('Prompt', 'System prompt', 'Optional system message placed before every question.')),
    suffix: z.string().max(2000).default('').meta(m('Prompt', 'Instruction suffix',
      'Appended to every question, e.g. "Let\'s think step by step and output the final answer within \\boxed{}."')),
    chatTemplate: z.enum(['auto', 'none']).default('auto').meta(m('Prompt', 'Chat template', 'auto: the model\'s own template (instruct models); none: raw text.')),
  }).prefault({}),
  reward: z.strictObject({
    components: rewardSpecSchema.shape.components.default([{ name: 'boxedMath', weight: 1 }]),
  }).prefault({}),
  algorithm: z.strictObject({
    objective: z.enum(['grpo', 'drgrpo', 'dapo', 'gspo', 'gmpo', 'cispo', 'sapo', 'conspo', 'disco']).default('grpo')
      .meta(m(ALGO, 'Objective', 'Policy objective: GRPO family, ConSPO (contrastive sequence scores) or DisCO.')),
    advantage: z.enum(['grpo', 'drgrpo', 'batch', 'rloo']).default('grpo')
      .meta(m(ALGO, 'Advantage', 'GRPO: group mean/std; Dr. GRPO: no std; batch: batch-level std; RLOO: leave-one-out baseline.')),
    aggregation: z.enum(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'constant-normalised']).default('token-mean')
      .meta(m(ALGO, 'Loss aggregation', 'How per-token terms are averaged; token-mean is the CLIPO/DAPO default.')),
    clipLow: num(0, 1, 0.2, m(ALGO, 'Clip ε low', 'Lower PPO clip range of the importance ratio.')),
    clipHigh: num(0, 10, 0.2, m(ALGO, 'Clip ε high', 'Upper clip range (DAPO clip-higher: 0.28).')),
    dualClip: num(1, 100, 3, m(ALGO, 'Dual-clip c', 'Caps the loss of negative-advantage tokens at c·|A| (verl default 3).')),
    klCoef: num(0, 10, 0, m(ALGO, 'KL coefficient β', 'Penalty towards the base model (adapter off); 0 disables the reference pass.')),
    klEstimator: z.enum(['k1', 'k2', 'k3', 'k3+']).default('k3').meta(m(ALGO, 'KL estimator', 'k3 = verl low_var_kl.')),
    dynamicSampling: z.boolean().default(false).meta(m(ALGO, 'Dynamic sampling', 'DAPO: drop groups whose rewards are all equal and sample more prompts.')),
    conspo: z.strictObject({
      tau: num(0.01, 1000, 10, m('ConSPO', 'Score temperature τ', 'Temperature of the InfoNCE over length-normalised log-likelihoods (paper: 10).')),
      margin: num(0, 10, 0.01, m('ConSPO', 'Margin M', 'Final margin subtracted from positive scores (paper: 0.01).')),
      alpha: num(0.001, 1, 0.3, m('ConSPO', 'Margin schedule α', 'Fraction of training over which the margin ramps up (cosine).')),
    }).prefault({}),
    rolloutCorrection: z.object({
      enabled: z.boolean().default(true).meta(m(ALGO, 'Rollout correction',
        'Reweight each token by π_old/π_sampler, truncated at the cap, so the update is about the policy that sampled (TRL/verl truncated importance sampling).')),
      level: z.enum(['token', 'sequence']).default('token').meta(m(ALGO, 'Correction level', 'token: one weight per token; sequence: the product over the completion.')),
      cap: num(1, 1000, 2, m(ALGO, 'Correction cap C', 'Upper truncation of the weight (TRL and verl use 2).')),
    }).prefault({}),
    clipo: clipo.prefault({}),
  }).prefault({}),
  sft: z.strictObject({
    enabled: z.boolean().default(false).meta(m('SFT', 'Supervised fine-tuning first',
      'Next-token loss on the answer tokens of each row (prompt masked) before the RL steps, on the same adapter (TRL SFTTrainer completion-only loss).')),
    steps: int(0, 1_000_000, 0, m('SFT', 'SFT steps', 'Optimizer steps of SFT; RL steps follow them on the same step axis.', 'steps')),
    batchSize: int(1, 4096, 16, m('SFT', 'Rows per step', 'Prompt–answer rows per SFT step; the loss is the mean over all their answer tokens.')),
    lr: num(0, 1, 1e-4, m('SFT', 'Learning rate', 'Peak AdamW learning rate of SFT (LoRA SFT usually runs ~10x the RL rate; TRL LoRA default 1e-4).')),
    warmupSteps: int(0, 1_000_000, 0, m('SFT', 'LR warmup', 'Linear warmup of the SFT learning rate.', 'steps')),
    schedule: z.enum(['constant', 'cosine', 'linear']).default('constant').meta(m('SFT', 'LR schedule', 'Decay over the SFT steps after warmup.')),
    target: z.enum(['auto', 'solution', 'boxed', 'answer']).default('auto').meta(m('SFT', 'Target text',
      'auto: the row\'s worked solution if the data has one, else the answer as the verifier expects it (\\boxed{…}).')),
    evalRows: int(0, 4096, 16, m('SFT', 'Held-out rows', 'Held-out rows answered greedily and checked by the run\'s verifier (0 = no held-out accuracy).')),
    evalEvery: int(1, 1_000_000, 10, m('SFT', 'Evaluate every', 'SFT steps between held-out accuracy checks (also at the last SFT step).', 'steps')),
    params: z.enum(['lora', 'full']).default('lora').meta(m('SFT', 'Trained parameters',
      'lora: the LoRA adapter (then RL continues on it). full: every tensor of a small model (up to 64M parameters, 16 bytes each for ' +
      'weights, gradients and AdamW moments); an SFT-only run whose export is the complete model GGUF (merged-gguf).')),
  }).prefault({}),
  lora: z.strictObject({
    rank: int(1, 512, 16, m('LoRA', 'Rank r', 'Adapter rank; 1–32 suffices for RL (TRL "LoRA without regret").')),
    alpha: num(0.01, 4096, 32, m('LoRA', 'Alpha α', 'Scale α/r applied to the adapter.')),
    targets: z.array(z.enum(['q', 'k', 'v', 'o', 'gate', 'up', 'down'])).min(1, 'choose at least one target module')
      .default(['q', 'k', 'v', 'o', 'gate', 'up', 'down']).meta(m('LoRA', 'Target modules', 'Projections that get an adapter.')),
    seed: int(0, 2 ** 31 - 1, 0, m('LoRA', 'Init seed', 'Seed of the random A matrices (B starts at zero).')),
  }).prefault({}),
  optim: z.strictObject({
    lr: num(0, 1, 1e-5, m('Optimizer', 'Learning rate', 'Peak AdamW learning rate of the LoRA weights.')),
    beta1: num(0, 0.9999, 0.9, m('Optimizer', 'β1', 'AdamW first-moment decay.')),
    beta2: num(0, 0.99999, 0.99, m('Optimizer', 'β2', 'AdamW second-moment decay.')),
    eps: num(1e-12, 1e-3, 1e-8, m('Optimizer', 'ε', 'AdamW epsilon.')),
    weightDecay: num(0, 1, 0, m('Optimizer', 'Weight decay', 'Decoupled weight decay on LoRA weights.')),
    maxGradNorm: num(0, 1000, 1, m('Optimizer', 'Max grad norm', 'Global gradient-norm clip; 0 disables.')),
    schedule: z.enum(['constant', 'cosine', 'linear']).default('constant').meta(m('Optimizer', 'LR schedule', 'Decay after warmup.')),
    warmupSteps: int(0, 1_000_000, 0, m('Optimizer', 'LR warmup', 'Linear warmup of the learning rate.', 'steps')),
  }).prefault({}),
  rollout: z.strictObject({
    groupSize: int(1, 256, 8, m('Rollout', 'Group size G', 'Completions sampled per prompt (CLIPO improves with G; 16 if memory allows).')),
    promptsPerStep: int(1, 4096, 16, m('Rollout', 'Prompts per step', 'Prompts drawn per RL step.')),
    temperature: num(0, 4, 1, m('Rollout', 'Temperature', 'Sampling temperature (1.0 keeps π_old exact).')),
    topP: num(0.01, 1, 1, m('Rollout', 'Top-p', 'Nucleus sampling; 1 disables (recommended for RL).')),
    maxTokens: int(1, 65536, 512, m('Rollout', 'Max new tokens', 'Completions longer than this are truncated.', 'tokens')),
    stop: z.array(z.string().min(1)).max(16).default([]).meta(m('Rollout', 'Stop sequences', 'Text that ends a completion (end-of-turn tokens always do).')),
  }).prefault({}),
  training: z.strictObject({
    steps: int(0, 1_000_000, 200, m('Training', 'Steps', 'RL steps (rollout batch + update); 0 with SFT enabled = an SFT-only run.', 'steps')),
    updatesPerBatch: int(1, 64, 1, m('Training', 'Updates per batch', 'Optimizer steps per rollout batch (mini-batches); >1 makes later ones off-policy.')),
    tokenBudget: int(16, 1_000_000, 2048, m('Training', 'Micro-batch tokens', 'Tokens per engine micro-batch; lower it if memory runs out.', 'tokens')),
    checkpointEvery: int(1, 1_000_000, 25, m('Training', 'Checkpoint every', 'Steps between checkpoints (also on stop).', 'steps')),
    seed: int(0, 2 ** 31 - 1, 1, m('Training', 'Seed', 'Run seed: data order and per-completion sampling seeds derive from it.')),
  }).prefault({}),
  hardware: z.strictObject({
    backend: z.enum(['auto', 'cpu', 'cuda', 'metal', 'vulkan']).default('auto').meta(m('Hardware', 'Backend', 'auto picks CUDA, Metal or Vulkan when present, else CPU. Vulkan runs on AMD, Intel and NVIDIA GPUs (Linux, Windows).')),
    threads: int(0, 256, 0, m('Hardware', 'CPU threads', '0 = one per physical core, leaving one free.')),
  }).prefault({}),
});

// The schema's output and the contract's Recipe must be the same type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const _schemaMatchesContract: Equal<z.output<typeof recipeSchema>, Recipe> = true;
void _schemaMatchesContract;
