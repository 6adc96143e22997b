/**
 * Prompt and solution tokens of arith-word rows for the reasoning model, with
 * node-llama-cpp's tokenizer. The prompt is what the trainer renders for a run
 * (renderPromptTokens: ChatML from the GGUF's template, the task's 'boxed'
 * suffix, no system prompt), built here directly from the template's pieces:
 * resolving node-llama-cpp's chat wrapper costs ~0.3 s a call, too slow for
 * thousands of rows. test/models/reasonerVocab.test.ts checks both agree.
 */
import type { LlamaModel } from 'node-llama-cpp';
import { promptStyles } from '../../data/promptStyles.js';
import type { TaskRow } from '../../data/types.js';
import { REASONER_SPECIALS as S } from '../../models/reasoner/reasonerVocab.js';
import { userText } from '../rollout/renderPrompt.js';

export interface ReasonerTokenizer {
  prompt(question: string): number[];
  /** Solution tokens followed by <|im_end|> (SFT's target: the model learns to stop). */
  target(solution: string): number[];
}

export function reasonerTokenizer(model: LlamaModel): ReasonerTokenizer {
  const tok = (s: string): number[] => model.tokenize(s, false) as number[];
  const nl = tok('\n');
  const assistant = tok('assistant\n');
  return {
    prompt: (question) => [S.bos, S.imStart, ...tok(`user\n${userText({ systemPrompt: '', question, suffix: promptStyles.boxed.suffix })}`),
      S.imEnd, ...nl, S.imStart, ...assistant],
    target: (solution) => [...tok(solution), S.imEnd],
  };
}

export function rowSolutionText(row: TaskRow): string {
  const s = row.meta['solution'];
  if (typeof s !== 'string') throw new Error(`row ${row.id} has no worked solution`);
  return s;
}
