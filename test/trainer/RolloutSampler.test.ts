import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama } from 'node-llama-cpp';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { RolloutSampler } from '../../main/trainer/rollout/RolloutSampler.js';
import { renderPromptTokens } from '../../main/trainer/rollout/renderPrompt.js';

let llama: Llama;
let sampler: RolloutSampler;
const settings = { temperature: 1, topP: 1, maxTokens: 6, stop: [] as string[] };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sampler-'));
  const modelPath = join(dir, 'tiny.gguf');
  writeTinyModel(modelPath, { arch: 'qwen2', seed: 3 });
  llama = await loadLlama('cpu', 1);
  sampler = await RolloutSampler.open({ llama, modelPath, groupSize: 4, contextSize: 128, threads: 1 });
});
afterAll(async () => {
  await sampler?.dispose();
  await llama?.dispose();
});

describe('RolloutSampler', () => {
  it('samples a group with distinct seeds, reproducibly, within max tokens', async () => {
    const prompt = renderPromptTokens(sampler.llamaModel, { systemPrompt: '', question: 'say 7', suffix: '' }, 'none');
    expect(prompt.length).toBeGreaterThan(1);
    const a = await sampler.sampleGroup(prompt, [11, 12, 13, 14], settings);
    const b = await sampler.sampleGroup(prompt, [11, 12, 13, 14], settings);
    expect(a.map((c) => c.tokens)).toEqual(b.map((c) => c.tokens));
    expect(new Set(a.map((c) => c.tokens.join(','))).size).toBeGreaterThan(1);
    for (const c of a) {
      expect(c.tokens.length).toBeGreaterThan(0);
      expect(c.tokens.length).toBeLessThanOrEqual(6);
      expect(c.samplerLogprobs.length).toBe(c.tokens.length);
      for (const lp of c.samplerLogprobs) expect(lp).toBeLessThanOrEqual(0);
      expect(['eos', 'length']).toContain(c.finishReason);
      if (c.finishReason === 'length') expect(c.tokens.length).toBe(6);
    }
  });

  it('an aborted signal stops generation', async () => {
    const prompt = renderPromptTokens(sampler.llamaModel, { systemPrompt: '', question: 'x', suffix: '' }, 'none');
    const ac = new AbortController();
    ac.abort();
    const out = await sampler.sampleGroup(prompt, [1], { ...settings, maxTokens: 50 }, ac.signal);
    expect(out[0]!.finishReason).toBe('abort');
    expect(out[0]!.tokens.length).toBe(0);
  });
});
