/**
 * The default reward of a data source, with the reason it fits: a built-in
 * task's own (Task.defaultReward), multiple choice (strict) when the rows have
 * choices, else boxedMath for boxed math answers. The wizard shows it in the
 * Reward step and uses it until the user edits the reward; evaluation of a bare
 * model uses it too, so the demo's string-prefix verifier is never applied to
 * arithmetic (issue 14: "94" graded correct for 9).
 */
import type { DataSource, RewardDefault } from '../api/contract/index.js';
import { getTask } from '../data/tasks/tasks.js';

export function defaultRewardFor(source: DataSource): RewardDefault {
  if (source.kind === 'builtin') return getTask(source.task).defaultReward;
  // An imported dataset says how its answer column holds the ground truth (the mapping's answerFormat):
  // a GSM8K-style "#### N" answer is graded as GSM8K is, strictly (the number in the box, or a #### line).
  if (source.kind === 'dataset' && source.fields.answerFormat === 'gsm8k') {
    return {
      components: [{ name: 'gsm8k', weight: 1, params: { mode: 'strict' } }],
      explanation: 'The answers were GSM8K-style ("… #### 18"): gsm8k in strict mode compares the number in the last \\boxed{} (or a "#### N" line) with the ground truth; no number is read from elsewhere in the text.',
    };
  }
  if (source.fields.choices) {
    return {
      components: [{ name: 'multipleChoice', weight: 1, params: { mode: 'strict' } }],
      explanation: `Rows have options (field "${source.fields.choices}"): multipleChoice in strict mode reads the boxed letter or option text; a hedge such as "C or D" scores 0.`,
    };
  }
  return {
    components: [{ name: 'boxedMath', weight: 1 }],
    explanation: 'Free-form answers asked for in \\boxed{}: boxedMath compares the last box with the ground truth exactly on numbers and symbolically on expressions; text is compared as text.',
  };
}
