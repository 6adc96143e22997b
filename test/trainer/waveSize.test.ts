import { describe, expect, it } from 'vitest';
import { endsWithStop, stopTailTokens } from '../../main/trainer/rollout/stopStrings.js';
import { groupsPerWave, kvBytesPerToken } from '../../main/trainer/rollout/waveSize.js';

describe('sampler wave size and stop strings', () => {
  it('KV bytes per token and groups per wave, hand-computed at Qwen2.5-0.5B shape', () => {
    // 2 (K and V) × 24 layers × 2 KV heads × 64 dims × 4 bytes (F32)
    expect(kvBytesPerToken({ nLayer: 24, nHeadKv: 2, headDim: 64 })).toBe(24_576);
    expect(kvBytesPerToken({ nLayer: 24, nHeadKv: 2, headDim: 64 }, 2)).toBe(12_288);
    // 16 prompts × G 8 at 1,536 tokens: 8 × 1536 × 24576 = 302 MB per group → 7 groups in 2 GiB
    expect(groupsPerWave(16, 8, 1536, 24_576)).toBe(7);
    expect(groupsPerWave(4, 8, 1536, 24_576)).toBe(4); // never more than the step has
    expect(groupsPerWave(16, 8, 1536, 24_576, 1)).toBe(1); // at least one group, whatever the budget
  });
  it('stop strings: tail length covers 4 bytes per character; empty strings never stop', () => {
    expect(stopTailTokens([])).toBe(0);
    expect(stopTailTokens(['</answer>', '\n\n'])).toBe(37);
    expect(endsWithStop('x = 4</answer>', ['</answer>'])).toBe(true);
    expect(endsWithStop('x = 4</ans', ['</answer>', ''])).toBe(false);
  });
});
