/**
 * Training health checks in plain language, each with what to do. Pure: takes
 * the recent per-step metrics (oldest first) and returns the alarms that hold
 * now. Thresholds are deliberately conservative (an alarm must mean something).
 * Shared (zero dependencies) because the dashboard shows the alarms that hold
 * now and the main process keeps each run's alarm history (alarmEpisodes).
 */
import { M } from './metricNames.js';

export interface HealthAlarm {
  id: 'zero-variance' | 'entropy-collapse' | 'kl-blowup' | 'truncation' | 'nan-loss' | 'reward-flat' | 'sampler-mismatch';
  level: 'warn' | 'error';
  title: string;
  fix: string;
  step: number;
}

export interface StepMetrics {
  step: number;
  metrics: Record<string, number>;
}

const last = <T>(a: T[]): T | undefined => a[a.length - 1];

function values(rows: StepMetrics[], name: string): number[] {
  return rows.map((r) => r.metrics[name]).filter((v): v is number => v !== undefined);
}

export const FLAT_WINDOW = 30;

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Truncation is only a problem when it costs answers. Hitting maxTokens is
 * harmless when the answer comes first and the model merely keeps talking
 * (the demo: one-character answers, maxTokens 2, nearly every completion
 * truncated yet up to 100 % correct). The failure mode is completions cut off
 * before a correct answer, so over the last 3 steps the alarm needs:
 *  - most completions truncated (mean truncatedFrac > 0.5), and
 *  - the truncated ones mostly wrong (their accuracy < 0.5), and
 *  - evidence that the limit is why: the truncated completions are almost
 *    never right (< 10 %), or, when enough completions finish (≥ 10 %), they
 *    are right at most half as often as the finished ones.
 * Runs recorded before the per-side accuracies existed only have overall
 * accuracy a and truncation t; a/t is then an upper bound on the truncated
 * accuracy, so the alarm fires only when that bound is below 10 %.
 */
function truncationAlarm(window: StepMetrics[]): Omit<HealthAlarm, 'step'> | null {
  if (window.length < 3) return null;
  const t = values(window, M.truncatedFrac);
  if (t.length < 3 || mean(t) <= 0.5) return null;
  let accTrunc = values(window, M.truncatedAccuracy);
  if (accTrunc.length === 0) {
    const acc = values(window, M.accuracy);
    if (acc.length < 3) return null;
    accTrunc = window.map((r) => {
      const tv = r.metrics[M.truncatedFrac] ?? 0;
      return tv > 0 ? Math.min(1, (r.metrics[M.accuracy] ?? 1) / tv) : 1;
    });
  }
  const aT = mean(accTrunc);
  if (aT >= 0.5) return null;
  const accFinished = values(window, M.finishedAccuracy);
  const enoughFinished = accFinished.length > 0 && mean(t) <= 0.9;
  const costly = aT < 0.1 || (enoughFinished && aT <= mean(accFinished) / 2);
  if (!costly) return null;
  return {
    id: 'truncation', level: 'warn',
    title: `Most completions hit the token limit before a correct answer (${Math.round(t[t.length - 1]! * 100)} % truncated, ` +
      `${Math.round(aT * 100)} % of those correct${enoughFinished ? ` vs ${Math.round(mean(accFinished) * 100)} % of the finished ones` : ''}).`,
    fix: 'Raise maxTokens, add the overlong penalty reward, or ask for a shorter answer in the prompt suffix.',
  };
}

