/**
 * Held-out accuracy during SFT: the first `n` rows of the task's held-out split,
 * answered greedily (temperature 0) by node-llama-cpp with the current adapter
 * and checked by the run's own verifiers, i.e. pass@1 as RL will be rewarded.
 * Built-in tasks only (a JSONL dataset has no held-out split here).
 */
import type { DataSource, Recipe } from '../../api/contract/index.js';
import type { TaskRow } from '../../data/types.js';
import { scoreCompletion, type RewardSpec } from '../../rl/verifiers/scoreCompletion.js';
import { builtinPool } from '../loadTaskRows.js';
import type { RolloutSampler } from '../rollout/RolloutSampler.js';

export function heldoutRows(source: DataSource, n: number): TaskRow[] {
  if (source.kind !== 'builtin' || n <= 0) return [];
  // The split loadTaskRows trains on, then the first other one (arith-word: test; tiny-demo: test).
  const { task, split: trainSplit } = builtinPool(source);
  const split = task.splits.find((s) => s !== trainSplit);
  if (!split) return [];
  return Array.from({ length: n }, (_, i) => task.row(0, split, i));
}

export async function heldoutAccuracy(recipe: Recipe, rows: TaskRow[], sampler: RolloutSampler,
  promptTokens: (row: TaskRow) => number[], signal: AbortSignal): Promise<number | null> {
  if (rows.length === 0) return null;
  let correct = 0;
  const settings = { temperature: 0, topP: 1, maxTokens: recipe.rollout.maxTokens, stop: recipe.rollout.stop };
  for (const row of rows) {
    const [c] = await sampler.sampleGroup(promptTokens(row), [0], settings, signal);
    if (signal.aborted || !c) return null;
    const s = scoreCompletion(recipe.reward as RewardSpec, {
      completion: c.text, answer: row.answer, ...(row.choices ? { choices: row.choices } : {}),
      completionTokens: c.tokens.length, maxTokens: recipe.rollout.maxTokens, truncated: c.finishReason === 'length',
    });
    correct += s.correct ? 1 : 0;
  }
  return correct / rows.length;
}
