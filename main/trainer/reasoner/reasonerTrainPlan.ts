/**
 * What `npm run model:reasoner` trains: the data (arith-word train rows with
 * their worked solutions, in order), the SFT hyper-parameters and the schedule.
 * Sized with bench/sft/torch_reasoner.py on the same tokens (docs/DESIGN.md,
 * "The reasoning model"). Changing anything here changes the committed log, so
 * test/models/reasonerRebuild.test.ts will tell.
 */
export const REASONER_PLAN = {
  /** arith-word seed of the training rows; step s reads train rows [s·batch, (s+1)·batch). */
  dataSeed: 1,
  /** 4,800 steps reached 22.5 % greedy pass@1 on test, 12,000 reach 49.5 % (docs/DESIGN.md, "The reasoning model"). */
  steps: 12000,
  /** rows per step (≈ 100 tokens each: a 55-token prompt, masked, and a 43-token solution + end of turn) */
  batch: 8,
  lr: 3e-3,
  warmupSteps: 20,
  /** cosine decay to this fraction of lr */
  minLrFraction: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  maxGradNorm: 1,
  tokenBudget: 2048,
  checkpointEvery: 20,
} as const;

export type ReasonerPlan = typeof REASONER_PLAN;

/** Linear warmup, then cosine decay from lr to minLrFraction·lr at the last step (the prototype's schedule). */
export function reasonerLr(step: number, p: Pick<ReasonerPlan, 'lr' | 'warmupSteps' | 'steps' | 'minLrFraction'> = REASONER_PLAN): number {
  const warm = Math.min(1, (step + 1) / p.warmupSteps);
  const cos = 0.5 * (1 + Math.cos((Math.PI * step) / p.steps));
  return p.lr * warm * (p.minLrFraction + (1 - p.minLrFraction) * cos);
}