export function healthAlarms(recent: StepMetrics[]): HealthAlarm[] {
  const now = last(recent);
  if (!now) return [];
  const m = now.metrics;
  const step = now.step;
  const out: HealthAlarm[] = [];
  const has = (k: string) => Object.prototype.hasOwnProperty.call(m, k);

  const lossNames = [M.loss, M.objective, M.clipoLoss];
  const badLoss = lossNames.find((k) => has(k) && !Number.isFinite(m[k]!));
  if (badLoss) {
    out.push({ id: 'nan-loss', level: 'error', step,
      title: `The loss is not a number (${badLoss} = ${m[badLoss]}).`,
      fix: 'Lower the learning rate (e.g. ÷10), keep gradient clipping on (max grad norm 1), and resume from the last checkpoint.' });
  }

  // Every group zero-variance over the last 3 steps: no learning signal.
  const zv = values(recent.slice(-3), M.zeroVarianceFrac);
  if (zv.length >= 3 && zv.every((v) => v >= 0.999)) {
    out.push({ id: 'zero-variance', level: 'error', step,
      title: 'Every group has the same reward for all its completions: advantages are zero and nothing is learned.',
      fix: 'Raise the sampling temperature or the group size, use an easier (or harder) dataset, or enable dynamic sampling (DAPO).' });
  }

  // Entropy falling is what learning looks like on a task with one right answer: the policy
  // concentrates on it. Collapse is a problem when it ends exploration before the task is
  // learned: the reward then stops improving (Cui et al. 2025, "The Entropy Mechanism of RL for
  // Reasoning LMs", arXiv:2505.22617: performance saturates as entropy is used up; DAPO's
  // clip-higher, arXiv:2503.14476 §3.1, exists to keep it from collapsing early). So the alarm
  // needs, besides the collapse, that the run is neither improving (mean reward of the last 5
  // steps not above the first 5 of the window by 0.02) nor solved (accuracy of the last 5 < 0.9).
  // Collapse is a fall: to a tenth of where the window started, or to near zero (< 0.05) from a
  // real spread (≥ 0.25). A model that starts sharp is not collapsing: the SFT-trained arith-reasoner
  // writes its solutions at 0.01–0.07 nats per token from step 0 (test/services/alarmCalibration).
  const ent = values(recent, M.entropy);
  if (ent.length >= 5) {
    const first = ent[0]!, cur = last(ent)!;
    const collapsed = first > 0.02 && (cur < first * 0.1 || (first >= 0.25 && cur < 0.05));
    const rw = values(recent, M.rewardMean).filter(Number.isFinite);
    const acc = values(recent.slice(-5), M.accuracy).filter(Number.isFinite);
    const improving = rw.length >= 10 && mean(rw.slice(-5)) > mean(rw.slice(0, 5)) + 0.02;
    const solved = acc.length > 0 && mean(acc) >= 0.9;
    if (collapsed && !improving && !solved) {
      out.push({ id: 'entropy-collapse', level: 'warn', step,
        title: `Policy entropy has collapsed (${cur.toFixed(3)} nats): the model answers the same way every time.`,
        fix: 'Lower the learning rate, raise clip-high (DAPO ε high 0.28), or add a KL penalty; exploration has stopped.' });
    }
  }

  const kl = values(recent, M.klRef);
  if (kl.length >= 1) {
    const cur = last(kl)!;
    const base = kl.slice(0, Math.max(1, kl.length - 5));
    const median = [...base].sort((a, b) => a - b)[Math.floor(base.length / 2)]!;
    if (!Number.isFinite(cur) || cur > 1 || (kl.length >= 10 && median > 0 && cur > median * 20)) {
      out.push({ id: 'kl-blowup', level: 'error', step,
        title: `KL to the reference model is blowing up (${Number.isFinite(cur) ? cur.toFixed(3) : cur}).`,
        fix: 'Lower the learning rate, raise the KL coefficient, or tighten the clip range; resume from a checkpoint before the jump.' });
    }
  }

  const trunc = truncationAlarm(recent.slice(-3));
  if (trunc) out.push({ ...trunc, step });

  // The sampler's token probabilities far from the trainer's for 3 steps running: rollouts come from
  // another policy than the one the ratios correct for (main/rl/diagnostics/samplerMismatch.ts).
  // Same weights, F32 KV cache and kernels give ~1e-5; quantised matmuls in llama.cpp vs the engine's
  // F32 copy give ~1e-3 to 1e-2, so 0.05 nats mean means something else is off.
  const mm = values(recent.slice(-3), M.samplerLogpDiffMean);
  if (mm.length >= 3 && mm.every((v) => v > 0.05)) {
    out.push({ id: 'sampler-mismatch', level: 'warn', step,
      title: `The sampler and the trainer disagree on the sampled tokens' probabilities (mean |Δ log p| ${last(mm)!.toFixed(3)} nats).`,
      fix: 'Rollouts are then slightly off-policy (the update itself stays exact). Try a less quantised model file (Q8_0 or F16), or the CPU backend; on Intel Xeons with AMX, llama.cpp\'s AMX kernels are a known cause.' });
  }

  const rw = values(recent.slice(-FLAT_WINDOW), M.rewardMean);
  if (rw.length >= FLAT_WINDOW) {
    const lo = Math.min(...rw), hi = Math.max(...rw);
    if (hi - lo < 1e-6) {
      out.push({ id: 'reward-flat', level: 'warn', step,
        title: `The mean reward has not moved for ${FLAT_WINDOW} steps (${hi.toFixed(3)}).`,
        fix: 'Check the reward in the rollout inspector (is the answer format parsed?), raise the learning rate, or try a task the model can partly solve.' });
    }
  }
  return out;
}

/** One alarm over the steps it held: the run's alarm history. */
export interface AlarmEpisode {
  alarm: HealthAlarm['id'];
  level: HealthAlarm['level'];
  /** The message at the episode's last step. */
  title: string;
  fix: string;
  firstStep: number;
  lastStep: number;
}

/** The window healthAlarms looks back over (the dashboard passes the same). */
export const ALARM_WINDOW = 40;

/** Every metric healthAlarms reads (test/api/healthAlarmMetrics.test.ts records the reads): the alarm replay loads only these. */
export const ALARM_METRICS: readonly string[] = [
  M.accuracy, M.clipoLoss, M.entropy, M.finishedAccuracy, M.klRef, M.loss, M.objective, M.rewardMean,
  M.samplerLogpDiffMean, M.truncatedAccuracy, M.truncatedFrac, M.zeroVarianceFrac,
];

/**
 * Replays a run's steps (oldest first, consecutive or not) through
 * healthAlarms and merges the steps each alarm held into episodes: an alarm
 * that holds at steps 26-31, clears, and holds again at 40 gives two.
 * `from` starts the replay part-way (the steps before only fill the window).
 */
export function alarmEpisodes(rows: StepMetrics[], from = 0): AlarmEpisode[] {
  const open = new Map<string, AlarmEpisode>();
  const out: AlarmEpisode[] = [];
  for (let i = Math.max(0, from); i < rows.length; i++) {
    const now = healthAlarms(rows.slice(Math.max(0, i + 1 - ALARM_WINDOW), i + 1));
    const step = rows[i]!.step;
    const ids = new Set(now.map((a) => a.id));
    for (const [id, ep] of open) if (!ids.has(id as HealthAlarm['id'])) { out.push(ep); open.delete(id); }
    for (const a of now) {
      const ep = open.get(a.id);
      if (ep) { ep.lastStep = step; ep.title = a.title; ep.level = a.level; }
      else open.set(a.id, { alarm: a.id, level: a.level, title: a.title, fix: a.fix, firstStep: step, lastStep: step });
    }
  }
  out.push(...open.values());
  return out.sort((a, b) => a.firstStep - b.firstStep || a.alarm.localeCompare(b.alarm));
}
