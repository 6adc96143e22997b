/**
 * Turns a question into prompt tokens as the model will see them. With
 * chatTemplate 'auto' the model's own template (resolved by node-llama-cpp from
 * the GGUF) renders system + user turns and opens the assistant turn
 * (NODE-LLAMA-NOTES §3f); with 'none', or a model without a template, the text
 * is tokenised raw (base models, the demo's tiny model).
 */
import { resolveChatWrapper, type LlamaModel, type Token } from 'node-llama-cpp';

export interface PromptParts {
  systemPrompt: string;
  question: string;
  suffix: string;
}

export function userText(p: PromptParts): string {
  return p.suffix ? `${p.question}\n${p.suffix}` : p.question;
}

type ChatWrapper = NonNullable<ReturnType<typeof resolveChatWrapper>>;

// resolveChatWrapper builds a new JinjaTemplateChatWrapper per call: it parses the template and renders
// it several times to detect its conventions (function calls, system-prompt support). That cost
// dominated an RL step on a small model (profiled: ~5 s of a 12 s step on arith-reasoner, 64 prompts
// rendered), so resolve once per loaded model; the wrapper itself is stateless between renders.
const wrappers = new WeakMap<LlamaModel, ChatWrapper | null>();

function chatWrapperOf(model: LlamaModel): ChatWrapper | null {
  if (!wrappers.has(model)) wrappers.set(model, model.fileInfo.metadata?.tokenizer?.chat_template ? resolveChatWrapper(model) : null);
  return wrappers.get(model)!;
}

export function renderPromptTokens(model: LlamaModel, p: PromptParts, chatTemplate: 'auto' | 'none'): number[] {
  const wrapper = chatTemplate === 'auto' ? chatWrapperOf(model) : null;
  if (!wrapper) {
    const text = p.systemPrompt ? `${p.systemPrompt}\n${userText(p)}` : userText(p);
    return model.tokenize(text, false) as number[];
  }
  const { contextText } = wrapper.generateContextState({
    chatHistory: [
      ...(p.systemPrompt ? [{ type: 'system' as const, text: p.systemPrompt }] : []),
      { type: 'user' as const, text: userText(p) },
      { type: 'model' as const, response: [] },
    ],
  });
  return contextText.tokenize(model.tokenizer) as Token[] as number[];
}
