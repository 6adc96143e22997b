/**
 * Experiment specs: strict parsing with field-named errors, the evaluation
 * datasets in report order, and the recipes of the grid (base ← arm ← the
 * experiment's model, task, steps and seed), validated like `clipo train`'s.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deepMerge, experimentCells } from '../../main/experiment/experimentRecipes.js';
import { evalSpecs, parseExperimentSpec, SpecError } from '../../main/experiment/experimentSpec.js';

const shipped = () => JSON.parse(readFileSync('experiments/clipo-vs-grpo.json', 'utf8')) as Record<string, unknown>;

describe('experiment spec', () => {
  it('the shipped spec parses; its splits are in-distribution, the three perturbations of it, then held-out templates', () => {
    const spec = parseExperimentSpec(shipped());
    expect(spec.arms.map((a) => a.label)).toEqual(['GRPO', 'GRPO+CLIPO', 'DAPO', 'ConSPO']);
    expect(spec.seeds.length).toBeGreaterThanOrEqual(3);
    expect(evalSpecs(spec)).toEqual(['arith-word:test', 'arith-word:test+rename', 'arith-word:test+renumber', 'arith-word:test+distract', 'arith-word:test-ood']);
  });

  it('refuses unknown keys and bad values, naming each field', () => {
    const bad = { ...shipped(), seed: 1, arms: [{ label: 'A', recipee: {} }], eval: { splits: [], limit: 0, samples: 2, k: 4 } };
    let e: SpecError | undefined;
    try { parseExperimentSpec(bad); } catch (x) { e = x as SpecError; }
    expect(e).toBeInstanceOf(SpecError);
    const fields = e!.errors.map((x) => x.field);
    expect(fields).toEqual(expect.arrayContaining(['seed', 'arms.0.recipee', 'eval.splits', 'eval.limit']));
    expect(e!.message).toMatch(/seed: unknown key "seed"/);
  });

  it('evaluates the base model unless eval.base is false; a non-boolean is refused by name', () => {
    const raw = shipped() as { eval: Record<string, unknown> };
    expect(parseExperimentSpec({ ...raw, eval: { ...raw.eval, base: undefined } }).eval.base).toBe(true);
    expect(parseExperimentSpec({ ...raw, eval: { ...raw.eval, base: false } }).eval.base).toBe(false);
    let e: SpecError | undefined;
    try { parseExperimentSpec({ ...raw, eval: { ...raw.eval, base: 'yes' } }); } catch (x) { e = x as SpecError; }
    expect(e?.errors.map((x) => x.field)).toEqual(['eval.base']);
  });

  it('builds one validated recipe per arm × seed: arm overrides merge into the base, seeds and model are the experiment\'s', () => {
    const spec = parseExperimentSpec(shipped());
    const cells = experimentCells(spec, 'tiny-demo');
    expect(cells).toHaveLength(spec.arms.length * spec.seeds.length);
    const clipo = cells.find((c) => c.arm === 'GRPO+CLIPO' && c.seed === 2)!;
    expect(clipo.name).toBe('CLIPO vs GRPO on arith-word · GRPO+CLIPO · seed 2');
    // the shipped file's own values: the arm's override, merged over the base
    const raw = shipped() as { arms: { label: string; recipe: { algorithm?: { clipo?: object }; optim?: object } }[]; base: { optim: object } };
    const arm = (label: string) => raw.arms.find((a) => a.label === label)!.recipe;
    expect(clipo.recipe.algorithm.clipo).toMatchObject({ enabled: true, ...arm('GRPO+CLIPO').algorithm!.clipo });
    expect(clipo.recipe.lora).toMatchObject({ rank: 16, seed: 2 }); // base kept, seed set
    expect(clipo.recipe.training).toMatchObject({ steps: spec.steps, seed: 2, checkpointEvery: 25 });
    expect(clipo.recipe.model).toEqual({ kind: 'builtin', name: 'tiny-demo' });
    expect(clipo.recipe.data).toEqual({ kind: 'builtin', task: 'arith-word' });
    const conspo = cells.find((c) => c.arm === 'ConSPO')!;
    expect(conspo.recipe.optim).toMatchObject({ ...raw.base.optim, ...arm('ConSPO').optim });
    expect(conspo.recipe.optim.lr).not.toBe((raw.base.optim as { lr: number }).lr); // the arm's lr wins
    expect(cells.find((c) => c.arm === 'GRPO')!.recipe.algorithm.clipo.enabled).toBe(false);
    expect(experimentCells(spec, '/models/q.gguf')[0]!.recipe.model).toEqual({ kind: 'file', path: '/models/q.gguf' });
  });

  it('an arm that makes an invalid recipe is refused with the arm and field named', () => {
    const spec = parseExperimentSpec({ ...shipped(), arms: [{ label: 'bad', recipe: { optim: { lr: 5 } } }] });
    expect(() => experimentCells(spec, 'tiny-demo')).toThrow(/arm "bad" \(seed 1\) makes an invalid recipe:\n {2}optim\.lr: must be at most 1/);
    expect(() => experimentCells(parseExperimentSpec(shipped()), 'no-such-model')).toThrow(/pass --model/);
  });

  it('deepMerge: objects merge, arrays and values replace, prototype keys are ignored', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 2 });
    const merged = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual([]);
  });
});
