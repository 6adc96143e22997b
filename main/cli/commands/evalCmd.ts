/**
 * `clipo eval <run> --dataset <task[:split[+perturbation]]|file.jsonl> --k N --temperature T
 *  [--checkpoint base|latest|N] [--limit N]`: pass@1 / avg@k / pass@k with a progress line;
 * results go to the run's evaluations (shown side by side by `clipo show` and the app).
 * Ctrl+C stops after the current problem; rerunning the same command continues.
 */
import { resolve } from 'node:path';
import { evaluationTable } from '../../export/modelCard.js';
import { parseEvalSpec } from '../../eval/evalDataset.js';
import { runToolJob } from '../../services/runToolJob.js';
import type { ToolEvalResult } from '../../trainer/toolProtocol.js';
import { shownStep } from '../../api/contract/index.js';
import { checkpointArg } from '../checkpointArg.js';
import { CliError } from '../CliError.js';
import type { CliContext } from '../openCliStore.js';

export interface EvalCmdOptions {
  dataset?: string; k?: string; temperature?: string; checkpoint?: string; limit?: string; fields?: string; maxTokens?: string | undefined; json: boolean;
  /** The tool process is killed after this long without progress (default runToolJob's 10 min). */
  idleTimeoutMs?: number;
}

export function evalProgressLine(p: { done: number; total: number | null; correct: number; samples: number }, width = 24): string {
  const frac = p.total ? Math.min(1, p.done / p.total) : 0;
  const bar = p.total ? '█'.repeat(Math.round(frac * width)) + '░'.repeat(width - Math.round(frac * width)) + ' ' : '';
  return `${bar}${p.done}${p.total ? `/${p.total}` : ''} problems  accuracy ${(p.samples ? p.correct / p.samples : 0).toFixed(3)} (${p.samples} samples)`;
}

/** `target`: a run id, or `{model}` for a bare GGUF file (results stored with no run). */
export async function evalCmd(ctx: CliContext, target: number | { model: string }, o: EvalCmdOptions): Promise<number> {
  const runId = typeof target === 'number' ? target : null;
  const maxTokens = o.maxTokens === undefined ? undefined : Number(o.maxTokens);
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) throw new CliError('--max-tokens must be a positive integer');
  const model = typeof target === 'number' ? undefined : { path: resolve(target.model), ...(maxTokens !== undefined ? { maxTokens } : {}) };
  if (!o.dataset) throw new CliError('--dataset is required: a built-in task (tiny-demo, arith-word:test, arith-word:test-ood, arith-word:test+rename) or a .jsonl file');
  const k = Number(o.k ?? '1'), temperature = Number(o.temperature ?? '0');
  if (!Number.isSafeInteger(k) || k < 1) throw new CliError('--k must be a positive integer');
  if (!Number.isFinite(temperature) || temperature < 0) throw new CliError('--temperature must be ≥ 0');
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new CliError('--limit must be a positive integer');
  const cp = o.checkpoint ?? (runId === null ? 'base' : 'latest');
  const checkpoint = cp === 'base' || cp === 'latest' ? cp : checkpointArg(cp, 'base, latest or ');
  const [question = 'question', answer = 'answer'] = (o.fields ?? '').split(',').filter(Boolean);
  let dataset;
  try { dataset = parseEvalSpec(o.dataset, { question, answer }); } catch (e) { throw new CliError((e as Error).message); }
  const ac = new AbortController();
  const onSigint = () => { process.stderr.write('\nstopping after this problem; rerun the same command to continue…\n'); ac.abort(); };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY && !o.json;
  try {
    // In a tool process (issue 16): llama.cpp and ggml abort the whole process on some crafted models; that
    // must end the evaluation with a typed error, not the CLI. Failures arrive with their codes (reportFailure).
    const r = await runToolJob<ToolEvalResult>({
      type: 'evaluate', dbPath: ctx.dbPath, dataDir: ctx.dataDir,
      options: { runId, ...(model ? { model } : {}), checkpoint, dataset, k, temperature, ...(limit !== undefined ? { limit } : {}) },
    }, {
      what: 'the evaluation', signal: ac.signal, ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
      onProgress: (p) => { if (!o.json) process.stderr.write(tty ? `\r${evalProgressLine(p)}` : `${evalProgressLine(p)}\n`); },
    });
    if (tty) process.stderr.write('\n');
    if (o.json) console.log(JSON.stringify({ runId, checkpoint: r.checkpointStep ?? 'base', complete: r.complete, problems: r.problems, metrics: r.metrics }, null, 2));
    else {
      console.log(`${r.complete ? 'done' : 'stopped'}: ${r.problems} problems, checkpoint ${r.checkpointStep === null || r.checkpointStep === undefined ? 'base' : `after step ${shownStep(r.checkpointStep)}`}`);
      for (const [m, v] of Object.entries(r.metrics)) if (m === 'pass@1' || (k > 1 && temperature > 0)) console.log(`  ${temperature === 0 ? 'greedy pass@1' : m.replace('@k', `@${k}`)} = ${v.toFixed(4)}`);
      const all = (runId !== null ? ctx.store.evaluations.ofRun(runId) : r.rows ?? []).map((e) => ({ checkpoint: e.checkpointStep ?? 'base' as const, dataset: e.dataset, split: e.split, metric: e.metric, k: e.k, value: e.value, n: e.n }));
      if (all.length) console.log(`\n${evaluationTable(all)}`);
    }
    return r.complete ? 0 : 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
