/**
 * `clipo eval` / `runs.evaluate`: pass@1, avg@k and pass@k of the base model or
 * a checkpoint on an evaluation dataset (docs/EXPORT.md, "Evaluation"). Samples
 * with node-llama-cpp exactly as training renders and scores prompts (the run's
 * prompt settings and reward spec); `correct` is the verifier's judgement.
 * Streaming and resumable: problems are read one at a time and each result is
 * appended to a progress file (main/eval/evalProgress.ts), so a stopped
 * evaluation continues where it stopped and memory stays bounded. The
 * aggregate rows go to the evaluations table once, when the last problem is done.
 */
import { questionText } from '../../data/buildMessages.js';
import { join, basename } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Llama } from 'node-llama-cpp';
import { EngineModel } from '../../../engine/index.js';
import { shownStep, type DataSource, type Recipe } from '../../api/contract/index.js';
import { evalDataset } from '../../eval/evalDataset.js';
import { EvalProgressFile, progressKey } from '../../eval/evalProgress.js';
import { PassAtKAccumulator } from '../../eval/passAtK.js';
import type { Perturbation } from '../../data/tasks/perturbArithWord.js';
import { parseRecipe } from '../../recipes/index.js';
import { defaultRewardFor } from '../../rewards/defaultReward.js';
import { describeGrading } from '../../rewards/describeGrading.js';
import { prepareRewardSpec } from '../../rewards/quickjsRunner.js';
import { scoreCompletion, type RewardSpec } from '../../rl/verifiers/scoreCompletion.js';
import type { Evaluation, Store } from '../../store/index.js';
import { resolveModelPath } from '../resolveModelPath.js';
import { loadLlama } from '../rollout/loadLlama.js';
import { renderPromptTokens } from '../rollout/renderPrompt.js';
import { RolloutSampler } from '../rollout/RolloutSampler.js';
import { deriveSeed } from '../seeds.js';

export interface EvaluateOptions {
  store: Store;
  dataDir: string;
  /** the run whose checkpoints (and prompt/reward settings) are evaluated; null with `model` for a bare model */
  runId: number | null;
  /** a bare GGUF model (no run): evaluated with `bareModelRecipe` settings, stored with run_id NULL */
  model?: { path: string; maxTokens?: number };
  checkpoint: 'base' | 'latest' | number;
  dataset: DataSource & { perturb?: Perturbation; splitName?: string };
  k: number;
  /**
   * Samples per problem at temperature > 0 (default k). With samples n > k,
   * pass@k is the unbiased estimate from n samples (Chen et al. 2021, eq. 1),
   * less noisy than drawing exactly k.
   */
  samples?: number;
  temperature: number;
  limit?: number;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number | null; correct: number; samples: number }) => void;
  /** grade with this reward instead of the run's own (the default) */
  reward?: RewardSpec;
  /** reuse a loaded node-llama-cpp (tests); else one is loaded and disposed */
  llama?: Llama;
}

export interface EvaluateResult {
  complete: boolean;
  /** problems evaluated so far (including earlier, resumed runs) */
  problems: number;
  metrics: { 'pass@1': number; 'avg@k': number; 'pass@k': number };
  /** evaluation rows of this (checkpoint, dataset, split) in the store */
  rows: Evaluation[];
  checkpointStep: number | null;
  progressPath: string;
  /** which reward graded it, e.g. "gsm8k (the run's own reward)" */
  gradedBy: string;
}


/** Top-p used when sampling at temperature > 0 (ConSPO/CLIPO evaluation convention: T 0.6, top-p 0.95). */
export const EVAL_TOP_P = 0.95;

/**
 * Settings for evaluating a bare model (no run): its own chat template (none for
 * the tiny demo task, whose model has no real one), the task's prompt suffix, and
 * the verifier that fits the dataset (exactMatch for tiny-demo, boxedMath otherwise).
 */
