/**
 * Drops the reasoning part of a completion: if the text contains `</think>`,
 * only what follows its last occurrence counts, as in the reference grader
 * (ALGORITHMS.md §5, conrl_reward.py). A completion with `<think>` but no
 * closing tag (truncated while thinking) is returned whole, also as there.
 *
 * Deliberately not here: checking that the think structure is well formed;
 * that is the `format` verifier's job.
 */
export function afterThink(text: string): string {
  const at = text.lastIndexOf('</think>');
  return at < 0 ? text : text.slice(at + '</think>'.length);
}
