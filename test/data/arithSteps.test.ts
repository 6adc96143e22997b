// The worked-solution writer (main/data/tasks/arithSteps.ts): hand-written
// chains for each kind of operation, and over every operand range the task
// draws, each link does exactly one small step (one place of the second operand
// for + and -, a times-table fact times a power of ten for *).
import { describe, expect, it } from 'vitest';
import { placeParts, worked } from '../../main/data/tasks/arithSteps.js';

describe('worked operations', () => {
  it('splits by place value', () => {
    expect(placeParts(145)).toEqual([100, 40, 5]);
    expect(placeParts(207)).toEqual([200, 7]);
    expect(placeParts(60)).toEqual([60]);
    expect(placeParts(0)).toEqual([0]);
    expect(() => placeParts(-3)).toThrow(/non-negative/);
  });

  it('writes the chains a teacher would (hand-written)', () => {
    expect(worked(17, '+', 26)).toBe('17 + 26 = 17 + 20 + 6 = 37 + 6 = 43');
    expect(worked(72, '-', 65)).toBe('72 - 65 = 72 - 60 - 5 = 12 - 5 = 7');
    expect(worked(300, '-', 145)).toBe('300 - 145 = 300 - 100 - 40 - 5 = 200 - 40 - 5 = 160 - 5 = 155');
    expect(worked(45, '-', 8)).toBe('45 - 8 = 37');
    expect(worked(200, '-', 30)).toBe('200 - 30 = 170');
    expect(worked(65, '*', 3)).toBe('65 * 3 = 60 * 3 + 5 * 3 = 180 + 15 = 195');
    expect(worked(3, '*', 65)).toBe('3 * 65 = 3 * 60 + 3 * 5 = 180 + 15 = 195');
    expect(worked(115, '*', 3)).toBe('115 * 3 = 100 * 3 + 10 * 3 + 5 * 3 = 300 + 30 + 15 = 330 + 15 = 345');
    expect(worked(7, '*', 8)).toBe('7 * 8 = 56');
    expect(worked(12, '*', 11)).toBe('12 * 11 = 132');
    expect(worked(60, '*', 4)).toBe('60 * 4 = 240');
    expect(worked(84, '/', 7)).toBe('84 / 7 = 12');
    expect(() => worked(85, '/', 7)).toThrow(/whole/);
  });

  it('takes one small step per link over the task\'s operand ranges', () => {
    const nonzeroPlaces = (n: number): number => placeParts(n).filter((p) => p > 0).length;
    // Collected, then asserted once: vitest's expect is too slow for ~125,000 chains.
    const bad: string[] = [];
    const check = (ok: boolean, what: string): void => { if (!ok && bad.length < 5) bad.push(what); };
    let chains = 0;
    for (let a = 0; a <= 320; a++) {
      for (let b = 1; b <= 130; b++) {
        for (const op of ['+', '-', '*'] as const) {
          if (op === '-' && b > a) continue;
          const chain = worked(a, op, b);
          const links = chain.split(' = ');
          const want = op === '+' ? a + b : op === '-' ? a - b : a * b;
          check(links.at(-1) === String(want), `${chain}: ends in ${want}`);
          if (links.length > 2) chains++;
          for (let i = 1; i < links.length - 1; i++) {
            const terms = links[i]!.split(/ [-+] /);
            const next = links[i + 1]!.split(/ [-+] /);
            if (op !== '*' || i > 1) {
              // one term fewer per link: the first two were combined, the rest copied
              check(next.length === terms.length - 1 && next.slice(1).join() === terms.slice(2).join(), `${chain}: link ${i + 1} combines the first two terms`);
              if (op !== '*') check(nonzeroPlaces(Number(terms[1])) === 1, `${chain}: link ${i} adds one place`);
            } else {
              // the split link: each partial product is one nonzero digit (times a power of ten) times a factor ≤ 12
              for (const t of terms) {
                const [x, y] = t.split(' * ').map(Number) as [number, number];
                check(Math.min(nonzeroPlaces(x), nonzeroPlaces(y)) === 1 && Math.min(x, y) <= 12, `${chain}: ${t} is a table fact`);
              }
            }
          }
        }
      }
    }
    expect(bad).toEqual([]);
    expect(chains).toBeGreaterThan(10_000);
  });
});
