/**
 * The playground's generation, in a tool process (toolMain.ts): one prompt
 * answered by the base model and by the base + a checkpoint's adapter, side by
 * side. Both panes get the same prompt tokens (the run's chat template, system
 * prompt and suffix: renderPromptTokens, as training renders them), the same
 * sampling settings and the same seed, each in its own node-llama-cpp context
 * (node-llama-cpp applies LoRA per context). Text is sent as it is generated,
 * bounded by maxTokens and a wall-clock limit, and stops on the signal.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import { EngineModel } from '../../../engine/index.js';
import type { Recipe } from '../../api/contract/index.js';
import { parseRecipe } from '../../recipes/index.js';
import type { Store } from '../../store/index.js';
import { resolveModelPath } from '../resolveModelPath.js';
import { loadLlama } from '../rollout/loadLlama.js';
import { renderPromptTokens } from '../rollout/renderPrompt.js';
import { endsWithStop, stopTailTokens } from '../rollout/stopStrings.js';

export type Pane = 'base' | 'adapter';
export type FinishReason = 'eos' | 'stop' | 'length' | 'time' | 'cancelled';

export interface PlaygroundRequest {
  store: Store;
  dataDir: string;
  runId: number;
  checkpoint: 'latest' | number;
  question: string;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
  /** Each pane stops after this long, whatever it has generated (default 120 s). */
  timeLimitMs?: number;
  signal?: AbortSignal;
  onText: (pane: Pane, text: string) => void;
  onDone: (pane: Pane, r: { finishReason: FinishReason; fullText: string; tokens: number }) => void;
}

const err = (message: string, code: string) => Object.assign(new Error(message), { code });

/** The checkpoint's adapter as a GGUF file node-llama-cpp loads (written once per checkpoint). */
async function adapterFile(o: PlaygroundRequest, modelPath: string): Promise<{ path: string; step: number }> {
  const cks = o.store.checkpoints.list(o.runId);
  const ck = o.checkpoint === 'latest' ? cks.at(-1) : cks.find((c) => c.step === o.checkpoint);
  if (!ck) {
    throw err(cks.length
      ? `run ${o.runId} has no checkpoint after step ${Number(o.checkpoint) + 1}; pick one of: ${cks.map((c) => c.step + 1).join(', ')}`
      : `run ${o.runId} has no checkpoint yet: the playground compares the base model with a saved adapter, so train until the first checkpoint`, 'not_found');
  }
  const dir = join(o.dataDir, 'runs', String(o.runId), 'playground');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `adapter-step-${ck.step}.gguf`);
  const engine = await EngineModel.open(modelPath, { threads: 1 });
  try {
    await engine.loadState(join(ck.path, 'engine.state'));
    await engine.lora.save(path, 'gguf');
  } finally {
    await engine.dispose();
  }
  return { path, step: ck.step };
}

async function generate(pane: Pane, model: LlamaModel, context: LlamaContext, prompt: number[], recipe: Recipe, o: PlaygroundRequest): Promise<void> {
  const seq = context.getSequence();
  const out: Token[] = [];
  let sent = '';
  let finishReason: FinishReason = 'length';
  const deadline = Date.now() + (o.timeLimitMs ?? 120_000);
  const stops = recipe.rollout.stop;
  const tail = stopTailTokens(stops);
  for await (const t of seq.evaluate(prompt as Token[], { temperature: o.temperature, topP: o.topP, seed: o.seed, yieldEogToken: true })) {
    if (o.signal?.aborted) { finishReason = 'cancelled'; break; }
    if (model.isEogToken(t)) { finishReason = 'eos'; break; }
    out.push(t);
    const text = model.detokenize(out);
    // A multi-byte character split across tokens detokenises to U+FFFD until its last byte arrives.
    if (!text.endsWith('\uFFFD') && text.length > sent.length) { o.onText(pane, text.slice(sent.length)); sent = text; }
    if (tail > 0 && endsWithStop(model.detokenize(out.slice(-tail)), stops)) { finishReason = 'stop'; break; }
    if (out.length >= o.maxTokens) { finishReason = 'length'; break; }
    if (Date.now() > deadline) { finishReason = 'time'; break; }
  }
  const fullText = model.detokenize(out);
  if (fullText.length > sent.length && fullText.startsWith(sent)) o.onText(pane, fullText.slice(sent.length));
  o.onDone(pane, { finishReason, fullText, tokens: out.length });
}

export async function playgroundChat(o: PlaygroundRequest): Promise<{ checkpointStep: number }> {
  const recipe = parseRecipe(JSON.parse(o.store.runs.get(o.runId).recipeJson));
  const modelPath = resolveModelPath(recipe, o.dataDir);
  const adapter = await adapterFile(o, modelPath);
  const threads = Math.max(1, recipe.hardware.threads || 1);
  const llama = await loadLlama(recipe.hardware.backend, threads);
  try {
    const model = await llama.loadModel({ modelPath });
    try {
      const prompt = renderPromptTokens(model, { systemPrompt: recipe.prompt.systemPrompt, question: o.question, suffix: recipe.prompt.suffix }, recipe.prompt.chatTemplate);
      const contextSize = Math.min(model.trainContextSize, prompt.length + o.maxTokens + 8);
      if (prompt.length + 1 >= contextSize) {
        throw err(`the prompt is ${prompt.length} tokens, which leaves no room to answer in the model's ${model.trainContextSize}-token context: shorten it`, 'invalid_argument');
      }
      const base = await model.createContext({ contextSize, sequences: 1, threads });
      const tuned = await model.createContext({ contextSize, sequences: 1, threads, lora: { adapters: [{ filePath: adapter.path, scale: 1 }] } });
      try {
        await Promise.all([generate('base', model, base, prompt, recipe, o), generate('adapter', model, tuned, prompt, recipe, o)]);
      } finally {
        await base.dispose();
        await tuned.dispose();
      }
    } finally {
      await model.dispose();
    }
  } finally {
    await llama.dispose();
  }
  return { checkpointStep: adapter.step };
}
