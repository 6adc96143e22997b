/**
 * One step axis for a run that chains SFT then RL (docs/DESIGN.md "Supervised
 * fine-tuning"): steps [0, S) are SFT, [S, S + training.steps) are RL, where
 * S = sft.steps when SFT is enabled. Stored steps, checkpoints and resume use
 * the global index; each phase's schedules (learning rate, CLIPO warmup,
 * ConSPO margin) see their own local index. Pure.
 */
import type { Recipe } from '../api/contract/index.js';

export function sftSteps(r: Recipe): number {
  return r.sft.enabled ? r.sft.steps : 0;
}

export function totalRunSteps(r: Recipe): number {
  return sftSteps(r) + r.training.steps;
}

export type RunPhase = { kind: 'sft'; local: number } | { kind: 'rl'; local: number };

export function phaseAt(r: Recipe, step: number): RunPhase {
  const s = sftSteps(r);
  return step < s ? { kind: 'sft', local: step } : { kind: 'rl', local: step - s };
}