export function bareModelRecipe(path: string, dataset: DataSource, maxTokens?: number): Recipe {
  const tiny = dataset.kind === 'builtin' && dataset.task === 'tiny-demo';
  return parseRecipe({
    name: 'bare model evaluation', model: { kind: 'file', path }, data: { kind: 'builtin', task: 'tiny-demo' },
    prompt: tiny ? { chatTemplate: 'none', suffix: '', systemPrompt: '' } : { chatTemplate: 'auto', suffix: "Let's think step by step and output the final answer within \\boxed{}.", systemPrompt: '' },
    reward: { components: defaultRewardFor(dataset).components },
    rollout: { maxTokens: maxTokens ?? (tiny ? 2 : 1024) },
  });
}
const EVAL_SEED = 0x5eed;
const err = (message: string, code: string) => Object.assign(new Error(message), { code });

export async function evaluateRun(o: EvaluateOptions): Promise<EvaluateResult> {
  if (!Number.isInteger(o.k) || o.k < 1) throw err('k must be a positive integer', 'invalid_argument');
  if (!(o.temperature >= 0)) throw err('temperature must be ≥ 0', 'invalid_argument');
  if (o.samples !== undefined && (!Number.isInteger(o.samples) || o.samples < o.k)) throw err('samples must be a whole number ≥ k', 'invalid_argument');
  if (o.runId === null && !o.model) throw err('evaluate needs a run or a model file', 'invalid_argument');
  const recipe: Recipe = o.runId !== null ? parseRecipe(JSON.parse(o.store.runs.get(o.runId).recipeJson)) : bareModelRecipe(o.model!.path, o.dataset, o.model!.maxTokens);
  // The run's own reward unless the caller picked another (issue 14: evaluation once used a different verifier than training).
  const reward: RewardSpec = o.reward ?? (recipe.reward as RewardSpec);
  const gradedBy = describeGrading(reward, o.reward !== undefined);
  await prepareRewardSpec(reward);
  const modelPath = resolveModelPath(recipe, o.dataDir);
  let step: number | null = null;
  let ckPath: string | null = null;
  if (o.checkpoint !== 'base' && o.runId !== null) {
    const cks = o.store.checkpoints.list(o.runId);
    const ck = o.checkpoint === 'latest' ? cks.at(-1) : cks.find((c) => c.step === o.checkpoint);
    if (!ck) throw err(cks.length ? `run ${o.runId} has no checkpoint after step ${shownStep(o.checkpoint as number)}; checkpoints after steps ${cks.map((c) => shownStep(c.step)).join(', ')}` : `run ${o.runId} has no checkpoint yet`, 'not_found');
    step = ck.step;
    ckPath = ck.path;
  }
  const ds = evalDataset(o.dataset);
  const greedy = o.temperature === 0;
  const n = greedy ? 1 : o.samples ?? o.k; // greedy decoding gives one answer per problem
  const passK = greedy ? 1 : o.k;
  const evalDir = o.runId !== null ? join(o.dataDir, 'runs', String(o.runId), 'eval') : join(o.dataDir, 'eval');
  mkdirSync(evalDir, { recursive: true });
  const key = progressKey({ run: o.runId, model: o.runId === null ? modelPath : undefined, step, ds: ds.key, n, t: o.temperature, limit: o.limit ?? null, passK: o.samples !== undefined ? passK : undefined, prompt: recipe.prompt, reward, maxTokens: recipe.rollout.maxTokens, stop: recipe.rollout.stop });
  const progress = new EvalProgressFile(join(evalDir, `${key}.jsonl`));
  const modelLabel = step === null ? basename(modelPath) : `${basename(modelPath)}+run${o.runId}@step${step}`;
  const stored = () => (o.runId !== null ? o.store.evaluations.ofRun(o.runId) : o.store.evaluations.ofModel(modelLabel, ds.name))
    .filter((e) => e.checkpointStep === step && e.dataset === ds.name && e.split === ds.split && e.model === modelLabel);
  const summarize = () => {
    const acc = new PassAtKAccumulator(passK);
    for (const p of progress.done.values()) acc.add(p);
    return acc;
  };
  if (progress.complete) {
    const acc = summarize();
    return { complete: true, problems: acc.problems, metrics: acc.metrics(), rows: stored(), checkpointStep: step, progressPath: progress.path, gradedBy };
  }

  // The adapter of the checkpoint, as a GGUF file node-llama-cpp loads (unique path per step).
  // A full-parameter checkpoint (recipe.sft.params 'full') is a whole model: sample from its GGUF, no adapter.
  let adapterPath: string | null = null;
  let samplerModel = modelPath;
  if (ckPath) {
    adapterPath = join(evalDir, `adapter-step-${step}.gguf`);
    const engine = await EngineModel.open(modelPath, { threads: 1 });
    try {
      await engine.loadState(join(ckPath, 'engine.state'));
      if (engine.info.trainable === 'full') {
        samplerModel = join(evalDir, `model-step-${step}.gguf`);
        await engine.full.saveGguf(samplerModel, { type: 'f32' });
        adapterPath = null;
      } else {
        await engine.lora.save(adapterPath, 'gguf');
      }
    } finally {
      await engine.dispose();
    }
  }
  const threads = o.threads ?? Math.max(1, recipe.hardware.threads || 1);
  const llama = o.llama ?? await loadLlama(recipe.hardware.backend, threads);
  const group = Math.min(n, 16);
  let sampler: RolloutSampler | null = null;
  try {
    sampler = await RolloutSampler.open({ llama, modelPath: samplerModel, groupSize: group, contextSize: Math.min(4096, 1024 + recipe.rollout.maxTokens), threads });
    await sampler.setAdapter(adapterPath);
    const settings = { temperature: o.temperature, topP: greedy ? 1 : EVAL_TOP_P, maxTokens: recipe.rollout.maxTokens, stop: recipe.rollout.stop };
    const total = o.dataset.kind === 'builtin' ? (o.limit ?? null) ?? 200 : o.limit ?? null;
    let i = -1;
    let correct = 0, samples = 0;
    for (const p of progress.done.values()) { correct += p.c; samples += p.n; }
    for await (const row of ds.rows(o.limit)) {
      i++;
      if (progress.done.has(i)) continue;
      if (o.signal?.aborted) break;
      const tokens = renderPromptTokens(sampler.llamaModel, { systemPrompt: recipe.prompt.systemPrompt, question: questionText(row), suffix: recipe.prompt.suffix }, recipe.prompt.chatTemplate);
      let c = 0;
      for (let j0 = 0; j0 < n; j0 += group) {
        const seeds = Array.from({ length: Math.min(group, n - j0) }, (_, j) => deriveSeed(EVAL_SEED, i, j0 + j));
        const outs = await sampler.sampleGroup(tokens, seeds, settings, o.signal);
        for (const out of outs) {
          const s = scoreCompletion(reward, {
            completion: out.text, answer: row.answer, ...(row.choices ? { choices: row.choices } : {}),
            completionTokens: out.tokens.length, maxTokens: recipe.rollout.maxTokens, truncated: out.finishReason === 'length',
          });
          if (s.correct) c++;
        }
      }
      if (o.signal?.aborted) break; // a half-sampled problem is not recorded
      progress.add({ i, n, c });
      correct += c;
      samples += n;
      o.onProgress?.({ done: progress.done.size, total, correct, samples });
    }
    const acc = summarize();
    if (o.signal?.aborted) return { complete: false, problems: acc.problems, metrics: acc.metrics(), rows: stored(), checkpointStep: step, progressPath: progress.path, gradedBy };
    const m = acc.metrics();
    const base = { runId: o.runId, checkpointStep: step, model: modelLabel, dataset: ds.name, split: ds.split, n: acc.problems };
    const tx = [
      // greedy accuracy and the sampled estimate are different quantities: keep them apart in the table
      { metric: greedy ? 'pass@1-greedy' : 'pass@1', k: 1, value: m['pass@1'] },
      ...(n > 1 ? [{ metric: 'avg@k', k: n, value: m['avg@k'] }, { metric: 'pass@k', k: passK, value: m['pass@k'] }] : []),
    ];
    for (const r of tx) o.store.evaluations.add({ ...base, ...r });
    progress.markComplete();
    return { complete: true, problems: acc.problems, metrics: m, rows: stored(), checkpointStep: step, progressPath: progress.path, gradedBy };
  } finally {
    await sampler?.dispose();
    if (!o.llama) await llama.dispose();
  }
}
