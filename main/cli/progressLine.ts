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
  /** SFT steps show their loss (and held-out accuracy when measured) instead of the reward. */
  sftLoss?: number | null;
  sftHeldoutAccuracy?: number | null;
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
    : `reward ${fmt(p.reward)} (best ${fmt(p.bestReward)})`;
  return `${bar} ${done}/${p.totalSteps} ${(frac * 100).toFixed(0).padStart(3)}%  ETA ${formatDuration(eta)}  `
    + `${live}  ${Number.isFinite(perStep) ? perStep.toFixed(2) : '–'} s/step`;
}
