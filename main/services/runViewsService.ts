/**
 * Reads behind the run page's views beyond the charts (docs/DESIGN.md, "Run
 * views"): the scatter's projection, search across all steps, the steps a
 * prompt was drawn at (side by side), one completion token by token, and the
 * TensorBoard export. Every read is bounded: search pages at most 200 rows,
 * prompt steps at most 10,000.
 */
import type { ProjectionInfo, SampleHit, SampleTokens } from '../api/contract/index.js';
import { M } from '../api/contract/metricNames.js';
import { writeTensorBoard } from '../export/tensorboard/writeTensorBoard.js';
import { parseRecipe } from '../recipes/index.js';
import type { Store } from '../store/index.js';
import type { RunsService } from './createHandlers.js';
import { toSampleRow } from './runsService.js';
import { parseRunId } from './toRunSummary.js';
import { modelFileOf, vocabularyOf } from './tokenPieces.js';

const notFound = (message: string) => Object.assign(new Error(message), { code: 'not_found' });

export function createRunViewsService({ store, dataDir }: { store: Store; dataDir: string }):
  Pick<RunsService, 'projection' | 'searchSamples' | 'promptSteps' | 'sampleTokens' | 'exportTensorBoard'> {
  return {
    projection: ({ runId, step, kind }): ProjectionInfo => {
      const id = parseRunId(runId);
      const names = kind === 'head' ? [M.projHeadExplained1, M.projHeadExplained2] : [M.projPooledExplained1, M.projPooledExplained2];
      const v = names.map((n) => store.metrics.series(id, n, { fromStep: step, toStep: step })[0]?.value ?? null);
      return { method: 'PCA', kind, explained: v[0] !== null && v[1] !== null && v[0] !== undefined && v[1] !== undefined ? [v[0], v[1]] : null };
    },
    searchSamples: ({ runId, query, offset, limit }) => {
      const id = parseRunId(runId);
      store.runs.get(id);
      const n = limit ?? 50;
      const rows = store.samples.search(id, query, { limit: n + 1, offset: offset ?? 0 });
      return { rows: rows.slice(0, n).map((s): SampleHit => ({ ...toSampleRow(s), prompt: s.prompt })), more: rows.length > n };
    },
    promptSteps: ({ runId, prompt }) => store.samples.stepsOfPrompt(parseRunId(runId), prompt, 10_000),
    sampleTokens: ({ runId, sampleId }): SampleTokens => {
      const id = parseRunId(runId);
      const t = store.samples.tokensOf(id, sampleId);
      if (!t) throw notFound(`run ${runId} has no completion ${sampleId}`);
      const ids = t.tokens ? [...t.tokens] : [];
      const notes: string[] = [];
      let vocab: string[] | string = 'the run has no recipe';
      try { vocab = vocabularyOf(modelFileOf(parseRecipe(JSON.parse(store.runs.get(id).recipeJson)), dataDir)); } catch { /* an unreadable recipe: ids only */ }
      if (typeof vocab === 'string') notes.push(vocab);
      if (!t.samplerLogp || !t.trainerLogp) notes.push('this completion was stored without per-token log-probs (runs from before they were recorded, SFT steps and empty completions have none)');
      return {
        sampleId, step: t.step, note: notes.length ? notes.join('; ') : null,
        tokens: ids.map((tok, i) => ({
          id: tok, piece: typeof vocab === 'string' ? null : vocab[tok] ?? null,
          sampler: t.samplerLogp?.[i] ?? null, trainer: t.trainerLogp?.[i] ?? null,
        })),
      };
    },
    exportTensorBoard: ({ runId, outDir, overwrite }) => {
      const r = writeTensorBoard(store, parseRunId(runId), outDir, { overwrite: overwrite ?? false });
      return { files: [r.file], command: `tensorboard --logdir ${JSON.stringify(outDir)}` };
    },
  };
}
