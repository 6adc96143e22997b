/**
 * Prompt lengths in tokens for one model, rendered exactly as training renders
 * them (renderPromptTokens: the model's chat template via node-llama-cpp, or
 * raw text without one). The model is loaded vocabulary-only (node-llama-cpp
 * `vocabOnly`: the tokenizer and metadata, no weights), so measuring a dataset
 * costs seconds and little memory even for a large model. Runs in a tool
 * process (toolMain.ts), never in the UI process.
 */
import type { Llama } from 'node-llama-cpp';
import { loadLlama } from './rollout/loadLlama.js';
import { renderPromptTokens, type PromptParts } from './rollout/renderPrompt.js';

export interface PromptStatsResult { lengths: number[]; rendered: string[] }

/** How many rendered prompts come back as text (the page shows the first). */
const RENDERED = 3;

export async function promptStats(o: { modelPath: string; prompts: PromptParts[]; chatTemplate: 'auto' | 'none'; llama?: Llama }): Promise<PromptStatsResult> {
  const llama = o.llama ?? await loadLlama('cpu', 1);
  const model = await llama.loadModel({ modelPath: o.modelPath, vocabOnly: true });
  try {
    const lengths: number[] = [];
    const rendered: string[] = [];
    for (const p of o.prompts) {
      const tokens = renderPromptTokens(model, p, o.chatTemplate);
      lengths.push(tokens.length);
      // Special tokens shown as text: the template's markers are what the page must show.
      if (rendered.length < RENDERED) rendered.push(model.detokenize(tokens as never, true));
    }
    return { lengths, rendered };
  } finally {
    await model.dispose();
    if (!o.llama) await llama.dispose();
  }
}
