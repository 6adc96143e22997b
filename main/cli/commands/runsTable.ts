/** `clipo runs` and `clipo show <run>`: plain-text views of the run store. */
import { evaluationTable } from '../../export/modelCard.js';
import { shownStep, type RunSummary } from '../../api/contract/index.js';
import { toRunSummary } from '../../services/toRunSummary.js';
import type { CliContext } from '../openCliStore.js';
import { formatDuration } from '../progressLine.js';

const fmt = (x: number | null) => (x === null ? '–' : x.toFixed(3));

export function summaries(ctx: CliContext): RunSummary[] {
  return ctx.store.runs.list().map((r) => toRunSummary(r, ctx.store.metrics.latest(r.id, 1)[0]?.metrics['reward/mean'] ?? null));
}

export function runsTable(rows: RunSummary[]): string {
  if (rows.length === 0) return 'No runs yet. Start the demo with: npx clipo train demo';
  const header = ['id', 'name', 'status', 'algorithm', 'model', 'steps', 'best reward', 'duration'];
  const body = rows.map((r) => [
    r.id, r.name, r.status, r.objective + (r.clipo ? '+clipo' : ''), r.modelName, `${r.step}/${r.totalSteps}`, fmt(r.bestReward),
    r.startedAt ? formatDuration(((r.endedAt ?? Date.now()) - r.startedAt) / 1000) : '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

export function showRun(ctx: CliContext, runId: number): string {
  const run = ctx.store.runs.get(runId);
  const s = toRunSummary(run, ctx.store.metrics.latest(runId, 1)[0]?.metrics['reward/mean'] ?? null);
  const latest = ctx.store.metrics.latest(runId, 1)[0];
  const cps = ctx.store.checkpoints.list(runId);
  const lines = [
    `run ${s.id}: ${s.name}`, `status: ${s.status}${s.error ? ` (${s.error})` : ''}`,
    `algorithm: ${s.objective}${s.clipo ? ' + CLIPO' : ''}   model: ${s.modelName}   data: ${s.datasetName}`,
    `steps: ${s.step}/${s.totalSteps}   best reward: ${fmt(s.bestReward)}   last reward: ${fmt(s.lastReward)}`,
    // Steps as people count them (stored + 1): what the progress line, the events and the app show.
    `checkpoints: ${cps.length ? cps.map((c) => shownStep(c.step)).join(', ') : 'none'}`,
  ];
  if (latest) {
    lines.push(`metrics at step ${shownStep(latest.step)}:`);
    for (const [k, v] of Object.entries(latest.metrics).sort()) lines.push(`  ${k.padEnd(44)} ${v === null ? '–' : Number(v.toPrecision(6))}`);
  }
  const evals = ctx.store.evaluations.ofRun(runId);
  if (evals.length) {
    lines.push('evaluations (base and checkpoints side by side):');
    lines.push(evaluationTable(evals.map((e) => ({ checkpoint: e.checkpointStep ?? 'base' as const, dataset: e.dataset, split: e.split, metric: e.metric, k: e.k, value: e.value, n: e.n }))));
  }
  return lines.join('\n');
}
