/**
 * The engine's π_old log-probs of the sampled tokens agree with
 * node-llama-cpp's own sampling probabilities (same weights and adapter,
 * flash attention off, T = 1, no truncation), so the ratios the objectives
 * compute are about the policy that actually generated the rollouts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { renderPromptTokens } from '../../main/trainer/rollout/renderPrompt.js';
import { RolloutSampler } from '../../main/trainer/rollout/RolloutSampler.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';

describe('π_old agreement', () => {
  it.each([['F32', 1, 1e-4], ['F16', 1, 1e-2], ['F32', 0.7, 1e-4]] as const)('KV cache %s, T = %s: engine log-probs of sampled tokens equal the sampler’s (≤ %s), with a trained adapter', async (kvCacheType, temperature, tolerance) => {
    const dir = mkdtempSync(join(tmpdir(), 'piold-'));
    const modelPath = join(dir, 'm.gguf');
    writeTinyModel(modelPath, { ...TINY_DEMO_MODEL });
    const engine = await EngineModel.open(modelPath, { threads: 1 });
    await engine.lora.init({ rank: 4, alpha: 8, seed: 3 });
    // Make the adapter non-trivial: a few AdamW steps on arbitrary weights (B starts at zero).
    const seq = { tokens: [1, 40, 41, 42, 43, 44, 45], responseStart: 2 };
    for (let i = 0; i < 3; i++) {
      await engine.backward([seq], Float32Array.from([1, -0.5, 0.25, 1, -1]));
      await engine.step({ lr: 0.05 });
    }
    const adapter = join(dir, 'a.gguf');
    await engine.lora.save(adapter, 'gguf');
    const llama = await loadLlama('cpu', 1);
    const sampler = await RolloutSampler.open({ llama, modelPath, groupSize: 4, contextSize: 64, threads: 1, kvCacheType });
    await sampler.setAdapter(adapter);
    const prompt = renderPromptTokens(sampler.llamaModel, { systemPrompt: '', question: 'Say B', suffix: '' }, 'none');
    const group = await sampler.sampleGroup(prompt, [5, 6, 7, 8], { temperature, topP: 1, maxTokens: 6, stop: [] });
    await engine.setTemperature(temperature);
    const fwd = await engine.forward(group.map((c) => ({ tokens: [...prompt, ...c.tokens], responseStart: prompt.length })));
    let maxDiff = 0;
    let n = 0;
    group.forEach((c, i) => c.samplerLogprobs.forEach((lp, t) => {
      maxDiff = Math.max(maxDiff, Math.abs(lp - fwd.logprobs[fwd.offsets[i]! + t]!));
      n++;
    }));
    console.log(`π_old agreement (KV ${kvCacheType}, T ${temperature}) over ${n} sampled tokens: max |Δ log p| = ${maxDiff.toExponential(2)}`);
    expect(n).toBeGreaterThan(8);
    expect(maxDiff).toBeLessThan(tolerance);
    // And the adapter matters: the base policy gives different log-probs for the same tokens.
    const base = await engine.forward(group.map((c) => ({ tokens: [...prompt, ...c.tokens], responseStart: prompt.length })), { adapter: false });
    let baseDiff = 0;
    for (let k = 0; k < base.logprobs.length; k++) baseDiff = Math.max(baseDiff, Math.abs(base.logprobs[k]! - fwd.logprobs[k]!));
    expect(baseDiff).toBeGreaterThan(1e-2);
    await sampler.dispose();
    await llama.dispose();
    await engine.dispose();
  });
});
