/** What SFT teaches per row (main/trainer/sft/sftTarget.ts) and the run's step axis (main/recipes/runSteps.ts). */
import { describe, expect, it } from 'vitest';
import { parseRecipe, phaseAt, totalRunSteps, validateRecipe } from '../../main/recipes/index.js';
import { sftTargetText } from '../../main/trainer/sft/sftTarget.js';
import type { TaskRow } from '../../main/data/types.js';

const row = (answer: string, meta: Record<string, unknown> = {}): TaskRow => ({ id: 'r1', question: 'q', answer, split: 'train', meta });
const recipe = (target: 'auto' | 'solution' | 'boxed' | 'answer', verifier: string) =>
  parseRecipe({ sft: { enabled: true, steps: 1, target }, reward: { components: [{ name: verifier, weight: 1 }] } });

describe('SFT target text', () => {
  it('auto: the worked solution, else \\boxed{answer} for box-reading verifiers, else the answer', () => {
    expect(sftTargetText(row('42', { solution: '6 * 7 = 42. \\boxed{42}' }), recipe('auto', 'boxedMath'))).toBe('6 * 7 = 42. \\boxed{42}');
    expect(sftTargetText(row('42'), recipe('auto', 'boxedMath'))).toBe('\\boxed{42}');
    expect(sftTargetText(row('B'), recipe('auto', 'multipleChoice'))).toBe('\\boxed{B}');
    expect(sftTargetText(row('B'), recipe('auto', 'exactMatch'))).toBe('B');
    // GSM8K rows carry their own worked solution: its final line becomes the box the verifier reads first.
    expect(sftTargetText(row('3 + 4 = <<3+4=7>>7 apples.\n#### 7'), recipe('auto', 'gsm8k'))).toBe('3 + 4 = <<3+4=7>>7 apples.\nThe answer is \\boxed{7}.');
  });

  it('forced modes, and a clear error when a solution is asked for and missing', () => {
    expect(sftTargetText(row('… #### 1,200'), recipe('boxed', 'gsm8k'))).toBe('\\boxed{1,200}');
    expect(sftTargetText(row('x', { solution: 'long' }), recipe('answer', 'boxedMath'))).toBe('x');
    expect(() => sftTargetText(row('42'), recipe('solution', 'boxedMath'))).toThrow(/no worked solution.*sft\.target/);
  });
});

describe('SFT then RL on one step axis', () => {
  it('SFT steps come first, RL steps follow with their own local index', () => {
    const r = parseRecipe({ sft: { enabled: true, steps: 3 }, training: { steps: 2 } });
    expect(totalRunSteps(r)).toBe(5);
    expect([0, 1, 2, 3, 4].map((s) => phaseAt(r, s))).toEqual([
      { kind: 'sft', local: 0 }, { kind: 'sft', local: 1 }, { kind: 'sft', local: 2 }, { kind: 'rl', local: 0 }, { kind: 'rl', local: 1 },
    ]);
    // Disabled SFT contributes no steps whatever its step count.
    const off = parseRecipe({ sft: { enabled: false, steps: 3 }, training: { steps: 2 } });
    expect(totalRunSteps(off)).toBe(2);
    expect(phaseAt(off, 0)).toEqual({ kind: 'rl', local: 0 });
  });

  it('validation: SFT-only runs are allowed, empty runs and empty SFT are refused with the field', () => {
    expect(validateRecipe({ sft: { enabled: true, steps: 5 }, training: { steps: 0 } }).ok).toBe(true);
    const fields = (x: unknown) => { const v = validateRecipe(x); return v.ok ? [] : v.errors.map((e) => e.field); };
    expect(fields({ training: { steps: 0 } })).toContain('training.steps');
    expect(fields({ sft: { enabled: true, steps: 0 }, training: { steps: 5 } })).toContain('sft.steps');
    expect(fields({ sft: { enabled: true, steps: 5, warmupSteps: 6 } })).toContain('sft.warmupSteps');
  });
});
