/**
 * recipes.preflight: validates a recipe and estimates what a training step
 * costs before anything starts. The estimate is a documented rough model, not
 * a measurement; the UI shows it as "about".
 *
 * Memory (bytes), in engine.reserve's categories (docs/ENGINE.md, Backends):
 *  - weights: the GGUF file size (the engine keeps frozen weights in the file's type);
 *  - LoRA: rank × (d_in + d_out) per target per layer, × 16 bytes (param, grad,
 *    Adam m and v in F32); full-parameter SFT (sft.params 'full'): weights 4 bytes per parameter (F32)
 *    and 12 bytes per parameter of gradients + moments in place of the adapter;
 *  - activations: what one layer keeps for its backward at T = tokenBudget tokens,
 *    4·T·(4·d + 3·q + 4·kv + 3·ff + n_head·T) bytes (engine_net_layer_saved_bytes), × n_layer when
 *    that stays under 1 GiB, else the engine recomputes each layer (layer inputs 4·T·d each + one
 *    layer's working set); ×3 for the backward's transients; plus the chunked vocab head (~96 MiB);
 *  - sampler KV cache (F32): 2 × n_layer × n_kv_heads × head_dim × (prompt + maxTokens) × groupSize × 4.
 * Time per step: tokens per step / a tokens-per-second constant scaled by model
 * size (CPU_TOKENS_PER_SEC_1B for a 1B model, measured order of magnitude on a
 * laptop CPU), × (1 + updatesPerBatch) for rollout + scoring + updates.
 */
import { statSync } from 'node:fs';
import type { PreflightReport, Recipe, RecipeInput } from '../api/contract/index.js';
import { inspectGguf, tinyVocab, type GgufModelSummary } from '../models/gguf/index.js';
import { validateRecipe } from '../recipes/index.js';
import { TINY_DEMO_MODEL } from '../trainer/resolveModelPath.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Prompt tokens assumed when the dataset is not tokenised yet. */
export const ASSUMED_PROMPT_TOKENS = 128;
/** Tokens per second (sampling + scoring) on a CPU for a 1B-parameter model; scaled inversely by size. */
export const CPU_TOKENS_PER_SEC_1B = 60;

export interface ModelDims {
  nLayer: number; dModel: number; nHead: number; nHeadKv: number; nFf: number; vocab: number;
  fileBytes: number; parameterCount: number;
}

function dimsOf(s: GgufModelSummary, fileBytes: number): ModelDims {
  const dModel = s.dModel ?? 896;
  return {
    nLayer: s.nLayer ?? 24, dModel, nHead: s.nHead ?? 14, nHeadKv: s.nHeadKv ?? s.nHead ?? 2,
    nFf: s.nFf ?? dModel * 4, vocab: s.vocabSize ?? 151_936, fileBytes, parameterCount: s.parameterCount,
  };
}

