/**
 * Learning rate at an optimizer step: linear warmup from 0, then constant,
 * cosine or linear decay to 0 at the last step (TRL/Unsloth recipes, §4 of
 * docs/ALGORITHMS.md). Pure.
 */
export interface LrScheduleSpec {
  lr: number;
  warmupSteps: number;
  schedule: 'constant' | 'cosine' | 'linear';
}

export function lrAt(step: number, totalSteps: number, s: LrScheduleSpec): number {
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  if (s.schedule === 'constant') return s.lr;
  const span = Math.max(1, totalSteps - s.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  return s.schedule === 'cosine' ? s.lr * 0.5 * (1 + Math.cos(Math.PI * progress)) : s.lr * (1 - progress);
}
