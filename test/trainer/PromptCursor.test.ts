import { describe, expect, it } from 'vitest';
import { PromptCursor } from '../../main/trainer/PromptCursor.js';
import { completionSeed } from '../../main/trainer/seeds.js';

describe('PromptCursor', () => {
  it('visits every row once per epoch, reshuffling between epochs', () => {
    const c = new PromptCursor(10, 7);
    const e0 = c.take(10);
    const e1 = c.take(10);
    expect([...e0].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect([...e1].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(e1).not.toEqual(e0);
  });
  it('save/restore continues the same sequence as an uninterrupted cursor', () => {
    const a = new PromptCursor(7, 3);
    const straight = [a.take(5), a.take(5), a.take(5)].flat();
    const b = new PromptCursor(7, 3);
    const first = b.take(5);
    const restored = new PromptCursor(7, 3, b.save());
    expect([...first, ...restored.take(5), ...restored.take(5)]).toEqual(straight);
  });
  it('different seeds give different orders; an empty dataset is refused', () => {
    expect(new PromptCursor(20, 1).take(20)).not.toEqual(new PromptCursor(20, 2).take(20));
    expect(() => new PromptCursor(0, 1)).toThrow(/no usable rows/);
  });
});

describe('completionSeed', () => {
  it('gives distinct seeds within a group and across steps, reproducibly', () => {
    const seeds = new Set<number>();
    for (let step = 0; step < 20; step++) for (let p = 0; p < 8; p++) for (let i = 0; i < 16; i++) seeds.add(completionSeed(1, step, p, i));
    expect(seeds.size).toBe(20 * 8 * 16);
    expect(completionSeed(5, 3, 2, 1)).toBe(completionSeed(5, 3, 2, 1));
    expect(completionSeed(5, 3, 2, 1)).not.toBe(completionSeed(6, 3, 2, 1));
  });
});
