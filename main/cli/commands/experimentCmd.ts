/**
 * `clipo experiment <spec.json> [--out DIR] [--model M] [--results FILE --intro FILE]`:
 * trains every arm × seed of the spec as an ordinary run (one after another,
 * each through the same supervisor and trainer process as `clipo train`),
 * evaluates each run's final checkpoint on every split (pass@1 greedy,
 * pass@k sampled; the evaluations table, so the app shows them) and, unless
 * eval.base is false, the model before RL as the reference, and writes
 * DIR/report.md, DIR/results.json and DIR/figures/*.svg from the store.
 * Resumable: <data dir>/experiments/<name>--<model>.json maps arm × seed to run ids; a rerun skips
 * finished runs, resumes crashed or stopped ones and continues evaluations
 * where they stopped. Ctrl+C stops after the current step (or problem).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseEvalSpec } from '../../eval/evalDataset.js';
import { baseEvalRun, collectResults, collectScatter, type CellRun } from '../../experiment/collectResults.js';
import { experimentCells, type ExperimentCell } from '../../experiment/experimentRecipes.js';
import { evalSpecs, loadExperimentSpec, SpecError, type ExperimentSpec } from '../../experiment/experimentSpec.js';
import { renderFigures, reportMarkdown } from '../../experiment/writeReport.js';
import { parseRecipe, totalRunSteps } from '../../recipes/index.js';
import { resumeRefusal } from '../../services/resumeRule.js';
import { evaluateRun } from '../../trainer/eval/evaluateRun.js';
import { nextRunFolderId } from '../../trainer/runFolders.js';
import { CliError } from '../CliError.js';
import type { CliContext } from '../openCliStore.js';
import { formatDuration } from '../progressLine.js';
import { watchRun } from './watchRun.js';

export interface ExperimentCmdOptions { out?: string; model?: string; results?: string; intro?: string; json: boolean; command?: string }

interface Manifest { experiment: string; model: string; runs: CellRun[] }

const slug = (t: string) => t.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'experiment';

function readManifest(path: string, spec: ExperimentSpec, model: string): Manifest {
  if (!existsSync(path)) return { experiment: spec.name, model, runs: [] };
  let m: Manifest;
  try { m = JSON.parse(readFileSync(path, 'utf8')) as Manifest; } catch (e) { throw new CliError(`${path} is not valid JSON (${(e as Error).message}); remove it to start the experiment over`); }
  if (m.experiment !== spec.name || m.model !== model) throw new CliError(`${path} belongs to experiment "${m.experiment}" on ${m.model}, not "${spec.name}" on ${model}; remove it to start over`);
  return m;
}

function writeManifest(path: string, m: Manifest): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(m, null, 2) + '\n');
  renameSync(tmp, path); // atomic: a kill never leaves half a manifest
}

/** The run of this cell: from the manifest, else none (a new one is created). A run trained with another recipe is refused. */
function existingRun(ctx: CliContext, m: Manifest, manifestPath: string, cell: ExperimentCell): number | null {
  const entry = m.runs.find((r) => r.arm === cell.arm && r.seed === cell.seed);
  if (!entry) return null;
  let run;
  try { run = ctx.store.runs.get(entry.runId); } catch { return null; } // deleted from the app: train it again
  const same = JSON.stringify(parseRecipe(JSON.parse(run.recipeJson))) === JSON.stringify(cell.recipe);
  if (!same) throw new CliError(`run ${entry.runId} ("${run.name}") was trained with a different recipe than the spec now gives ${cell.arm} / seed ${cell.seed}; give the changed spec another name (or remove ${manifestPath} to start over)`);
  return entry.runId;
}

