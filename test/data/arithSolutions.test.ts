// arith-word worked solutions: every link of every step's chain is right (evaluated here
// with the test's own parser), each step uses the result of the one before or a
// number from the question, and the solution ends in \boxed{answer}, for every
// template of every split and for perturbed rows.
import { describe, expect, it } from 'vitest';
import { arithWord, type ArithMeta } from '../../main/data/tasks/arithWord.js';
import { ARITH_TEMPLATES } from '../../main/data/tasks/arithWordTemplates.js';
import { PERTURBATIONS, perturbArithWord } from '../../main/data/tasks/perturbArithWord.js';
import { taskRows } from '../../main/data/tasks/Task.js';
import type { TaskRow } from '../../main/data/types.js';

const OPS: Record<string, (a: number, b: number) => number> = { '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b };

/** Value of "a op b op c …" with * and / before + and - (the test's own evaluator). */
function evaluate(expr: string): number {
  const tok = expr.split(' ');
  const terms: number[] = [];
  const signs: string[] = ['+'];
  let cur = Number(tok[0]);
  for (let i = 1; i < tok.length; i += 2) {
    const op = tok[i]!, v = Number(tok[i + 1]);
    if (op === '*' || op === '/') cur = OPS[op]!(cur, v);
    else { terms.push(cur); signs.push(op); cur = v; }
  }
  terms.push(cur);
  return terms.reduce((s, t, i) => OPS[signs[i]!]!(s, t), 0);
}

const EXPR = String.raw`\d+(?: [-+*/] \d+)*`;
const CHAIN = new RegExp(String.raw`\d+ [-+*/] \d+(?: = ${EXPR})+`, 'g');

function checkSolution(row: TaskRow): void {
  const meta = row.meta as unknown as ArithMeta;
  const sol = meta.solution!;
  expect(typeof sol, row.id).toBe('string');
  const box = /\\boxed\{(\d+)\}$/.exec(sol);
  expect(box?.[1], sol).toBe(row.answer);
  const chains = [...sol.matchAll(CHAIN)].map((m) => m[0].split(' = '));
  expect(chains.length, sol).toBeGreaterThan(0);
  const questionNums = new Set((row.question.match(/\d+/g) ?? []).map(Number));
  let last: number | null = null;
  for (const links of chains) {
    const [a, op, b, ...more] = links[0]!.split(' ');
    expect(more, links[0]).toEqual([]);
    const value = OPS[op!]!(Number(a), Number(b));
    // every link of the chain is the same number, and the chain ends in it
    for (const l of links) expect(evaluate(l), `${l} in ${sol}`).toBe(value);
    expect(links.at(-1), sol).toBe(String(value));
    // operands come from the question or from the previous step (no invented numbers)
    for (const x of [Number(a), Number(b)]) expect(questionNums.has(x) || x === last, `${x} in ${sol}`).toBe(true);
    last = value;
  }
  expect(String(last), sol).toBe(row.answer);
  // numbers outside the steps and the box ("In 5 years") are the question's: nothing invented
  const rest = sol.replace(CHAIN, '').replace(/\\boxed\{\d+\}/, '');
  for (const x of rest.match(/\d+/g) ?? []) expect(questionNums.has(Number(x)), `${x} in ${sol}`).toBe(true);
  // the distractor's number never enters the solution
  if (meta.distractor) expect(sol.includes(meta.distractor)).toBe(false);
}

describe('arith-word worked solutions', () => {
  it('are correct step by step and end in the row\'s answer, for every template of every split', () => {
    const seen = new Set<string>();
    for (const split of ['train', 'test', 'test-ood']) {
      for (const row of taskRows(arithWord, 3, split, 300)) {
        checkSolution(row);
        seen.add((row.meta as unknown as ArithMeta).template);
      }
    }
    expect([...seen].sort()).toEqual(ARITH_TEMPLATES.map((t) => t.id).sort());
  });

  it('follow perturbed rows (renumbered numbers, new names; a distractor changes nothing)', () => {
    for (const row of taskRows(arithWord, 5, 'test', 40)) {
      for (const kind of PERTURBATIONS) {
        const p = perturbArithWord(row, kind, 2);
        checkSolution(p);
        if (kind === 'distract') expect(p.meta.solution).toBe(row.meta.solution);
        // a renamed row's solution names its own entities (rename keeps the vehicle, so rate-distance may not change)
        if (kind === 'rename' && /\b(?:buys|saves|needs|cost|gets)\b/.test(String(p.meta.solution))) expect(p.meta.solution).not.toBe(row.meta.solution);
      }
    }
  });
});
