/**
 * The recipe: everything that defines a training run. One versioned shape
 * shared by the UI form, the CLI and the trainer. The validating schema (with
 * defaults, units, help text and bounds) lives in main/recipes/recipeSchema.ts;
 * a compile-time check there keeps it and this type identical.
 */
export const RECIPE_VERSION = 1 as const;

export type ObjectiveName =
  | 'grpo' | 'drgrpo' | 'dapo' | 'gspo' | 'gmpo' | 'cispo' | 'sapo' | 'conspo' | 'disco';
export type AdvantageName = 'grpo' | 'drgrpo' | 'batch' | 'rloo';
export type AggregationName = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum' | 'constant-normalised';
export type KlEstimatorName = 'k1' | 'k2' | 'k3' | 'k3+';
export type ContrastiveLossName = 'infonce' | 'supcon-out' | 'supcon-in' | 'softnn';
export type LoraTarget = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';
export type BackendName = 'auto' | 'cpu' | 'cuda' | 'metal' | 'vulkan';

/** Built-in models: 'tiny-demo' is generated on first use (tests, the SFT demo); 'arith-reasoner' is committed (models/reasoner). */
export type BuiltinModelName = 'tiny-demo' | 'arith-reasoner';

export type ModelSource =
  | { kind: 'builtin'; name: BuiltinModelName }
  | { kind: 'file'; path: string };

/** How a dataset's answer column holds the ground truth (main/data/answerFormats.ts). */
export type AnswerFormat = 'text' | 'gsm8k' | 'boxed' | 'choice-index';
/** Dotted paths into each record: question and answer are required. */
export interface FieldMap { question: string; answer: string; choices?: string; id?: string; answerFormat?: AnswerFormat }
export type DatasetFormat = 'jsonl' | 'csv' | 'parquet';

/** The largest DataSource.maxRows: a built-in task's pool is generated in memory up to this size. */
export const MAX_DATA_ROWS = 1_000_000;

/**
 * maxRows (every kind): train on the first N usable rows only (after malformed rows are skipped), like
 * LLaMA-Factory's max_samples or TRL's dataset.select(range(N)). A small pool is seen several times in a
 * short run, so the reward on it can rise within minutes (the reasoning demo); evaluations ignore it.
 */
export type DataSource =
  | { kind: 'builtin'; task: string; split?: 'train' | 'heldout'; maxRows?: number }
  | {
      kind: 'jsonl';
      path: string;
      /** Dotted paths into each row: question and answer are required. */
      /** solution: a worked solution / reference response per row, what SFT teaches (sft.target 'auto' | 'solution'). */
      fields: { question: string; answer: string; choices?: string; id?: string; solution?: string };
      maxRows?: number;
    }
  | {
      /** One split of an imported dataset (datasets.list gives it ready-made): its files, read with its mapping. */
      kind: 'dataset';
      name: string;
      split: string;
      format: DatasetFormat;
      files: string[];
      fields: FieldMap;
      maxRows?: number;
    };

export interface RewardComponentSpec {
  /** A verifier registered in main/rl/verifiers (boxedMath, gsm8k, multipleChoice, format, overlong, exactMatch, ...). */
  name: string;
  weight: number;
  params?: Record<string, unknown>;
}

export interface ClipoSettings {
  enabled: boolean;
  head: 'linear' | 'mlp';
  outputSize: number;
  loss: ContrastiveLossName;
  temperature: number;
  lambda: number;
  lr: number;
  weightDecay: number;
  /** RL steps during which only the head trains (paper: about one epoch). */
  warmupSteps: number;
  /** CLIPO-fixed ablation: a frozen random projection. */
  frozenHead: boolean;
}

/**
 * Supervised fine-tuning phase: next-token loss on the target (answer) tokens of
 * each row, prompt tokens masked, before any RL step, on the same LoRA adapter
 * (docs/DESIGN.md "Supervised fine-tuning"). With training.steps = 0 the run is
 * SFT only.
 */
export interface SftSettings {
  enabled: boolean;
  /** Optimizer steps of SFT; they come first, RL's training.steps follow. */
  steps: number;
  /** Rows per SFT step (one optimizer step over their answer tokens, token-mean). */
  batchSize: number;
  lr: number;
  warmupSteps: number;
  schedule: 'constant' | 'cosine' | 'linear';
  /**
   * What the model is taught to write: 'auto' = the row's worked solution when the
   * data has one (meta.solution), else the answer in the verifier's form (\boxed{…}
   * for boxed verifiers); 'solution' | 'boxed' | 'answer' force one.
   */
  target: 'auto' | 'solution' | 'boxed' | 'answer';
  /** Held-out rows scored greedily through the run's verifier every evalEvery SFT steps (0 = off). */
  evalRows: number;
  evalEvery: number;
  /**
   * 'lora' (default): SFT trains the LoRA adapter, RL continues on it. 'full': every model tensor
   * (small models, ≤ 64M parameters); an SFT-only run (training.steps 0) exported as merged-gguf.
   */
  params: 'lora' | 'full';
}

export interface Recipe {
  version: typeof RECIPE_VERSION;
  name: string;
  model: ModelSource;
  data: DataSource;
  prompt: { systemPrompt: string; suffix: string; chatTemplate: 'auto' | 'none' };
  reward: { components: RewardComponentSpec[] };
  algorithm: {
    objective: ObjectiveName;
    advantage: AdvantageName;
    aggregation: AggregationName;
    clipLow: number;
    clipHigh: number;
    dualClip: number;
    klCoef: number;
    klEstimator: KlEstimatorName;
    /** DAPO dynamic sampling: drop zero-variance groups and refill. */
    dynamicSampling: boolean;
    /** ConSPO: score temperature τ, margin M, schedule fraction α. */
    conspo: { tau: number; margin: number; alpha: number };
    /** Truncated importance sampling π_old/π_sampler on the policy term (TRL vllm_importance_sampling_correction, verl rollout IS). */
    rolloutCorrection: { enabled: boolean; level: 'token' | 'sequence'; cap: number };
    clipo: ClipoSettings;
  };
  sft: SftSettings;
  lora: { rank: number; alpha: number; targets: LoraTarget[]; seed: number };
  optim: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    maxGradNorm: number;
    schedule: 'constant' | 'cosine' | 'linear';
    warmupSteps: number;
  };
  rollout: {
    groupSize: number;
    promptsPerStep: number;
    temperature: number;
    topP: number;
    maxTokens: number;
    stop: string[];
  };
  training: {
    steps: number;
    updatesPerBatch: number;
    /** Tokens per engine micro-batch. */
    tokenBudget: number;
    checkpointEvery: number;
    seed: number;
  };
  hardware: { backend: BackendName; threads: number };
}

/** A recipe as a user or preset writes it: any part may be left to its default. */
export type RecipeInput = DeepPartial<Recipe> & { name?: string };
export type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
