/**
 * Prompts as the model sees them: with chatTemplate 'auto' the GGUF's own
 * template (ChatML in the tiny model) wraps system and user turns and opens the
 * assistant turn; with 'none' the text is tokenised raw.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama, LlamaModel, Token } from 'node-llama-cpp';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { renderPromptTokens } from '../../main/trainer/rollout/renderPrompt.js';

let llama: Llama;
let model: LlamaModel;
beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tmpl-')), 'm.gguf');
  writeTinyModel(path, { arch: 'qwen2', seed: 1 });
  llama = await loadLlama('cpu', 1);
  model = await llama.loadModel({ modelPath: path });
});
afterAll(async () => { await model?.dispose(); await llama?.dispose(); });

describe('renderPromptTokens', () => {
  const parts = { systemPrompt: 'be brief', question: 'what is 2 plus 2', suffix: 'answer in a box' };
  it("'auto' applies the model's ChatML template and opens the assistant turn", () => {
    const tokens = renderPromptTokens(model, parts, 'auto');
    const text = model.detokenize(tokens as Token[], true);
    // SPM vocabularies (the tiny model) add a dummy-prefix space to each text segment after a special token.
    expect(text).toMatch(/<\|im_start\|> ?system\n ?be brief<\|im_end\|>/);
    expect(text).toMatch(/<\|im_start\|> ?user\n ?what is 2 plus 2\nanswer in a box<\|im_end\|>/);
    expect(text).toMatch(/<\|im_start\|> ?assistant\n$/);
    const imStart = model.tokenize('<|im_start|>', true)[0];
    expect(tokens.filter((t) => t === imStart)).toHaveLength(3); // special tokens, not their characters
  });
  it("'none' tokenises the plain text", () => {
    const text = model.detokenize(renderPromptTokens(model, parts, 'none') as Token[], true);
    expect(text).not.toContain('<|im_start|>');
    expect(text).toContain('be brief\nwhat is 2 plus 2\nanswer in a box');
  });
});
