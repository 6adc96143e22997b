/**
 * Validates a recipe (user JSON, a preset, the UI form) into a fully resolved
 * Recipe with defaults filled in, or a list of errors each naming its field.
 * Cross-field rules live here, next to the schema, so the UI, the CLI and the
 * trainer refuse exactly the same things.
 */
import type { FieldError, Recipe, RecipeValidation } from '../api/contract/index.js';
import { humanIssue } from './humanIssue.js';
import { recipeSchema } from './recipeSchema.js';
import { didYouMean, knownFieldsAt } from './unknownFields.js';

export function validateRecipe(input: unknown): RecipeValidation {
  const parsed = recipeSchema.safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.flatMap((i): FieldError[] => {
        const at = i.path.map(String).join('.');
        if (i.code !== 'unrecognized_keys') return [{ field: at || '(recipe)', message: humanIssue(i as unknown as Parameters<typeof humanIssue>[0]) }];
        const known = knownFieldsAt(recipeSchema, i.path);
        return i.keys.map((key) => {
          const guess = didYouMean(key, known);
          return {
            field: at ? `${at}.${key}` : key,
            message: `unknown field "${key}"${guess ? `; did you mean "${guess}"?` : ''} (known here: ${known.join(', ')})`,
          };
        });
      }),
    };
  }
  const errors = crossFieldErrors(parsed.data);
  return errors.length ? { ok: false, errors } : { ok: true, recipe: parsed.data };
}

/** Rules that involve more than one field. Each message says how to fix it. */
export function crossFieldErrors(r: Recipe): FieldError[] {
  const errors: FieldError[] = [];
  const a = r.algorithm;
  if (r.sft.params === 'full') {
    if (!r.sft.enabled || r.sft.steps < 1) {
      errors.push({ field: 'sft.params', message: 'full-parameter training is an SFT phase: enable SFT and give it at least 1 step (or train LoRA)' });
    }
    // RL needs a LoRA adapter (the sampler swaps adapters each step, and the KL reference is the base without one);
    // after full SFT that would mean reopening the SFT'd model as the base. Not done inside one run.
    if (r.training.steps > 0) {
      errors.push({ field: 'training.steps', message: 'RL after a full-parameter SFT phase is not supported in one run: set training.steps to 0, ' +
        'export the SFT run as merged-gguf, and start an RL (LoRA) run on that model' });
    }
  }
  const groupNormalised = a.advantage !== 'batch';
  if (groupNormalised && r.rollout.groupSize < 2) {
    errors.push({ field: 'rollout.groupSize', message: `the ${a.advantage} advantage compares completions within a group: use a group size of at least 2` });
  }
  if ((a.objective === 'conspo' || a.objective === 'disco') && r.rollout.groupSize < 2) {
    errors.push({ field: 'rollout.groupSize', message: `${a.objective} contrasts correct and incorrect completions of one prompt: use a group size of at least 2` });
  }
  if (a.clipo.enabled && r.rollout.groupSize < 3) {
    // A valid CLIPO anchor needs ≥2 correct and ≥1 incorrect rollout in its group (ALGORITHMS.md §1.3).
    errors.push({ field: 'algorithm.clipo.enabled', message: 'CLIPO needs at least 2 correct and 1 incorrect completion per group: use a group size of at least 3 (8–16 recommended)' });
  }
  if (a.clipo.enabled && a.clipo.warmupSteps >= r.training.steps) {
    errors.push({ field: 'algorithm.clipo.warmupSteps', message: `the head-only warmup (${a.clipo.warmupSteps} steps) must be shorter than the run (${r.training.steps} steps)` });
  }
  if (r.optim.warmupSteps > r.training.steps) {
    errors.push({ field: 'optim.warmupSteps', message: `the learning-rate warmup (${r.optim.warmupSteps} steps) is longer than the run (${r.training.steps} steps)` });
  }
  if (r.rollout.temperature <= 0) {
    errors.push({ field: 'rollout.temperature', message: 'training needs sampling: greedy decoding (temperature 0) makes every completion of a group identical; use 0.6–1.0' });
  }
  if (a.objective === 'dapo' && a.clipHigh < a.clipLow) {
    errors.push({ field: 'algorithm.clipHigh', message: 'DAPO clip-higher expects ε high ≥ ε low (paper: 0.28 vs 0.2)' });
  }
  if (r.rollout.promptsPerStep % r.training.updatesPerBatch !== 0) {
    errors.push({ field: 'training.updatesPerBatch', message: `prompts per step (${r.rollout.promptsPerStep}) must split evenly into ${r.training.updatesPerBatch} updates so whole groups stay together` });
  }
  if (r.sft.enabled && r.sft.steps === 0) {
    errors.push({ field: 'sft.steps', message: 'SFT is enabled with 0 steps: give it at least 1 step, or turn SFT off' });
  }
  if (r.training.steps === 0 && !(r.sft.enabled && r.sft.steps > 0)) {
    errors.push({ field: 'training.steps', message: 'a run needs at least one step: set RL steps ≥ 1, or enable SFT with steps ≥ 1 for an SFT-only run' });
  }
  if (r.sft.enabled && r.sft.warmupSteps > r.sft.steps) {
    errors.push({ field: 'sft.warmupSteps', message: `the SFT learning-rate warmup (${r.sft.warmupSteps} steps) is longer than SFT (${r.sft.steps} steps)` });
  }
  const seen = new Set<string>();
  r.reward.components.forEach((c, i) => {
    if (seen.has(c.name)) errors.push({ field: `reward.components.${i}.name`, message: `reward component "${c.name}" is listed twice` });
    seen.add(c.name);
  });
  return errors;
}

/** Like validateRecipe but throws an Error with a `code` and `field`, for the CLI and the trainer. */
export function parseRecipe(input: unknown): Recipe {
  const v = validateRecipe(input);
  if (v.ok) return v.recipe;
  const first = v.errors[0]!;
  const err = new Error(`invalid recipe: ${v.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`) as Error & {
    code: string; field: string; errors: FieldError[];
  };
  err.code = 'invalid_argument';
  err.field = first.field;
  err.errors = v.errors;
  throw err;
}
