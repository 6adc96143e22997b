/**
 * Misspelled recipe keys are refused naming the field and the likely intended
 * one (issue 16: they were dropped silently, so "optim.learningRate" trained
 * with the default learning rate), at every level, including inside unions.
 */
import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../main/recipes/unknownFields.js';
import { recipePresets, validateRecipe } from '../../main/recipes/index.js';

describe('recipe fields are strict', () => {
  it('no preset has a field the schema does not know (presets for real models only lack their file paths)', () => {
    for (const p of recipePresets()) {
      const v = validateRecipe(p.recipe);
      if (!v.ok) expect(v.errors.map((e) => e.field).sort(), p.id).toEqual(['data.path', 'model.path']);
    }
  });

  it('a misspelled key at the top, nested, and inside a union is an error with a suggestion', () => {
    const v = validateRecipe({
      nmae: 'typo run',
      optim: { lrr: 1e-4 },
      algorithm: { clipo: { enabeld: true } },
      data: { kind: 'jsonl', path: '/d.jsonl', fields: { question: 'q', answer: 'a', answr: 'x' } },
      rollout: { groupSize: 8, zzz: 1 },
    });
    expect(v.ok).toBe(false);
    const errors = v.ok ? [] : v.errors;
    const byField = Object.fromEntries(errors.map((e) => [e.field, e.message]));
    expect(byField['nmae']).toMatch(/unknown field "nmae"; did you mean "name"\?/);
    expect(byField['optim.lrr']).toMatch(/did you mean "lr"\?/);
    expect(byField['algorithm.clipo.enabeld']).toMatch(/did you mean "enabled"\?/);
    expect(byField['data.fields.answr']).toMatch(/did you mean "answer"\?/);
    expect(byField['rollout.zzz']).toMatch(/^unknown field "zzz" \(known here: groupSize, /);
  });

  it('didYouMean suggests only close names', () => {
    expect(didYouMean('learningrate', ['lr', 'beta1'])).toBeUndefined();
    expect(didYouMean('GroupSize', ['groupSize', 'topP'])).toBe('groupSize');
    expect(didYouMean('temp', ['temperature', 'topP'])).toBe('temperature');
  });
});