/** Model dimensions for a recipe's model; null when the file cannot be read (validation says why). */
export function modelDims(recipe: Recipe): ModelDims | { error: string } {
  if (recipe.model.kind === 'builtin') {
    const t = TINY_DEMO_MODEL;
    const vocab = tinyVocab().tokens.length;
    const params = vocab * t.dModel + t.nLayer * (4 * t.dModel * t.dModel + 3 * t.dModel * t.nFf);
    return { nLayer: t.nLayer, dModel: t.dModel, nHead: t.nHead, nHeadKv: t.nHeadKv, nFf: t.nFf, vocab, fileBytes: params * 4, parameterCount: params };
  }
  try {
    const bytes = statSync(recipe.model.path).size;
    return dimsOf(inspectGguf(recipe.model.path), bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: `the model file ${recipe.model.path} is missing: add it again on the Model step (or the Models page), or pick another model` };
    if (code === 'EISDIR') return { error: `${recipe.model.path} is a folder, not a model file: choose the .gguf file inside it` };
    return { error: `cannot read the model file ${recipe.model.path}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function estimateStep(recipe: Recipe, d: ModelDims): NonNullable<PreflightReport['estimate']> & { parts: Record<string, number> } {
  const headDim = Math.max(1, Math.round(d.dModel / Math.max(1, d.nHead)));
  const kvDim = d.nHeadKv * headDim;
  // Weights: kept in the file's type by the engine (a transient F32 copy of one matrix at a time).
  const weights = recipe.sft.params === 'full' && recipe.sft.enabled && recipe.sft.steps > 0 ? d.parameterCount * 4 : d.fileBytes;
  // LoRA parameters per layer per target.
  const shape: Record<string, [number, number]> = {
    q: [d.dModel, d.dModel], k: [d.dModel, kvDim], v: [d.dModel, kvDim], o: [d.dModel, d.dModel],
    gate: [d.dModel, d.nFf], up: [d.dModel, d.nFf], down: [d.nFf, d.dModel],
  };
  let loraParams = 0;
  for (const t of recipe.lora.targets) {
    const s = shape[t];
    if (s) loraParams += recipe.lora.rank * (s[0] + s[1]) * d.nLayer;
  }
  // Full-parameter SFT (sft.params 'full'): every weight resident in F32 plus its gradient and two AdamW
  // moments (engine full.init), reported as weights (4 B/param) and adapter (12 B/param: gradients + moments).
  const full = recipe.sft.params === 'full' && recipe.sft.enabled && recipe.sft.steps > 0;
  const lora = full ? d.parameterCount * 12 : loraParams * 16;
  const T = recipe.training.tokenBudget;
  const qDim = d.nHead * headDim;
  const layerSaved = 4 * T * (4 * d.dModel + 3 * qDim + 4 * kvDim + 3 * d.nFf + d.nHead * T);
  const kept = layerSaved * d.nLayer <= GiB ? layerSaved * d.nLayer : d.nLayer * 4 * T * d.dModel + layerSaved;
  const activations = kept + 2 * layerSaved + 96 * MiB * Math.min(1, d.vocab / 152_000);
  const seq = ASSUMED_PROMPT_TOKENS + recipe.rollout.maxTokens;
  const kv = 2 * d.nLayer * kvDim * seq * recipe.rollout.groupSize * 4;
  const memoryParts = { weights: Math.round(weights), adapter: Math.round(lora), activations: Math.round(activations), samplerKv: Math.round(kv) };
  const memoryBytes = memoryParts.weights + memoryParts.adapter + memoryParts.activations + memoryParts.samplerKv;
  const completions = recipe.rollout.groupSize * recipe.rollout.promptsPerStep;
  const tokensPerStep = completions * seq;
  const tokPerSec = CPU_TOKENS_PER_SEC_1B * (1e9 / Math.max(d.parameterCount, 1e6));
  const generated = completions * recipe.rollout.maxTokens;
  // Sampling is per generated token; scoring and each update pass over every token.
  const secondsPerStep = generated / tokPerSec + (tokensPerStep * (1 + recipe.training.updatesPerBatch)) / (tokPerSec * 8);
  return { memoryBytes, secondsPerStep, tokensPerStep, memoryParts, parts: { weights, lora, activations, kv } };
}

export function preflightWarnings(recipe: Recipe): string[] {
  const w: string[] = [];
  const a = recipe.algorithm;
  if (a.objective === 'conspo' && recipe.training.updatesPerBatch > 1)
    w.push('ConSPO with more than one update per batch is off-policy after the first update; use updatesPerBatch = 1 unless you mean it.');
  if (a.clipo.enabled && recipe.rollout.groupSize < 6)
    w.push(`CLIPO with groups of ${recipe.rollout.groupSize} rarely has a valid anchor (two correct completions in a group); use a group size of 8 or more.`);
  if (recipe.rollout.groupSize < 2)
    w.push('A group size of 1 gives every completion zero advantage: nothing will be learned.');
  if (a.klCoef === 0 && a.objective !== 'disco' && recipe.training.steps > 500)
    w.push('No KL penalty over a long run: watch the KL and entropy charts for drift.');
  if (recipe.rollout.maxTokens > 2048)
    w.push(`maxTokens ${recipe.rollout.maxTokens} makes rollouts slow and memory-heavy on a CPU.`);
  return w;
}

/** What an earlier run of the same model measured (perf/enginePeakBytes, time/step). */
export interface StepMeasurement {
  runId: number;
  name: string;
  recipe: Recipe;
  peakBytes: number | null;
  secondsPerStep: number | null;
}

/**
 * Scales a measurement from an earlier run of this model to this recipe:
 * memory = its engine peak with the activation part re-estimated for this token
 * budget, plus this recipe's sampler KV cache; time = its median step time ×
 * (this recipe's tokens per step / that run's).
 */
export function scaleMeasurement(recipe: Recipe, d: ModelDims, m: StepMeasurement): Partial<NonNullable<PreflightReport['estimate']>> {
  const now = estimateStep(recipe, d), then = estimateStep(m.recipe, d);
  const out: Partial<NonNullable<PreflightReport['estimate']>> = {};
  if (m.peakBytes !== null && m.peakBytes > 0) {
    out.memoryBytes = Math.round(Math.max(0, m.peakBytes - then.parts.activations! + now.parts.activations!) + now.parts.kv!);
  }
  if (m.secondsPerStep !== null && m.secondsPerStep > 0) out.secondsPerStep = m.secondsPerStep * (now.tokensPerStep / Math.max(1, then.tokensPerStep));
  return out;
}

export function preflight(input: RecipeInput, measured?: (recipe: Recipe) => StepMeasurement | null): PreflightReport {
  const validation = validateRecipe(input);
  if (!validation.ok) return { validation, estimate: null, warnings: [] };
  const recipe = validation.recipe;
  // A file that is gone blocks Start here rather than failing the trainer after it queued the run.
  const data = recipe.data;
  const dataFiles = data.kind === 'jsonl' ? [data.path] : data.kind === 'dataset' ? data.files : [];
  const gone = dataFiles.find((f) => { try { return !statSync(f).isFile(); } catch { return true; } });
  if (gone !== undefined) {
    return { validation: { ok: false, errors: [{ field: data.kind === 'jsonl' ? 'data.path' : 'data.files', message: `the data file ${gone} is missing: import the dataset again on the Datasets page, or pick another one` }] }, estimate: null, warnings: [] };
  }
  const dims = modelDims(recipe);
  if ('error' in dims) {
    return { validation: { ok: false, errors: [{ field: 'model.path', message: dims.error }] }, estimate: null, warnings: [] };
  }
  const { memoryBytes, secondsPerStep, tokensPerStep, memoryParts } = estimateStep(recipe, dims);
  const m = measured?.(recipe) ?? null;
  const scaled = m ? scaleMeasurement(recipe, dims, m) : {};
  const basis = scaled.memoryBytes !== undefined || scaled.secondsPerStep !== undefined ? 'measured' : 'estimated';
  return {
    validation,
    estimate: {
      memoryBytes: scaled.memoryBytes ?? memoryBytes, secondsPerStep: scaled.secondsPerStep ?? secondsPerStep, tokensPerStep, memoryParts, basis,
      measuredRun: basis === 'measured' && m ? { id: String(m.runId), name: m.name } : undefined,
    },
    warnings: preflightWarnings(recipe),
  };
}
