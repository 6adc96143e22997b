/**
 * The runs of an experiment: one recipe per arm × seed, built as base recipe
 * (a preset or object) ← arm overrides ← the experiment's model, task, steps
 * and seed, then validated like any `clipo train` recipe. Run names carry the
 * experiment, arm and seed ("<experiment> · <arm> · seed N"), so the runs
 * list and the compare view group them by name.
 */
import type { Recipe, RecipeInput } from '../api/contract/index.js';
import { recipePresets, validateRecipe } from '../recipes/index.js';
import { SpecError, type ExperimentSpec } from './experimentSpec.js';

export interface ExperimentCell {
  arm: string;
  armIndex: number;
  seed: number;
  name: string;
  recipe: Recipe;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and values replace. `__proto__`-style keys are refused by the recipe schema anyway, skipped here. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? structuredClone(base) : structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out;
}

/** "tiny-demo" / "arith-reasoner" → a built-in model; anything with a slash or ending in .gguf → a file. */
export function modelSource(model: string): RecipeInput['model'] {
  return /[\\/]|\.gguf$/i.test(model) ? { kind: 'file', path: model } : ({ kind: 'builtin', name: model } as RecipeInput['model']);
}

export const runName = (experiment: string, arm: string, seed: number): string => `${experiment} · ${arm} · seed ${seed}`;

export function experimentCells(spec: ExperimentSpec, modelOverride?: string): ExperimentCell[] {
  let base: unknown = spec.base;
  if (typeof spec.base === 'string') {
    const preset = recipePresets().find((p) => p.id === spec.base);
    if (!preset) throw new SpecError(`base: "${spec.base}" is not a preset (${recipePresets().map((p) => p.id).join(', ')}); give a preset id or a recipe object`);
    base = preset.recipe;
  }
  const cells: ExperimentCell[] = [];
  spec.arms.forEach((arm, armIndex) => {
    for (const seed of spec.seeds) {
      const name = runName(spec.name, arm.label, seed);
      const merged = deepMerge(deepMerge(base, arm.recipe), {
        name, model: modelSource(modelOverride ?? spec.model), data: { kind: 'builtin', task: spec.task },
        training: { steps: spec.steps, seed }, lora: { seed },
      });
      const v = validateRecipe(merged);
      if (!v.ok) {
        const hint = v.errors.some((e) => e.field.startsWith('model')) ? `\n  (model "${modelOverride ?? spec.model}" is not usable here: pass --model with a built-in model such as tiny-demo or a .gguf path)` : '';
        throw new SpecError(`arm "${arm.label}" (seed ${seed}) makes an invalid recipe:\n${v.errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}${hint}`, v.errors);
      }
      cells.push({ arm: arm.label, armIndex, seed, name, recipe: v.recipe });
    }
  });
  return cells;
}
