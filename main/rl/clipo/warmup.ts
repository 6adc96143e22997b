/**
 * CLIPO head-only warmup: the policy updates only when critic_warmup ≤ global_steps, with
 * 1-based steps (reference ray_trainer.py:1508, `trainer.critic_warmup` repurposed). The
 * head steps on every step, warmup included. Scripts: 14 (GSM8K) and 58 (MATH), about one
 * epoch of rollouts; so `warmupSteps = k` gives k − 1 head-only steps, exactly as there.
 */
export function policyUpdatesAtStep(step: number, warmupSteps: number): boolean {
  return warmupSteps <= step;
}
