/**
 * Greedy pass@1 of a model GGUF on arith-word rows, sampled by node-llama-cpp
 * (the product's sampler) and graded by the task's own reward (gsm8k, strict:
 * the boxed integer must equal the answer).
 */
import type { LlamaModel, Token } from 'node-llama-cpp';
import { arithWord } from '../../data/tasks/arithWord.js';
import type { TaskRow } from '../../data/types.js';
import { scoreCompletion, type RewardSpec } from '../../rl/verifiers/scoreCompletion.js';
import type { ReasonerTokenizer } from './reasonerTokens.js';

export interface SplitScore { rows: number; passAt1: number; meanTokens: number; truncated: number }

export async function greedyPassAt1(model: LlamaModel, tk: ReasonerTokenizer, rows: readonly TaskRow[], maxTokens = 128): Promise<SplitScore> {
  const ctx = await model.createContext({ contextSize: 256, sequences: 1, threads: 1 });
  const seq = ctx.getSequence();
  const reward = arithWord.defaultReward as unknown as RewardSpec;
  let correct = 0, tokens = 0, truncated = 0;
  try {
    for (const row of rows) {
      await seq.clearHistory();
      const out: Token[] = [];
      // node-llama-cpp ends the generator itself at an end-of-generation token (without yielding it)
      for await (const t of seq.evaluate(tk.prompt(row.question) as Token[], { temperature: 0 })) {
        if (model.isEogToken(t)) break;
        out.push(t);
        if (out.length >= maxTokens) break;
      }
      const stopped = out.length < maxTokens;
      const text = model.detokenize(out);
      const s = scoreCompletion(reward, { completion: text, answer: row.answer, completionTokens: out.length, maxTokens, truncated: !stopped });
      correct += s.correct ? 1 : 0;
      tokens += out.length;
      truncated += stopped ? 0 : 1;
    }
  } finally {
    await ctx.dispose();
  }
  return { rows: rows.length, passAt1: correct / rows.length, meanTokens: tokens / rows.length, truncated };
}
