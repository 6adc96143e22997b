/**
 * One line of CLI progress: bar, step, ETA, live reward. Pure, so it is tested
 * without a terminal.
 */
export interface ProgressState {
  step: number; // last completed step, 0-based
  totalSteps: number;
  startedAt: number; // ms
  firstStep: number; // first step run by this process (resume starts later)
  now: number; // ms
  reward: number | null;
  bestReward: number | null;
  /**
   * The reward of every RL step this process has seen, in order (step 0-based). A step's reward swings
   * with the prompts drawn (±0.15 on arith-word), so the line also shows the mean of the last
   * TREND_WINDOW of them and, once there are two windows, of the first: a trend one value hides.
   */
  rewardHistory?: readonly { step: number; reward: number }[];
  /** SFT steps show their loss (and held-out accuracy when measured) instead of the reward. */
  sftLoss?: number | null;
  sftHeldoutAccuracy?: number | null;
}

export const TREND_WINDOW = 5;

/** "mean 0.780 over steps 8–12; 0.753 over 1–5" (steps 1-based), or '' before a full window. */
export function rewardTrend(history: readonly { step: number; reward: number }[], w = TREND_WINDOW): string {
  const h = history.filter((x) => Number.isFinite(x.reward));
  if (h.length < w) return '';
  const mean = (a: typeof h): string => (a.reduce((x, y) => x + y.reward, 0) / a.length).toFixed(3);
  const span = (a: typeof h): string => `${a[0]!.step + 1}–${a.at(-1)!.step + 1}`;
  const last = h.slice(-w), first = h.slice(0, w);
  return h.length < 2 * w ? `mean ${mean(last)} over steps ${span(last)}` : `mean ${mean(last)} over steps ${span(last)}; ${mean(first)} over ${span(first)}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function progressLine(p: ProgressState, width = 24): string {
  const done = p.step + 1;
  const frac = p.totalSteps > 0 ? Math.min(1, done / p.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const stepsThisRun = done - p.firstStep;
  const perStep = stepsThisRun > 0 ? (p.now - p.startedAt) / 1000 / stepsThisRun : NaN;
  const eta = perStep * (p.totalSteps - done);
  const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));
  const live = p.sftLoss !== undefined && p.sftLoss !== null
    ? `SFT loss ${fmt(p.sftLoss)}${p.sftHeldoutAccuracy !== undefined && p.sftHeldoutAccuracy !== null ? ` held-out ${fmt(p.sftHeldoutAccuracy)}` : ''}`
    : `reward ${fmt(p.reward)} (${rewardTrend(p.rewardHistory ?? []) || `best ${fmt(p.bestReward)}`})`;
  return `${bar} ${done}/${p.totalSteps} ${(frac * 100).toFixed(0).padStart(3)}%  ETA ${formatDuration(eta)}  `
    + `${live}  ${Number.isFinite(perStep) ? perStep.toFixed(2) : '–'} s/step`;
}
