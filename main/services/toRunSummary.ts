/** Maps the store's run rows to the API's RunSummary (string ids, names derived from the recipe). */
import { basename } from 'node:path';
import type { Recipe, RunSummary } from '../api/contract/index.js';
import type { Run } from '../store/index.js';

export function recipeOf(run: Run): Recipe {
  return JSON.parse(run.recipeJson) as Recipe;
}

export function modelName(r: Recipe): string {
  return r.model.kind === 'builtin' ? `${r.model.name} (built-in)` : basename(r.model.path);
}

export function datasetName(r: Recipe): string {
  if (r.data.kind === 'builtin') return `${r.data.task} (built-in)`;
  return r.data.kind === 'dataset' ? `${r.data.name} (${r.data.split})` : basename(r.data.path);
}

export function toRunSummary(run: Run, lastReward: number | null): RunSummary {
  const recipe = recipeOf(run);
  return {
    id: String(run.id),
    name: run.name,
    status: run.status,
    objective: recipe.algorithm.objective,
    clipo: recipe.algorithm.clipo.enabled,
    modelName: modelName(recipe),
    datasetName: datasetName(recipe),
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    step: run.currentStep + 1,
    totalSteps: run.totalSteps,
    bestReward: run.bestReward,
    lastReward,
    error: run.error,
    notes: run.notes,
    tags: run.tags,
  };
}

/** API run ids are strings; the store's are integers. */
export function parseRunId(runId: string): number {
  const n = Number(runId);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw Object.assign(new Error(`"${runId}" is not a run id`), { code: 'invalid_argument', field: 'runId' });
  }
  return n;
}
