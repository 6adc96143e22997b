/** `clipo train <preset|recipe.json>`: validates the recipe, creates the run, trains it in the foreground. */
import { readFileSync } from 'node:fs';
import type { RecipeInput } from '../../api/contract/index.js';
import { parseRecipe, recipePresets, totalRunSteps } from '../../recipes/index.js';
import type { CliContext } from '../openCliStore.js';
import { CliError } from '../CliError.js';
import { nextRunFolderId } from '../../trainer/runFolders.js';
import { watchRun } from './watchRun.js';

export function loadRecipeArg(arg: string): RecipeInput {
  const preset = recipePresets().find((p) => p.id === arg);
  if (preset) return preset.recipe;
  let text: string;
  try { text = readFileSync(arg, 'utf8'); } catch {
    throw new CliError(`"${arg}" is neither a preset (${recipePresets().map((p) => p.id).join(', ')}) nor a readable recipe file`);
  }
  try { return JSON.parse(text) as RecipeInput; } catch (e) {
    throw new CliError(`${arg} is not valid JSON: ${(e as Error).message}`);
  }
}

export interface TrainOptions { steps?: number; name?: string; json: boolean }

export async function train(ctx: CliContext, arg: string, opts: TrainOptions): Promise<number> {
  const input = structuredClone(loadRecipeArg(arg)) as RecipeInput & { training?: { steps?: number } };
  if (opts.steps !== undefined) input.training = { ...input.training, steps: opts.steps };
  if (opts.name !== undefined) input.name = opts.name;
  let recipe;
  try { recipe = parseRecipe(input); } catch (e) {
    const errors = (e as { errors?: { field: string; message: string }[] }).errors ?? [];
    throw new CliError(`invalid recipe:\n${errors.map((x) => `  ${x.field}: ${x.message}`).join('\n')}`, 2, 'invalid_argument', errors);
  }
  const runId = ctx.store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: totalRunSteps(recipe), minId: nextRunFolderId(ctx.dataDir) });
  const status = await watchRun(ctx, runId, false, opts.json);
  return status === 'finished' || status === 'stopped' ? 0 : 1;
}
