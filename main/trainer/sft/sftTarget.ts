/**
 * The text SFT teaches the model to write after a row's prompt. Pure.
 *
 * - 'solution': the row's worked solution (meta.solution, e.g. a task that writes
 *   out each step), or a GSM8K-style answer ("… #### 72") with its final line in
 *   the \boxed{} form the RL verifiers read first.
 * - 'boxed': `\boxed{<answer>}`, the final-answer form of boxedMath, gsm8k and
 *   multipleChoice (docs/VERIFIERS.md), so SFT and RL agree on the output format.
 * - 'answer': the answer text as is (exactMatch tasks, e.g. tiny-demo).
 * - 'auto': solution when the row has one, else boxed when a reward component
 *   reads boxes, else the answer.
 */
import type { Recipe } from '../../api/contract/index.js';
import type { TaskRow } from '../../data/types.js';

const BOXED_VERIFIERS = new Set(['boxedMath', 'gsm8k', 'multipleChoice']);

export function rowSolution(row: TaskRow): string | null {
  const s = row.meta['solution'];
  if (typeof s === 'string' && s.trim() !== '') return s;
  const at = row.answer.lastIndexOf('####');
  if (at > 0) {
    const final = row.answer.slice(at + 4).trim();
    const steps = row.answer.slice(0, at).trimEnd();
    if (final !== '') return `${steps}\nThe answer is \\boxed{${final}}.`;
  }
  return null;
}

/** The final answer alone (a GSM8K answer's text after its last ####). */
function finalAnswer(row: TaskRow): string {
  const at = row.answer.lastIndexOf('####');
  return at >= 0 ? row.answer.slice(at + 4).trim() : row.answer.trim();
}

export function sftTargetText(row: TaskRow, recipe: Pick<Recipe, 'sft' | 'reward'>): string {
  const mode = recipe.sft.target;
  const boxed = `\\boxed{${finalAnswer(row)}}`;
  if (mode === 'answer') return row.answer;
  if (mode === 'boxed') return boxed;
  const solution = rowSolution(row);
  if (mode === 'solution') {
    if (solution === null) throw Object.assign(new Error(`row ${row.id} has no worked solution (meta.solution or a "#### answer" line): use sft.target "auto", "boxed" or "answer"`), { code: 'invalid_argument', field: 'sft.target' });
    return solution;
  }
  if (solution !== null) return solution;
  return recipe.reward.components.some((c) => BOXED_VERIFIERS.has(c.name)) ? boxed : row.answer;
}
