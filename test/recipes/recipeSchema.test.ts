import { describe, expect, it } from 'vitest';
import { recipeFormSpec, recipePresets, validateRecipe, parseRecipe } from '../../main/recipes/index.js';

function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let cur = obj;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[keys.at(-1)!] = value;
  return obj;
}

describe('validateRecipe', () => {
  it('fills every default from an empty recipe', () => {
    const v = validateRecipe({});
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.recipe.optim.lr).toBe(1e-5);
    expect(v.recipe.lora.targets).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
    expect(v.recipe.algorithm.clipo.temperature).toBe(0.05);
    expect(v.recipe.algorithm.conspo).toEqual({ tau: 10, margin: 0.01, alpha: 0.3 });
    expect(v.recipe.model).toEqual({ kind: 'builtin', name: 'tiny-demo' });
  });

  it.each([
    [{ optim: { lr: -1 } }, 'optim.lr'],
    [{ algorithm: { objective: 'ppo2' } }, 'algorithm.objective'],
    [{ rollout: { groupSize: 1 } }, 'rollout.groupSize'],
    [{ rollout: { groupSize: 2 }, algorithm: { clipo: { enabled: true } } }, 'algorithm.clipo.enabled'],
    [{ model: { kind: 'file', path: '' } }, 'model.path'],
    [{ lora: { targets: [] } }, 'lora.targets'],
    [{ lora: { targets: ['q', 'embed'] } }, 'lora.targets.1'],
    [{ training: { steps: 10 }, optim: { warmupSteps: 50 } }, 'optim.warmupSteps'],
    [{ rollout: { promptsPerStep: 5 }, training: { updatesPerBatch: 2 } }, 'training.updatesPerBatch'],
    [{ reward: { components: [{ name: 'gsm8k', weight: 1 }, { name: 'gsm8k', weight: 2 }] } }, 'reward.components.1.name'],
    [{ rollout: { maxTokens: 1.5 } }, 'rollout.maxTokens'],
    [{ rollout: { temperature: 0 } }, 'rollout.temperature'],
    [{ training: { steps: 10 }, algorithm: { clipo: { enabled: true, warmupSteps: 10 } } }, 'algorithm.clipo.warmupSteps'],
  ])('rejects %j naming field %s', (input, field) => {
    const v = validateRecipe(input);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors.map((e) => e.field)).toContain(field);
    for (const e of v.errors) expect(e.message.length).toBeGreaterThan(5);
  });

  it('parseRecipe throws a typed error with the field at fault', () => {
    expect(() => parseRecipe({ optim: { beta1: 2 } })).toThrowError(/optim\.beta1/);
    try { parseRecipe({ optim: { beta1: 2 } }); } catch (e) {
      expect((e as { code: string; field: string }).code).toBe('invalid_argument');
      expect((e as { field: string }).field).toBe('optim.beta1');
    }
  });
});

describe('recipeFormSpec', () => {
  const spec = recipeFormSpec();
  it('describes the scalar fields with help, group and bounds', () => {
    const lr = spec.find((f) => f.path === 'optim.lr');
    expect(lr).toMatchObject({ kind: 'number', min: 0, max: 1, default: 1e-5, group: 'Optimizer' });
    expect(spec.find((f) => f.path === 'lora.targets')).toMatchObject({ kind: 'enum-list', options: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] });
    expect(spec.find((f) => f.path === 'rollout.groupSize')).toMatchObject({ kind: 'integer', min: 1 });
    expect(spec.find((f) => f.path === 'algorithm.objective')?.options).toContain('conspo');
    for (const f of spec) {
      expect(f.help.length, f.path).toBeGreaterThan(10);
      expect(f.label.length, f.path).toBeGreaterThan(0);
    }
    expect(spec.length).toBeGreaterThan(40);
  });

  it('each numeric field rejects a value above its maximum, naming the field', () => {
    for (const f of spec.filter((x) => x.kind === 'number' || x.kind === 'integer')) {
      expect(f.max, f.path).toBeTypeOf('number');
      const v = validateRecipe(setPath({}, f.path, f.max! + 1));
      expect(v.ok, f.path).toBe(false);
      if (!v.ok) expect(v.errors.map((e) => e.field), f.path).toContain(f.path);
    }
  });

  it('every default, set explicitly, validates to the same recipe as leaving it out', () => {
    const base = validateRecipe({});
    let input: Record<string, unknown> = {};
    for (const f of spec) input = setPath(input, f.path, f.default);
    const v = validateRecipe(input);
    expect(v).toEqual(base);
  });
});

describe('recipePresets', () => {
  const presets = recipePresets();
  it.each(['demo', 'demo-sft', 'demo-reasoning', 'demo-reasoning-clipo'])('%s needs nothing and validates as is', (id) => {
    const demo = presets.find((p) => p.id === id)!;
    expect(demo.needs).toEqual([]);
    expect(validateRecipe(demo.recipe).ok).toBe(true);
  });
  it.each(presets.filter((p) => !p.id.startsWith('demo')).map((p) => [p.id, p] as const))(
    '%s names what it needs and validates once model and data are given', (_id, p) => {
      expect(p.needs.length).toBeGreaterThan(0);
      const before = validateRecipe(p.recipe);
      expect(before.ok).toBe(false);
      if (!before.ok) expect(before.errors.map((e) => e.field).sort()).toEqual(['data.path', 'model.path']);
      const filled = { ...p.recipe, model: { kind: 'file', path: '/models/m.gguf' }, data: { ...(p.recipe.data as object), path: '/data/gsm8k.jsonl' } };
      expect(validateRecipe(filled).ok).toBe(true);
    });
  it('preset ids are unique', () => {
    expect(new Set(presets.map((p) => p.id)).size).toBe(presets.length);
  });
});

describe('validation messages are written for people', () => {
  it('says "must be at least 0", not zod\'s "Too small: expected number to be >=0"', async () => {
    const { validateRecipe } = await import('../../main/recipes/validateRecipe.js');
    const msg = (r: unknown) => { const v = validateRecipe(r); return v.ok ? null : v.errors.map((e) => `${e.field}: ${e.message}`); };
    expect(msg({ optim: { lr: -1 } })).toEqual(['optim.lr: must be at least 0']);
    expect(msg({ rollout: { topP: 3 } })).toEqual(['rollout.topP: must be at most 1']);
    expect(msg({ rollout: { groupSize: 2.5 } })).toEqual(['rollout.groupSize: must be a whole number']);
    expect(msg({ lora: { targets: [] } })).toEqual(['lora.targets: needs at least 1 item']);
    expect(msg({ algorithm: { objective: 'nope' } })![0]).toMatch(/^algorithm\.objective: must be one of "grpo", /);
    for (const m of msg({ optim: { lr: -1, beta1: 2 }, rollout: { groupSize: 0 } })!) expect(m).not.toMatch(/Too (small|big)|expected|>=|<=/);
  });
});
