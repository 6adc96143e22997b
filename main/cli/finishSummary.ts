/**
 * The lines `clipo train` / `start` / `resume` print when the run ends (not with --json): how it ended,
 * how long it took, where the reward went, and the commands that come next (see it, evaluate it,
 * export it), so a first run (`npm run demo`) does not end on a progress bar. Pure, tested without a run.
 */
import type { DataSource, RunStatus } from '../api/contract/index.js';
import { getTask } from '../data/tasks/tasks.js';
import { formatDuration, rewardTrend } from './progressLine.js';

export interface FinishState {
  runId: number;
  status: RunStatus;
  seconds: number;
  /** steps this process ran */
  steps: number;
  rewardHistory: readonly { step: number; reward: number }[];
  data: DataSource;
}

/**
 * A dataset argument for `clipo eval` that evaluates what this run did not train on, where one is known: a
 * built-in task's held-out split, named (the split a bare task name evaluates, main/eval/evalDataset.ts).
 */
export function evalDatasetHint(data: DataSource): string {
  if (data.kind === 'builtin') {
    let heldout: string | undefined;
    try { heldout = getTask(data.task).splits.find((s) => s !== 'train'); } catch { /* an unknown task: its bare name */ }
    return heldout ? `${data.task}:${heldout}` : data.task;
  }
  if (data.kind === 'jsonl') return '<held-out file>.jsonl';
  return '<task:split | file.jsonl>';
}

export function finishSummary(s: FinishState): string[] {
  const ended = s.status === 'finished' ? 'finished' : s.status;
  const lines = [`run ${s.runId} ${ended} after ${formatDuration(s.seconds)} (${s.steps} step${s.steps === 1 ? '' : 's'} in this session)`];
  const trend = rewardTrend(s.rewardHistory);
  if (trend) lines.push(`  reward: ${trend}`);
  if (s.status !== 'finished' && s.status !== 'stopped') return lines;
  lines.push(
    `  dashboard: npm run web (or npm start), run ${s.runId}`,
    // Both checkpoints: `clipo eval` prints every evaluation of the run side by side, so the second shows the change.
    `  evaluate:  npx clipo eval ${s.runId} --dataset ${evalDatasetHint(s.data)} --checkpoint base, then without --checkpoint (latest)`,
    `  export:    npx clipo export ${s.runId} --format gguf --out <dir>   (also peft, ollama, merged-gguf, verl)`,
  );
  if (s.status === 'stopped') lines.push(`  continue:  npx clipo resume ${s.runId}`);
  return lines;
}
