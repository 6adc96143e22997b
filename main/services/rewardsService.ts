/**
 * The rewards area: the verifier registry as the wizard's Reward step shows
 * it, each data source's default reward, and the reward tester (one pasted
 * completion scored by every component, with values and reasons). Arguments
 * are already schema-checked (main/api/schemas.ts, through the recipe's
 * reward schema); user code runs in the QuickJS worker.
 */
import type { RewardComponentInfo, RewardTestResult } from '../api/contract/index.js';
import { defaultRewardFor } from '../rewards/defaultReward.js';
import { prepareRewardSpec } from '../rewards/quickjsRunner.js';
import { scoreCompletion, type RewardSpec } from '../rl/verifiers/scoreCompletion.js';
import { getVerifier, verifiers } from '../rl/verifiers/verifiers.js';
import type { RewardsService } from './createHandlers.js';

export function rewardComponents(): RewardComponentInfo[] {
  return Object.entries(verifiers).map(([name, v]) => ({
    name, kind: v.kind, summary: v.doc.summary, defaults: { ...v.defaults } as Record<string, unknown>, params: v.doc.params,
  }));
}

export function createRewardsService(): RewardsService {
  return {
    components: () => rewardComponents(),
    defaultFor: ({ source }) => defaultRewardFor(source),
    test: ({ reward, completion, answer, choices }) => gradeCompletion(reward as RewardSpec, { completion, answer, ...(choices ? { choices } : {}) }),
  };
}

/** One completion scored by every component of a reward, with values and reasons (rewards.test, the playground's grades). */
export async function gradeCompletion(spec: RewardSpec, input: { completion: string; answer: string; choices?: string[] }): Promise<RewardTestResult> {
  await prepareRewardSpec(spec);
  const score = scoreCompletion(spec, input);
  const keys = Object.keys(score.components);
  return {
    total: score.total,
    correct: score.correct,
    components: spec.components.map((c, i) => {
      const key = keys[i]!;
      const { value, reason } = score.components[key]!;
      // The answer the verifier read, for the tester (scoreCompletion keeps only value and reason).
      const extracted = getVerifier(c.name)(input, c.params as never).extracted;
      return { key, name: c.name, weight: c.weight, value, reason, ...(extracted !== undefined ? { extracted } : {}) };
    }),
  };
}
