// Perturbed variants of an arith-word row, for robustness evaluation
// (GSM-Plus / GSM-Symbolic style):
// - 'rename':   new names and objects, same numbers, same answer;
// - 'renumber': new numbers for the same story, answer recomputed by the
//               template (and kept in the original's content split, so a
//               perturbed test problem never becomes a training problem);
// - 'distract': an irrelevant sentence with a number, same answer.
import { pick, randInt, rngFor } from '../rng.js';
import type { TaskRow } from '../types.js';
import { contentSplit, renderArith, templateById, type ArithMeta } from './arithWord.js';
import { DISTRACTORS, drawEntities } from './arithWordTemplates.js';

export const PERTURBATIONS = ['rename', 'renumber', 'distract'] as const;
export type Perturbation = (typeof PERTURBATIONS)[number];

export function perturbArithWord(row: TaskRow, kind: Perturbation, seed: number): TaskRow {
  const base = row.meta as unknown as ArithMeta;
  if (typeof base.template !== 'string' || !Array.isArray(base.nums)) {
    throw new Error(`row ${row.id} is not an arith-word row (no template/nums in meta)`);
  }
  const meta: ArithMeta = { ...base, nums: [...base.nums], entities: { ...base.entities }, perturbation: kind, source: row.id };
  for (let attempt = 0; attempt < 1000; attempt++) {
    const rng = rngFor(seed, 'perturb', row.id, kind, attempt);
    if (kind === 'rename') {
      meta.entities = drawEntities(rng);
      if (meta.entities.name === base.entities.name || meta.entities.item === base.entities.item) continue;
    } else if (kind === 'renumber') {
      const t = templateById(base.template);
      meta.nums = t.draw(rng);
      if (meta.nums.every((x, i) => x === base.nums[i])) continue;
      const held = row.split === 'train' || row.split === 'test';
      if (held && contentSplit(t.id, meta.nums) !== row.split) continue;
    } else {
      meta.distractor = pick(rng, DISTRACTORS)(randInt(rng, 2, 60), base.entities);
    }
    return renderArith(`${row.id}~${kind}/${seed}`, row.split, meta);
  }
  throw new Error(`could not perturb ${row.id} with ${kind}`);
}
