/**
 * The `clipo` command: train, start, resume, runs, show. Shares the data dir and run
 * database with the desktop app and web mode.
 */
import { parseArgs } from 'node:util';
import { CliError } from './CliError.js';
import { openCliStore } from './openCliStore.js';
import { runsTable, showRun, summaries } from './commands/runsTable.js';
import { resumeRefusal } from '../services/resumeRule.js';
import { recipePresets } from '../recipes/index.js';

const USAGE = `usage:
  clipo train <preset|recipe.json> [--steps N] [--name NAME] [--json]   train a run in the foreground
  clipo start <run-id> [--json]                                         train a draft run (made by Duplicate or created without starting)
  clipo resume <run-id> [--json]                                        continue a stopped or crashed run
  clipo runs [--json]                                                   list runs
  clipo runs export-tb <run-id> <dir> [--force] [--json]                write the run's metrics as a TensorBoard log into DIR/<id>-<name>/
  clipo show <run-id> [--json]                                          a run's status and latest metrics
  clipo export <run-id> --format gguf|peft|ollama|merged-gguf|verl --out DIR [--checkpoint N] [--force]
                                                                        write the adapter (or a verl bundle) into DIR
  clipo eval <run-id|model.gguf> --dataset <task[:split[+perturbation]]|file.jsonl> [--k N] [--temperature T]
             [--checkpoint base|latest|N] [--limit N] [--fields question,answer] [--max-tokens N (model files)]
                                                                        pass@1 / avg@k / pass@k (resumable)
  clipo experiment <spec.json> [--out DIR] [--model NAME|model.gguf] [--results FILE --intro FILE] [--json]
                                                                        train a grid of arms × seeds, evaluate every split, write a report
  clipo download <owner/repo> <file.gguf> [--revision REV]               fetch a model from Hugging Face (resumable; token: HF_TOKEN or Settings)
presets: ${recipePresets().map((p) => p.id).join(', ')}
data: $CLIPO_DATA_DIR, else the app's data folder`;

function runIdArg(v: string | undefined): number {
  const n = Number(v);
  if (!v || !Number.isSafeInteger(n) || n <= 0) throw new CliError(`expected a run id (see \`clipo runs\`), got ${v ?? 'nothing'}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false }, steps: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      format: { type: 'string' }, out: { type: 'string' }, checkpoint: { type: 'string' }, force: { type: 'boolean', default: false },
      dataset: { type: 'string' }, k: { type: 'string' }, temperature: { type: 'string' }, limit: { type: 'string' }, fields: { type: 'string' }, 'max-tokens': { type: 'string' }, revision: { type: 'string' },
      model: { type: 'string' }, results: { type: 'string' }, intro: { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) { console.log(USAGE); return command ? 0 : 2; }
  // Reading commands open the database read-only (a read-only data folder still works). Commands that
  // load the engine or node-llama-cpp import them only when run, so `clipo runs` starts fast.
  const ctx = openCliStore({ readonly: command === 'runs' || command === 'show' || command === 'export' });
  try {
    switch (command) {
      case 'train': {
        if (!arg) throw new CliError('clipo train needs a preset name or a recipe file');
        const steps = values.steps === undefined ? undefined : Number(values.steps);
        if (steps !== undefined && (!Number.isSafeInteger(steps) || steps < 1)) throw new CliError('--steps must be a positive integer');
        const { train } = await import('./commands/train.js');
        return await train(ctx, arg, { json: values.json, ...(steps !== undefined ? { steps } : {}), ...(values.name ? { name: values.name } : {}) });
      }
      case 'start': {
        const runId = runIdArg(arg);
        const status = ctx.store.runs.get(runId).status;
        if (status !== 'draft') throw new CliError(`run ${runId} is ${status}, not a draft; only a draft can be started${status === 'stopped' || status === 'crashed' || status === 'paused' ? ` (clipo resume ${runId} continues it)` : ''}`, 2, 'conflict');
        // Queued first, like a run `clipo train` creates: a trainer that dies before its first step then reads as crashed, not as a draft.
        ctx.store.leases.assertFree(runId, 'start');
        ctx.store.runs.updateStatus(runId, 'queued');
        const { watchRun } = await import('./commands/watchRun.js');
        const final = await watchRun(ctx, runId, false, values.json);
        return final === 'finished' || final === 'stopped' ? 0 : 1;
      }
      case 'resume': {
        const runId = runIdArg(arg);
        const refusal = resumeRefusal(runId, ctx.store.runs.get(runId).status);
        if (refusal) throw new CliError(refusal, 2, 'conflict');
        const { watchRun } = await import('./commands/watchRun.js');
        const status = await watchRun(ctx, runId, true, values.json);
        return status === 'finished' || status === 'stopped' ? 0 : 1;
      }
      case 'runs':
        if (arg === 'export-tb') {
          const dir = positionals[3];
          if (!dir) throw new CliError('clipo runs export-tb needs a run id and a folder: clipo runs export-tb <run-id> <dir>');
          const { writeTensorBoard } = await import('../export/tensorboard/writeTensorBoard.js');
          const { resolve } = await import('node:path');
          const r = writeTensorBoard(ctx.store, runIdArg(positionals[2]), resolve(dir), { overwrite: values.force });
          console.log(values.json ? JSON.stringify(r, null, 2) : `wrote ${r.scalars} values over ${r.steps} steps to ${r.file}\nview: tensorboard --logdir ${resolve(dir)}`);
          return 0;
        }
        if (arg) throw new CliError(`unknown runs subcommand ${arg} (try: clipo runs, clipo runs export-tb <run-id> <dir>)`);
        console.log(values.json ? JSON.stringify(summaries(ctx), null, 2) : runsTable(summaries(ctx)));
        return 0;
      case 'show':
        console.log(values.json ? JSON.stringify(summaries(ctx).find((s) => s.id === String(runIdArg(arg))) ?? null, null, 2) : showRun(ctx, runIdArg(arg)));
        return 0;
      case 'export': {
        const { exportCmd } = await import('./commands/exportCmd.js');
        return await exportCmd(ctx, runIdArg(arg), { format: values.format, out: values.out, checkpoint: values.checkpoint, force: values.force, json: values.json });
      }
      case 'eval': {
        const { evalCmd } = await import('./commands/evalCmd.js');
        return await evalCmd(ctx, arg && /\.gguf$/i.test(arg) ? { model: arg } : runIdArg(arg), {
          dataset: values.dataset, k: values.k, temperature: values.temperature, checkpoint: values.checkpoint, limit: values.limit, fields: values.fields, json: values.json, maxTokens: values['max-tokens'],
        });
      }
      case 'experiment': {
        const { experimentCmd } = await import('./commands/experimentCmd.js');
        return await experimentCmd(ctx, arg, { json: values.json, ...(values.out ? { out: values.out } : {}), ...(values.model ? { model: values.model } : {}), ...(values.results ? { results: values.results } : {}), ...(values.intro ? { intro: values.intro } : {}) });
      }
      case 'download': {
        const { downloadCmd } = await import('./commands/downloadCmd.js');
        return await downloadCmd(ctx, arg, positionals[2], { json: values.json, ...(values.revision ? { revision: values.revision } : {}) });
      }
      default:
        throw new CliError(`unknown command "${command}"\n${USAGE}`);
    }
  } finally {
    ctx.close();
  }
}
