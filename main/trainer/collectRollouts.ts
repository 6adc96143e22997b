/**
 * The rollout phase of a step: render prompts, sample G completions each with
 * the current adapter (all prompts of a round together: RolloutSampler.sampleGroups),
 * score them with the recipe's verifiers. With DAPO's dynamic sampling, groups whose rewards are all equal are dropped and more
 * prompts are drawn (up to 3 rounds) until the batch is full.
 */
import { performance } from 'node:perf_hooks';
import type { Recipe } from '../api/contract/index.js';
import { filterGroups } from '../rl/objectives/dynamicSampling.js';
import { scoreCompletion, type RewardSpec } from '../rl/verifiers/scoreCompletion.js';
import type { TaskRow } from '../data/types.js';
import type { PromptCursor } from './PromptCursor.js';
import type { RolloutSampler, SampledCompletion } from './rollout/RolloutSampler.js';
import { completionSeed } from './seeds.js';

export interface RolloutGroup {
  row: TaskRow;
  promptText: string;
  promptTokens: number[];
  completions: (SampledCompletion & { reward: number; correct: boolean; components: Record<string, number>; reasons: Record<string, string> })[];
}

export interface RolloutPhase {
  groups: RolloutGroup[];
  /** Milliseconds spent inside node-llama-cpp sampling. */
  samplerMs: number;
  droppedGroups: number;
  generatedTokens: number;
  aborted: boolean;
}

export interface RolloutDeps {
  recipe: Recipe;
  rows: TaskRow[];
  cursor: PromptCursor;
  sampler: RolloutSampler;
  render: (row: TaskRow) => { text: string; tokens: number[] };
  signal: AbortSignal;
}

const MAX_DYNAMIC_ROUNDS = 3;

export async function collectRollouts(d: RolloutDeps, step: number): Promise<RolloutPhase> {
  const { recipe } = d;
  const P = recipe.rollout.promptsPerStep;
  const G = recipe.rollout.groupSize;
  const settings = { temperature: recipe.rollout.temperature, topP: recipe.rollout.topP, maxTokens: recipe.rollout.maxTokens, stop: recipe.rollout.stop };
  const groups: RolloutGroup[] = [];
  let dropped = 0;
  let generated = 0;
  let samplerMs = 0;
  for (let round = 0; round < (recipe.algorithm.dynamicSampling ? MAX_DYNAMIC_ROUNDS : 1) && groups.length < P; round++) {
    // Every prompt of the round is sampled together (shared decode batches, each prompt evaluated once).
    const picked = d.cursor.take(P - groups.length).map((rowIndex) => ({ row: d.rows[rowIndex]!, prompt: d.render(d.rows[rowIndex]!) }));
    // Seeds depend on the prompt's position in the step, so reruns after resume sample identically.
    const requests = picked.map((p, k) => ({
      promptTokens: p.prompt.tokens,
      seeds: Array.from({ length: G }, (_, i) => completionSeed(recipe.training.seed, step, groups.length + k + round * P, i)),
    }));
    const ts = performance.now();
    const sampled = await d.sampler.sampleGroups(requests, settings, d.signal);
    samplerMs += performance.now() - ts;
    if (d.signal.aborted) return { groups, samplerMs, droppedGroups: dropped, generatedTokens: generated, aborted: true };
    const fresh: RolloutGroup[] = picked.map(({ row, prompt }, k) => ({
      row, promptText: prompt.text, promptTokens: prompt.tokens, completions: sampled[k]!.map((c) => {
        generated += c.tokens.length;
        const s = scoreCompletion(recipe.reward as RewardSpec, {
          completion: c.text, answer: row.answer, ...(row.choices ? { choices: row.choices } : {}),
          completionTokens: c.tokens.length, maxTokens: recipe.rollout.maxTokens, truncated: c.finishReason === 'length',
        });
        const components = Object.fromEntries(Object.entries(s.components).map(([k2, v]) => [k2, v.value]));
        const reasons = Object.fromEntries(Object.entries(s.components).map(([k2, v]) => [k2, v.reason]));
        return { ...c, reward: s.total, correct: s.correct, components, reasons };
      }),
    }));
    if (!recipe.algorithm.dynamicSampling) { groups.push(...fresh); break; }
    // DAPO filters on the rule accuracy (docs/ALGORITHMS.md, open question 9).
    const acc = fresh.flatMap((g) => g.completions.map((c) => (c.correct ? 1 : 0)));
    const gi = Int32Array.from(fresh.flatMap((g, i) => g.completions.map(() => i)));
    const kept = filterGroups(acc, gi, fresh.length, P - groups.length);
    dropped += kept.droppedGroups;
    for (const i of kept.keptGroups) groups.push(fresh[i]!);
  }
  return { groups, samplerMs, droppedGroups: dropped, generatedTokens: generated, aborted: false };
}
