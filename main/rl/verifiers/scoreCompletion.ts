/**
 * Combines a recipe's reward components into one scalar per completion:
 * total = Σ weight · value, plus each component's value and reason for the
 * rollout inspector and the `reward/<name>` metrics.
 *
 * `correct` (the accuracy DAPO's dynamic sampling and the charts use) is true
 * when the spec has at least one answer-type component (boxedMath, gsm8k,
 * multipleChoice, exactMatch) and every one of them judged the answer
 * correct; shaping components never affect it. A spec with no answer
 * component is never "correct".
 *
 * A component name used twice gets keys `name`, `name#2`, ... so none is lost.
 * An unknown name or a non-finite weight throws (recipe errors, caught at validation); model
 * output never makes this throw, because every verifier is guarded
 * (defineVerifier.ts).
 *
 * Deliberately not here: group statistics or advantages (main/rl/advantages).
 */
import type { CompletionScore, RewardSpec, VerifierInput } from './types.js';
import { getVerifier } from './verifiers.js';

export type { CompletionScore, RewardComponent, RewardSpec } from './types.js';

export function scoreCompletion(spec: RewardSpec, input: VerifierInput): CompletionScore {
  const components: CompletionScore['components'] = {};
  let total = 0;
  let answers = 0;
  let allCorrect = true;
  for (const c of spec.components) {
    const verifier = getVerifier(c.name);
    if (!Number.isFinite(c.weight)) throw new Error(`Reward component "${c.name}" has a non-finite weight (${c.weight})`);
    const result = verifier(input, c.params as never);
    total += c.weight * result.value;
    let key: string = c.name;
    for (let k = 2; key in components; k++) key = `${c.name}#${k}`;
    components[key] = { value: result.value, reason: result.reason };
    if (verifier.kind === 'answer') {
      answers++;
      allCorrect &&= result.correct === true;
    }
  }
  return { total, components, correct: answers > 0 && allCorrect };
}
