// Built-in tasks: determinism, split disjointness, answers recomputed
// independently from the question text for every template, and perturbations
// that change what they claim to change.
import { describe, expect, it } from 'vitest';
import { arithWord, contentSplit, type ArithMeta } from '../../main/data/tasks/arithWord.js';
import { perturbArithWord } from '../../main/data/tasks/perturbArithWord.js';
import { taskRows } from '../../main/data/tasks/Task.js';
import { getTask, TASK_NAMES, tasks } from '../../main/data/tasks/tasks.js';
import { tinyDemo, TINY_DEMO_TARGETS } from '../../main/data/tasks/tinyDemo.js';
import type { TaskRow } from '../../main/data/types.js';

/**
 * The test's own formulas over the numbers read back from the question text,
 * in order. Written independently of arithWordTemplates.ts on purpose.
 */
const FORMULAS: Record<string, (x: number[]) => number> = {
  'shopping-change': ([count, price, bill]) => bill! - count! * price!,
  sharing: ([total, friends]) => total! / friends!,
  'rate-distance': ([speed, hours]) => speed! * hours!,
  ages: ([age, older, years]) => age! + older! + years!,
  savings: ([perWeek, weeks, spent]) => perWeek! * weeks! - spent!,
  packs: ([packs, each, given]) => packs! * each! - given!,
  'work-rate': ([perHour, machines, hours]) => perHour! * machines! * hours!,
  'reading-days': ([pages, perDay]) => pages! / perDay!,
};

function numbersIn(row: TaskRow): number[] {
  const meta = row.meta as unknown as ArithMeta;
  const text = meta.distractor ? row.question.replace(meta.distractor, '') : row.question;
  return (text.match(/\d+/g) ?? []).map(Number);
}

function recompute(row: TaskRow): number {
  const f = FORMULAS[(row.meta as unknown as ArithMeta).template];
  if (!f) throw new Error(`no independent formula for ${String(row.meta.template)}`);
  return f(numbersIn(row));
}

const rowsOf = (split: string, n: number, seed = 1): TaskRow[] => taskRows(arithWord, seed, split, n);

