// arith-word: grade-school arithmetic word problems from templates, integer
// answers, for RL without a download.
//
// Splits (all disjoint by construction, whatever the seed):
// - 'train' and 'test' use the same six templates. A problem's split is decided
//   by a hash of its *content* (template id + numbers, not names): hash % 10 == 0
//   belongs to 'test', the rest to 'train'. Generation draws candidates and keeps
//   those of the requested split, so the same problem (even renamed) can never
//   be in both, with any seeds on either side.
// - 'test-ood' uses two held-out templates never used for train/test: it
//   measures transfer to unseen problem shapes.
// Perturbed variants for robustness evaluation come from perturbArithWord.
import { hashKeys, rngFor } from '../rng.js';
import type { TaskRow } from '../types.js';
import { ARITH_TEMPLATES, HELD_OUT_TEMPLATE_IDS, drawEntities, type ArithTemplate, type Entities } from './arithWordTemplates.js';
import { checkSplit, type Task } from './Task.js';

export const ARITH_SPLITS = ['train', 'test', 'test-ood'] as const;
export type ArithSplit = (typeof ARITH_SPLITS)[number];

const IN_DIST = ARITH_TEMPLATES.filter((t) => !HELD_OUT_TEMPLATE_IDS.includes(t.id));
const HELD_OUT = ARITH_TEMPLATES.filter((t) => HELD_OUT_TEMPLATE_IDS.includes(t.id));

/** Content split of an in-distribution problem: independent of names and seeds. */
export function contentSplit(templateId: string, nums: readonly number[]): 'train' | 'test' {
  return hashKeys(0, 'arith-word', templateId, ...nums) % 10 === 0 ? 'test' : 'train';
}

export interface ArithMeta {
  template: string;
  nums: number[];
  entities: Entities;
  distractor?: string;
  perturbation?: string;
  source?: string;
  /** The worked solution (solutionText), SFT's target (main/trainer/sft/sftTarget.ts reads meta.solution). */
  solution?: string;
}

export function templateById(id: string): ArithTemplate {
  const t = ARITH_TEMPLATES.find((x) => x.id === id);
  if (!t) throw new Error(`unknown arith-word template "${id}"`);
  return t;
}

/**
 * The worked solution: the template's steps (one `a op b = c` each, in the order a
 * person would compute them) and the answer in \\boxed{}, the form the task's gsm8k
 * verifier reads. A distractor adds nothing to it: the solution ignores it.
 */
export function solutionText(t: ArithTemplate, meta: Pick<ArithMeta, 'nums' | 'entities'>): string {
  return `${t.solve(meta.nums, meta.entities).join(' ')} \\boxed{${t.answer(meta.nums)}}`;
}

/** Renders a row from its parameters; the single place question and solution text are made. */
export function renderArith(id: string, split: string, meta: ArithMeta): TaskRow {
  const t = templateById(meta.template);
  const [setup, ask] = t.render(meta.nums, meta.entities);
  const question = meta.distractor ? `${setup} ${meta.distractor} ${ask}` : `${setup} ${ask}`;
  return { id, question, answer: String(t.answer(meta.nums)), split, meta: { ...meta, solution: solutionText(t, meta) } };
}

export const arithWord: Task = {
  name: 'arith-word',
  description: 'Arithmetic word problems from templates (shopping, sharing, rates, ages, savings, packs); integer answers.',
  splits: ARITH_SPLITS,
  promptStyle: 'boxed',
  defaultReward: {
    components: [{ name: 'gsm8k', weight: 1, params: { mode: 'strict' } }],
    explanation: 'Integer answers asked for in \\boxed{}: gsm8k in strict mode compares the boxed (or "####") number exactly, so "94" is never 9 and an unmarked number earns nothing.',
  },
  row(seed, split, index) {
    checkSplit(this, split);
    const templates = split === 'test-ood' ? HELD_OUT : IN_DIST;
    // Rejection sampling on the content split: ~1.1 draws for train, ~10 for test.
    for (let attempt = 0; ; attempt++) {
      const rng = rngFor(seed, 'arith-word', split, index, attempt);
      const t = templates[Math.floor(rng() * templates.length)]!;
      const nums = t.draw(rng);
      if (split !== 'test-ood' && contentSplit(t.id, nums) !== split) continue;
      const meta: ArithMeta = { template: t.id, nums, entities: drawEntities(rng) };
      return renderArith(`arith-word/${split}/${seed}/${index}`, split, meta);
    }
  },
};
