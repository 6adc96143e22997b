/**
 * Runs one trainer in the foreground: a progress bar with ETA and live reward
 * (or one JSON object per step with --json). Ctrl+C stops after the current
 * step (checkpointed); a second Ctrl+C abandons the step in flight.
 */
import type { DataSource, RunStatus } from '../../api/contract/index.js';
import type { TrainerToSupervisor } from '../../trainer/protocol.js';
import type { CliContext } from '../openCliStore.js';
import { finishSummary } from '../finishSummary.js';
import { progressLine } from '../progressLine.js';
import { supervisorFor } from '../supervisorFor.js';

/** `summary`: print finishSummary's lines at the end (not for the runs of an experiment, which reports on its own). */
export async function watchRun(ctx: CliContext, runId: number, resume: boolean, json: boolean, summary = true): Promise<RunStatus> {
  const run = ctx.store.runs.get(runId);
  const startedAt = Date.now();
  let firstStep = -1, lastStep = -1;
  let best: number | null = run.bestReward;
  const rewards: { step: number; reward: number }[] = [];
  const tty = process.stderr.isTTY && !json;
  const onMessage = (_id: number, m: TrainerToSupervisor) => {
    if (m.type === 'step') {
      if (firstStep < 0) firstStep = m.step;
      lastStep = m.step;
      const reward = m.metrics['reward/mean'] ?? null;
      if (reward !== null && (best === null || reward > best)) best = reward;
      if (reward !== null && m.metrics['sft/loss'] === undefined) rewards.push({ step: m.step, reward });
      if (json) { process.stdout.write(JSON.stringify({ runId, step: m.step, totalSteps: m.totalSteps, ...m.metrics }) + '\n'); return; }
      const line = progressLine({
        step: m.step, totalSteps: m.totalSteps, startedAt, firstStep, now: Date.now(), reward, bestReward: best, rewardHistory: rewards,
        sftLoss: m.metrics['sft/loss'] ?? null, sftHeldoutAccuracy: m.metrics['sft/heldoutAccuracy'] ?? null,
      });
      process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    } else if (m.type === 'event') {
      if (json) process.stdout.write(JSON.stringify({ runId, event: m.kind, level: m.level, message: m.message }) + '\n');
      else if (m.level !== 'info' || m.kind === 'checkpoint') process.stderr.write(`${tty ? '\n' : ''}[${m.level}] ${m.message}\n`);
    } else if (m.type === 'status' || m.type === 'exit') {
      // --json: every status change is a line too, so a failed run says why on stdout.
      if (json) process.stdout.write(JSON.stringify({ runId, status: m.status, error: m.error }) + '\n');
      else if (m.error) process.stderr.write(`${tty ? '\n' : ''}run ${runId} ${m.status}: ${m.error}\n`);
    }
  };
  const supervisor = supervisorFor(ctx.store, ctx.dbPath, ctx.dataDir, onMessage);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? '\nstopping after this step (Ctrl+C again to abandon it)…\n' : '\nabandoning the current step…\n');
    supervisor.stop(runId, interrupts === 1 ? 'finish-step' : 'abandon');
  };
  process.on('SIGINT', onSigint);
  try {
    if (!json) process.stderr.write(`run ${runId} "${run.name}": ${resume ? 'resuming' : 'starting'} (data in ${ctx.dataDir})\n`);
    const status = await supervisor.start(runId, resume);
    if (tty) process.stderr.write('\n');
    if (!json && summary) {
      const data = (JSON.parse(run.recipeJson) as { data: DataSource }).data;
      const steps = firstStep < 0 ? 0 : lastStep - firstStep + 1;
      process.stderr.write(`${finishSummary({ runId, status, seconds: (Date.now() - startedAt) / 1000, steps, rewardHistory: rewards, data }).join('\n')}\n`);
    }
    return status;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