describe('arith-word', () => {
  it('is deterministic: same (seed, split, index) gives the same row; other seeds differ', () => {
    expect(rowsOf('train', 50, 7)).toEqual(rowsOf('train', 50, 7));
    expect(arithWord.row(7, 'test', 123)).toEqual(arithWord.row(7, 'test', 123));
    const a = rowsOf('train', 50, 7).map((r) => r.question);
    const b = rowsOf('train', 50, 8).map((r) => r.question);
    expect(a.filter((q, i) => q === b[i]).length).toBeLessThan(3);
  });

  it('has a correct positive integer answer for every row of every template (recomputed from the text)', () => {
    const seen = new Set<string>();
    for (const split of ['train', 'test', 'test-ood']) {
      for (const row of rowsOf(split, 400)) {
        const meta = row.meta as unknown as ArithMeta;
        seen.add(meta.template);
        expect(numbersIn(row), row.question).toEqual(meta.nums);
        const want = recompute(row);
        expect(Number.isInteger(want) && want > 0, `${row.question} -> ${want}`).toBe(true);
        expect(row.answer, row.question).toBe(String(want));
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(FORMULAS).sort());
  });

  it('keeps train, test and test-ood disjoint (content split by hash; held-out templates)', () => {
    const key = (r: TaskRow): string => {
      const m = r.meta as unknown as ArithMeta;
      return `${m.template}:${m.nums.join(',')}`;
    };
    // Different seeds on each side: disjointness must not depend on seeds.
    const train = new Set(rowsOf('train', 3000, 1).map(key));
    const test = rowsOf('test', 1000, 2);
    const ood = rowsOf('test-ood', 500, 3);
    expect(test.filter((r) => train.has(key(r)))).toEqual([]);
    const trainTemplates = new Set([...train].map((k) => k.split(':')[0]));
    const oodTemplates = new Set(ood.map((r) => (r.meta as unknown as ArithMeta).template));
    expect([...oodTemplates].filter((t) => trainTemplates.has(t))).toEqual([]);
    expect(oodTemplates.size).toBe(2);
    for (const r of test) expect(contentSplit((r.meta as unknown as ArithMeta).template, (r.meta as unknown as ArithMeta).nums)).toBe('test');
    // Roughly 10% of problem space goes to test: train still covers all six templates.
    expect(trainTemplates.size).toBe(6);
  });

  it('rejects an unknown split with the valid ones listed', () => {
    expect(() => arithWord.row(1, 'validation', 0)).toThrow(/valid splits: train, test, test-ood/);
  });
});

describe('perturbArithWord', () => {
  const originals = [...rowsOf('train', 60), ...rowsOf('test', 30), ...rowsOf('test-ood', 30)];

  it('renumber: numbers change, the answer is recomputed correctly, the split is kept', () => {
    for (const row of originals) {
      const p = perturbArithWord(row, 'renumber', 5);
      expect(numbersIn(p)).not.toEqual(numbersIn(row));
      expect(p.answer).toBe(String(recompute(p)));
      expect(p.split).toBe(row.split);
      if (row.split !== 'test-ood') expect(contentSplit(p.meta.template as string, (p.meta as unknown as ArithMeta).nums)).toBe(row.split);
      // The story is the same apart from the numbers.
      expect(p.question.replace(/\d+/g, '#')).toBe(row.question.replace(/\d+/g, '#'));
      expect(p.meta).toMatchObject({ perturbation: 'renumber', source: row.id });
    }
  });

  it('rename: names/objects change, numbers and answer do not', () => {
    for (const row of originals) {
      const p = perturbArithWord(row, 'rename', 5);
      const before = row.meta as unknown as ArithMeta;
      const after = p.meta as unknown as ArithMeta;
      expect(after.entities.name).not.toBe(before.entities.name);
      expect(numbersIn(p)).toEqual(numbersIn(row));
      expect(p.answer).toBe(row.answer);
      expect(p.answer).toBe(String(recompute(p)));
    }
  });

  it('distract: adds an irrelevant sentence with a number; the answer is unchanged', () => {
    for (const row of originals) {
      const p = perturbArithWord(row, 'distract', 5);
      const d = (p.meta as unknown as ArithMeta).distractor!;
      expect(d).toMatch(/\d/);
      expect(p.question).toContain(d);
      expect(p.question.length).toBeGreaterThan(row.question.length);
      expect(p.question.replace(`${d} `, '')).toBe(row.question);
      expect(p.answer).toBe(row.answer);
      // Naively using every number would now give a different count of numbers.
      expect((p.question.match(/\d+/g) ?? []).length).toBe(numbersIn(row).length + 1);
    }
  });

  it('is deterministic', () => {
    const r = originals[3]!;
    expect(perturbArithWord(r, 'renumber', 9)).toEqual(perturbArithWord(r, 'renumber', 9));
  });
});

describe('tiny-demo', () => {
  it('asks "Say X" with a one-character answer from a small set, deterministically', () => {
    const rows = taskRows(tinyDemo, 3, 'train', 200);
    expect(rows).toEqual(taskRows(tinyDemo, 3, 'train', 200));
    for (const r of rows) {
      expect(r.question).toBe(`Say ${r.answer}`);
      expect(r.answer).toHaveLength(1);
      expect(TINY_DEMO_TARGETS).toContain(r.answer);
      expect(r.meta.match).toBe('prefix');
    }
    expect(new Set(rows.map((r) => r.answer)).size).toBe(TINY_DEMO_TARGETS.length);
  });
});

describe('task registry', () => {
  it('lists tasks and gets them by name', () => {
    expect(TASK_NAMES).toEqual(['arith-word', 'tiny-demo']);
    for (const name of TASK_NAMES) expect(getTask(name)).toBe(tasks[name]);
  });

  it('an unknown name lists the valid ones', () => {
    expect(() => getTask('gsm9k')).toThrow('unknown task "gsm9k"; valid tasks: arith-word, tiny-demo');
    expect(() => getTask('toString')).toThrow(/unknown task/);
  });
});
