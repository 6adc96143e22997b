/**
 * Per-step metrics about the rollouts themselves (rewards per component,
 * accuracy, lengths, truncation), and the time split. Pure. Objective, CLIPO
 * and advantage metrics come from main/rl and are merged in by the loop.
 */
import { M } from '../api/contract/metricNames.js';

export interface ScoredRollout {
  reward: number;
  correct: boolean;
  components: Record<string, number>;
  length: number;
  truncated: boolean;
}

/** Metric names the trainer adds beside main/rl's (see main/api/contract/metricNames.ts). */
export const T = {
  accuracy: M.accuracy,
  lengthMean: M.lengthMean,
  lengthMax: M.lengthMax,
  truncatedFrac: M.truncatedFrac,
  truncatedAccuracy: M.truncatedAccuracy,
  finishedAccuracy: M.finishedAccuracy,
  lr: M.lr,
  gradNorm: M.gradNorm,
  loss: M.loss,
  tokensPerSec: M.tokensPerSec,
  timeRollout: M.timeRollout,
  timeScoring: M.timeScoring,
  timeUpdate: M.timeUpdate,
  timeStep: M.timeStep,
  timeOther: M.timeOther,
  timeSampler: M.timeSampler,
  timeEngine: M.timeEngine,
  timeOverhead: M.timeOverhead,
  elapsed: M.elapsed,
  peakBytes: M.peakBytes,
  policyUpdated: M.policyUpdated,
  samplerLogpDiffMean: M.samplerLogpDiffMean,
  samplerLogpDiffMax: M.samplerLogpDiffMax,
  samplerProbDiffMax: M.samplerProbDiffMax,
} as const;

export function rolloutMetrics(rs: ScoredRollout[]): Record<string, number> {
  const n = rs.length;
  if (n === 0) return {};
  let sum = 0, sq = 0, correct = 0, len = 0, maxLen = 0, trunc = 0, truncCorrect = 0;
  const comp: Record<string, number> = {};
  for (const r of rs) {
    sum += r.reward;
    sq += r.reward * r.reward;
    correct += r.correct ? 1 : 0;
    len += r.length;
    maxLen = Math.max(maxLen, r.length);
    trunc += r.truncated ? 1 : 0;
    truncCorrect += r.truncated && r.correct ? 1 : 0;
    for (const [k, v] of Object.entries(r.components)) comp[k] = (comp[k] ?? 0) + v;
  }
  const mean = sum / n;
  const out: Record<string, number> = {
    'reward/mean': mean,
    'reward/std': n > 1 ? Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1))) : 0,
    [T.accuracy]: correct / n,
    [T.lengthMean]: len / n,
    [T.lengthMax]: maxLen,
    [T.truncatedFrac]: trunc / n,
  };
  // Whether truncation costs answers (the dashboard's truncation alarm): accuracy on each side of the limit.
  if (trunc > 0) out[T.truncatedAccuracy] = truncCorrect / trunc;
  if (trunc < n) out[T.finishedAccuracy] = (correct - truncCorrect) / (n - trunc);
  for (const [k, v] of Object.entries(comp)) out[`reward/${k}`] = v / n;
  return out;
}