export async function experimentCmd(ctx: CliContext, specPath: string | undefined, o: ExperimentCmdOptions): Promise<number> {
  if (!specPath) throw new CliError('clipo experiment needs a spec file, e.g. experiments/clipo-vs-grpo.json');
  const t0 = Date.now();
  let spec: ExperimentSpec, cells: ExperimentCell[];
  try {
    spec = loadExperimentSpec(specPath);
    cells = experimentCells(spec, o.model);
  } catch (e) {
    if (e instanceof SpecError) throw new CliError(e.message, 2, 'invalid_argument', e.errors);
    throw e;
  }
  const model = o.model ?? spec.model;
  const out = resolve(o.out ?? join('experiments', 'out', slug(spec.name)));
  mkdirSync(out, { recursive: true });
  // The arm × seed → run id map lives beside the runs (the data folder), not the report: any --out resumes the same runs.
  const manifestPath = join(ctx.dataDir, 'experiments', `${slug(spec.name)}--${slug(model)}.json`);
  mkdirSync(dirname(manifestPath), { recursive: true });
  const manifest = readManifest(manifestPath, spec, model);
  const log = (t: string) => process.stderr.write(`${t}\n`);
  const ac = new AbortController();
  const onSigint = () => { if (!ac.signal.aborted) log('\nexperiment: stopping; rerun the same command to continue where it stopped'); ac.abort(); };
  process.on('SIGINT', onSigint);
  try {
    // 1. Training, one run at a time (the machine's cores go to one trainer).
    const runs: CellRun[] = [];
    for (const [i, cell] of cells.entries()) {
      if (ac.signal.aborted) break;
      const tag = `[${i + 1}/${cells.length}] ${cell.name}`;
      let runId = existingRun(ctx, manifest, manifestPath, cell);
      let resume = false;
      if (runId === null) {
        runId = ctx.store.runs.create({ name: cell.name, recipeJson: JSON.stringify(cell.recipe), totalSteps: totalRunSteps(cell.recipe), minId: nextRunFolderId(ctx.dataDir) });
        manifest.runs = manifest.runs.filter((r) => !(r.arm === cell.arm && r.seed === cell.seed)).concat({ arm: cell.arm, seed: cell.seed, runId, name: cell.name });
        writeManifest(manifestPath, manifest);
        log(`${tag}: run ${runId}, training ${cell.recipe.training.steps} steps`);
      } else {
        const status = ctx.store.runs.get(runId).status;
        if (status === 'finished') { log(`${tag}: run ${runId} finished earlier, skipped`); runs.push({ arm: cell.arm, seed: cell.seed, runId, name: cell.name }); continue; }
        if (status === 'running') throw new CliError(`${tag}: run ${runId} is being trained by another process; wait for it or stop it, then rerun`, 2, 'conflict');
        const refusal = resumeRefusal(runId, status);
        if (refusal) throw new CliError(`${tag}: ${refusal} (error: ${ctx.store.runs.get(runId).error ?? 'none'}); fix the spec and give it another name`, 1, 'conflict');
        resume = status !== 'queued';
        log(`${tag}: run ${runId} is ${status}, ${resume ? 'resuming' : 'starting'}`);
      }
      const status = await watchRun(ctx, runId, resume, false, false);
      if (status !== 'finished') {
        if (ac.signal.aborted || status === 'stopped') break;
        throw new CliError(`${tag}: run ${runId} ended ${status}: ${ctx.store.runs.get(runId).error ?? 'no message'}; rerun the command to resume it`, 1, 'internal');
      }
      runs.push({ arm: cell.arm, seed: cell.seed, runId, name: cell.name });
    }
    if (ac.signal.aborted || runs.length < cells.length) { log(`experiment: ${runs.length}/${cells.length} runs finished; rerun to continue`); return 130; }

    // 2. Evaluation of each final checkpoint on every split: greedy pass@1, then n samples for pass@k.
    // First the base model (before RL), once: evaluation sampling seeds do not depend on the run's seed (evaluateRun's
    // EVAL_SEED), so the first arm's run of the first seed at checkpoint 'base' is every seed's reference.
    const datasets = evalSpecs(spec);
    const baseRun = spec.eval.base ? baseEvalRun(spec, runs) : undefined;
    const targets = [
      ...(baseRun ? [{ run: baseRun, checkpoint: 'base' as const, who: `base/seed ${baseRun.seed} (run ${baseRun.runId} before RL)` }] : []),
      ...runs.map((r) => ({ run: r, checkpoint: 'latest' as const, who: `run ${r.runId} ${r.arm}/seed ${r.seed}` })),
    ];
    let evals = 0;
    const totalEvals = targets.length * datasets.length * 2;
    for (const { run: r, checkpoint, who } of targets) {
      for (const ds of datasets) {
        for (const mode of ['greedy', 'sampled'] as const) {
          if (ac.signal.aborted) break;
          evals++;
          const t = Date.now();
          // Resumable: evaluateRun's progress file returns a finished evaluation without sampling or storing it again.
          const res = await evaluateRun({
            store: ctx.store, dataDir: ctx.dataDir, runId: r.runId, checkpoint, dataset: parseEvalSpec(ds), limit: spec.eval.limit, signal: ac.signal,
            ...(mode === 'greedy' ? { k: 1, temperature: 0 } : { k: spec.eval.k, samples: spec.eval.samples, temperature: spec.eval.temperature }),
          });
          if (!res.complete) break;
          const shown = mode === 'greedy' ? `pass@1 ${res.metrics['pass@1'].toFixed(3)}` : `pass@${spec.eval.k} ${res.metrics['pass@k'].toFixed(3)}`;
          log(`eval [${evals}/${totalEvals}] ${who} ${ds} ${mode}: ${shown} (${res.problems} problems, ${formatDuration((Date.now() - t) / 1000)})`);
        }
      }
    }
    if (ac.signal.aborted) { log('experiment: evaluation stopped; rerun to continue'); return 130; }

    // 3. Report, from the store.
    const results = collectResults(ctx.store, spec, model, runs);
    const figDir = join(out, 'figures');
    const figures = renderFigures(results, collectScatter(ctx.store, spec, runs), figDir);
    const seconds = (Date.now() - t0) / 1000;
    const trainingSeconds = runs.reduce((t, r) => { const x = ctx.store.runs.get(r.runId); return t + (x.startedAt !== null && x.endedAt !== null ? (x.endedAt - x.startedAt) / 1000 : 0); }, 0);
    const intro = o.intro ? readFileSync(o.intro, 'utf8') : undefined;
    const command = o.command ?? `npx clipo experiment ${specPath}${o.model ? ` --model ${o.model}` : ''} --out ${relative(process.cwd(), out) || '.'}`;
    writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(out, 'report.md'), reportMarkdown({ spec, res: results, figures, figurePrefix: 'figures/', seconds, trainingSeconds, command }));
    if (o.results) {
      const file = resolve(o.results);
      const regenerate = `npm run results -- ${specPath}${o.model ? ` --model ${o.model}` : ''}`;
      const prefix = relative(dirname(file), figDir).split('\\').join('/') + '/';
      writeFileSync(file, reportMarkdown({ spec, res: results, figures, figurePrefix: prefix, seconds, trainingSeconds, command: regenerate, ...(intro ? { intro } : {}) }));
    }
    if (o.json) console.log(JSON.stringify({ out, report: join(out, 'report.md'), results: join(out, 'results.json'), figures: figures.map((f) => join(figDir, f.file)), seconds }, null, 2));
    else console.log(`experiment "${spec.name}": ${runs.length} runs, report in ${join(out, 'report.md')} (${formatDuration(seconds)})`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
