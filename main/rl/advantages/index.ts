/** Registry of advantage estimators: all share AdvantageEstimator.compute(input, params). */
import { lookup } from '../registry.js';
import type { AdvantageEstimator } from '../types.js';
import { drgrpoAdvantage } from './drgrpo.js';
import { grpoAdvantage } from './grpo.js';
import { grpoBatchStdAdvantage } from './grpoBatchStd.js';
import { rlooAdvantage } from './rloo.js';

export const advantages = {
  grpo: grpoAdvantage,
  drgrpo: drgrpoAdvantage,
  'grpo-batch-std': grpoBatchStdAdvantage,
  rloo: rlooAdvantage,
} satisfies Record<string, AdvantageEstimator<any>>;

export type AdvantageName = keyof typeof advantages;

/** The estimator for a name; throws listing valid names. */
export function getAdvantage(name: string): AdvantageEstimator<any> {
  return lookup('advantage estimator', advantages, name);
}
