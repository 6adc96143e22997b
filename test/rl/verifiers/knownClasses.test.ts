/**
 * The known classes of grading mistakes (issue 14, "Verifier accuracy"), each
 * with positive and negative cases, through mathEqual and through the
 * verifiers that read the completion. Expected verdicts are what a careful
 * human grader says, not what the code happened to return.
 */
import { describe, expect, test } from 'vitest';
import { boxedMath } from '../../../main/rl/verifiers/boxedMath.js';
import { gsm8k } from '../../../main/rl/verifiers/gsm8k.js';
import { mathEqual } from '../../../main/rl/verifiers/math/mathEqual.js';
import { multipleChoice } from '../../../main/rl/verifiers/multipleChoice.js';
import { timed } from './hostileInputs.js';

/** [ground truth, boxed prediction, equal?] — checked both ways round unless one-sided. */
type Row = [string, string, boolean];

const classes: Record<string, Row[]> = {
  'text is compared as text, never as a product of one-letter symbols': [
    ['listen', 'silent', false],
    ['silent', 'listen', false],
    ['\\text{listen}', '\\text{silent}', false],
    ['night', 'thing', false],
    ['dusty', 'study', false],
    ['no', 'on', false],
    ['evil', 'vile', false],
    ['Paris', 'Paris', true],
    ['\\text{Paris}', 'Paris', true],
    ['\\text{New York}', 'New York', true],
    ['blue', 'red', false],
    ['yes', 'no', false],
    ['abc', 'cba', false],
    ['(listen, 5)', '(silent, 5)', false], // text inside a tuple is still text
    ['\\{night, 2\\}', '\\{thing, 2\\}', false],
    ['(Paris, 5)', '(paris, 5)', true],
    ['2ab', '2ba', true], // a product of variables is still math
    ['xy', 'xy', true],
    ['\\pi r^2', 'r^2\\pi', true],
  ],
  'case of text answers': [
    ['Paris', 'paris', true],
    ['\\text{Yes}', 'YES', true],
    ['\\text{Monday}', '\\textbf{monday}', true],
    ['Tuesday', 'thursday', false],
    ['x', 'X', false], // one-letter variables stay case-sensitive
    ['2x+1', '2X+1', false],
  ],
  'nothing is cut: long answers are compared whole': [
    ['1'.repeat(1500), '1'.repeat(1500), true],
    ['1'.repeat(1500), '1'.repeat(1000) + '2'.repeat(500), false],
    ['1'.repeat(1000), '1'.repeat(1000) + '9', false],
    ['(' + Array.from({ length: 300 }, (_, i) => i).join(',') + ')', '(' + Array.from({ length: 300 }, (_, i) => i).join(', ') + ')', true],
    ['(' + Array.from({ length: 300 }, (_, i) => i).join(',') + ')', '(' + Array.from({ length: 300 }, (_, i) => (i === 299 ? 0 : i)).join(',') + ')', false],
    ['\\text{' + 'a'.repeat(1200) + '}', 'a'.repeat(1200), true],
    ['\\text{' + 'a'.repeat(1200) + '}', 'a'.repeat(1000) + 'b'.repeat(200), false],
  ],
  'a box holding two answers is not one answer': [
    ['72', '72 and 73', false],
    ['73', '72 and 73', false],
    ['72', '72 or 73', false],
    ['72', '72 \\text{ or } 73', false],
    ['72', '72 \\text{ and } 73', false],
    ['72', '72\\text{or}73', false],
    ['72', '72, 73', false],
    ['72', '72; 73', false],
    ['72', '72 \\text{ apples}', true], // a unit, not a second answer
    ['72', '72\\text{ square units}', true],
  ],
  'a row break \\\\ followed by a space keeps both backslashes': [
    ['\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', '\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}', true],
    ['\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', '\\begin{bmatrix}1&2\\\\ 3&4\\end{bmatrix}', true],
    ['\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', '\\begin{pmatrix}1&2\\\\ 3&5\\end{pmatrix}', false],
    ['\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', '\\begin{pmatrix}1&2&3&4\\end{pmatrix}', false],
    ['\\begin{pmatrix}1\\\\2\\end{pmatrix}', '\\begin{pmatrix}1&2\\end{pmatrix}', false], // column vs row
    ['\\begin{pmatrix}\\frac{1}{2}\\\\ 3\\end{pmatrix}', '\\begin{pmatrix}0.5\\\\3\\end{pmatrix}', true],
    ['\\begin{vmatrix}1&2\\\\3&4\\end{vmatrix}', '\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}', false], // a determinant is not a matrix
    ['7\\,500', '7500', true], // `\,` is still a space
  ],
  'repeating decimals': [
    ['\\frac{1}{3}', '0.\\overline{3}', true],
    ['\\frac{2}{3}', '0.\\overline{6}', true],
    ['\\frac{1}{7}', '0.\\overline{142857}', true],
    ['\\frac{1}{6}', '0.1\\overline{6}', true],
    ['\\frac{67}{55}', '1.2\\overline{18}', true],
    ['-\\frac{1}{3}', '-0.\\overline{3}', true],
    ['\\frac{1}{3}', '0.\\dot{3}', true],
    ['1', '0.\\overline{9}', true],
    ['\\frac{1}{3}', '0.333', false],
    ['\\frac{1}{3}', '0.333...', false],
    ['\\frac{1}{3}', '0.\\overline{33}', true],
    ['\\frac{1}{3}', '0.\\overline{4}', false],
    ['0.3', '0.\\overline{3}', false],
  ],
  'f(x) = and other left-hand sides': [
    ['2x+1', 'f(x) = 2x+1', true],
    ['2x+1', 'f(x)=1+2x', true],
    ['x^2', 'g(x) = x^2', true],
    ['t^2-1', 'h(t) = (t-1)(t+1)', true],
    ['\\frac{x-1}{2}', 'f^{-1}(x) = \\frac{x-1}{2}', true],
    ['2x+1', 'f(x) = 2x+2', false],
    ['5', 'x = 5', true],
    ['5', 'y=5', true],
    ['5', 'x = 5 = y', false],
    ['[2,5)', 'x \\in [2,5)', true],
    ['[2,5)', 'x \\in (2,5)', false],
    ['4', 'f(x)=4', true],
  ],
  'a single number inside a short sentence': [
    ['5', 'The answer is 5', true],
    ['5', '\\text{The answer is } 5', true],
    ['5', 'The final answer is 5.', true],
    ['5', 'Answer: 5', true],
    ['1234', 'So the total is 1,234', true],
    ['5', '5 marbles', true],
    ['5', 'There are 5 apples', true],
    ['6', 'The answer is 5', false],
    ['5', 'The answer is not 5', false],
    ['5', 'It is not 5', false],
    ['5', 'about 5', false],
    ['5', 'approximately 5', false],
    ['5', '5 or more', false],
    ['5', 'at least 5', false],
    ['5', 'between 5 and 6', false],
    ['5', 'The answer is 5 or 6', false],
    ['5', "5 isn't right", false],
    ['5', 'The answer is 5 and 6', false],
    ['10', '5 times 2', false], // two numbers: not a sentence around one
  ],
  'unions in another order are the same set': [
    ['(-\\infty,1)\\cup(2,\\infty)', '(2,\\infty)\\cup(-\\infty,1)', true],
    ['[0,1]\\cup[3,4]', '[3, 4] \\cup [0, 1]', true],
    ['\\{1\\}\\cup[2,3]', '[2,3]\\cup\\{1\\}', true],
    ['(-\\infty,1)\\cup(2,\\infty)', '(-\\infty,1]\\cup(2,\\infty)', false],
    ['(-\\infty,1)\\cup(2,\\infty)', '(-\\infty,1)', false],
    ['(-\\infty,1)\\cup(2,\\infty)', '(2,\\infty)\\cup(-\\infty,1)\\cup(5,6)', false],
    ['\\{1,2,3\\}', '\\{3,2,1\\}', true],
    ['\\{1,2,3\\}', '\\{3,2\\}', false],
  ],
  'units, percent, thousands, fractions, negatives, scientific notation': [
    ['50', '50\\%', true],
    ['0.5', '50\\%', false],
    ['1234567', '1,234,567', true],
    ['1234', '1,23,4', false],
    ['0.5', '\\frac{1}{2}', true],
    ['0.5', '\\frac{1}{3}', false],
    ['\\frac{2}{3}', '0.67', false],
    ['\\frac{2}{3}', '0.6667', false],
    ['-5', '5', false],
    ['-5', '\u22125', true],
    ['-\\frac{1}{2}', '\\frac{1}{-2}', true],
    ['1500', '1.5\\times 10^3', true],
    ['1500', '1.5 \\cdot 10^{3}', true],
    ['1500', '1.5e3', true],
    ['1500', '1.5\\times10^{4}', false],
    ['0.001', '10^{-3}', true],
    ['12', '12\\text{ cm}^2', true],
    ['12', '\\$12.00', true],
    ['12', '12 cm', true],
  ],
  'intervals, tuples, equations': [
    ['[1,2]', '[1, 2]', true],
    ['[1,2]', '(1,2)', false],
    ['(1,2)', '(2,1)', false],
    ['(3,-1)', '(3, -1)', true],
    ['x=5', 'x = 5', true],
    ['x=5', '5', true],
    ['x=5', 'x=6', false],
    ['x^2+y^2=1', 'x^2+y^2=1', true],
  ],
};

describe.each(Object.entries(classes))('%s', (_cls, rows) => {
  test.each(rows)('%s vs %s → %s', (truth, pred, equal) => {
    const { result, ms } = timed(() => mathEqual(truth, pred));
    expect(result).toBe(equal);
    expect(ms).toBeLessThan(200);
    // boxedMath reading the same answer out of a completion agrees
    expect(boxedMath({ completion: `Reasoning... so $\\boxed{${pred}}$.`, answer: truth }).correct).toBe(equal);
  });
});

describe('boxedMath: extraction exploits', () => {
  const cases: [string, string, string, boolean][] = [
    ['empty box', '\\boxed{}', '5', false],
    ['only the instruction echoed', 'Put the final answer within \\boxed{}.', '5', false],
    ['two boxes, different answers', 'maybe \\boxed{5} or \\boxed{6}', '6', false],
    ['two boxes, different answers (first right)', 'maybe \\boxed{5} or \\boxed{6}', '5', false],
    ['two boxes, same answer', 'so \\boxed{5}. Final: \\boxed{5}', '5', true],
    ['box in thinking, another after', '<think>try \\boxed{4}</think> \\boxed{5}', '5', true],
    ['a long right answer', `\\boxed{${'7'.repeat(2000)}}`, '7'.repeat(2000), true],
    ['a long wrong answer with the right first 1,000 characters', `\\boxed{${'7'.repeat(1000)}8}`, '7'.repeat(1000), false],
    ['a long ground truth with a short prefix answer', `\\boxed{${'7'.repeat(1000)}}`, '7'.repeat(1000) + '8', false],
    ['sentence in the box', '\\boxed{\\text{The answer is 5}}', '5', true],
    ['hedge in the box', '\\boxed{5 \\text{ or } 6}', '5', false],
    ['anagram', '\\boxed{\\text{silent}}', 'listen', false],
  ];
  test.each(cases)('%s', (_n, completion, answer, correct) => {
    expect(boxedMath({ completion, answer }).correct).toBe(correct);
  });

  test("multipleBoxes: 'last' reads the last box as the reference does", () => {
    expect(boxedMath({ completion: '\\boxed{5} or \\boxed{6}', answer: '6' }, { multipleBoxes: 'last' }).correct).toBe(true);
  });

  test('a 256 KB boxed answer (a whole 64k-token completion) is graded whole in bounded time', () => {
    const big = '1'.repeat(256 << 10);
    const { result, ms } = timed(() => boxedMath({ completion: `\\boxed{${big}}`, answer: big }));
    expect(result.correct).toBe(true);
    expect(ms).toBeLessThan(1000); // linear: ~100 ms here alone; quadratic work would take minutes
    expect(boxedMath({ completion: `\\boxed{${big}2}`, answer: big }).correct).toBe(false);
  });
});

describe('gsm8k: strict and flexible modes', () => {
  const cases: [string, string, string, 'strict' | 'flexible', boolean][] = [
    ['boxed, strict', 'so \\boxed{18}', '#### 18', 'strict', true],
    ['####, strict', 'so\n#### 18', '#### 18', 'strict', true],
    ['last number, flexible', 'She pays 18 dollars.', '#### 18', 'flexible', true],
    ['last number, strict: no answer', 'She pays 18 dollars.', '#### 18', 'strict', false],
    ['"the answer is", strict: no answer', 'The answer is 18.', '18', 'strict', false],
    ['#### hedge', '#### 18 or 19', '18', 'flexible', false],
    ['#### sentence', '#### The answer is 18.', '18', 'strict', true],
    ['#### with thousands', '#### $1,234', '1234', 'strict', true],
    ['two boxes', '\\boxed{18} \\boxed{19}', '19', 'flexible', false],
    ['wrong box beats a right last number', '\\boxed{17}, not 18', '18', 'flexible', false],
  ];
  test.each(cases)('%s', (_n, completion, answer, mode, correct) => {
    expect(gsm8k({ completion, answer }, { mode }).correct).toBe(correct);
  });
});

describe('multipleChoice: hedges, "Option C", strict mode', () => {
  const CHOICES = ['Paris', 'London', 'Rome', 'Berlin'];
  const cases: [string, string, string, 'strict' | 'flexible', boolean][] = [
    ['box C or D', '\\boxed{C or D}', 'C', 'flexible', false],
    ['box C or D (truth D)', '\\boxed{C or D}', 'D', 'flexible', false],
    ['box (C) or (D)', '\\boxed{(C) or (D)}', 'C', 'flexible', false],
    ['box C and D', '\\boxed{C and D}', 'C', 'flexible', false],
    ['box C, D', '\\boxed{C, D}', 'C', 'flexible', false],
    ['box C/D', '\\boxed{C/D}', 'C', 'flexible', false],
    ['two boxes C then D', '\\boxed{C} or \\boxed{D}', 'D', 'flexible', false],
    ['box Option C', '\\boxed{Option C}', 'C', 'strict', true],
    ['box \\text{Option C}', '\\boxed{\\text{Option (C)}}', 'C', 'strict', true],
    ['box Choice: B', '\\boxed{Choice: B}', 'B', 'strict', true],
    ['box "The answer is C"', '\\boxed{\\text{The answer is C}}', 'C', 'strict', true],
    ['box Option C (truth B)', '\\boxed{Option C}', 'B', 'strict', false],
    ['box B) A triangle: the article is not option A', '\\boxed{B) A triangle}', 'B', 'strict', true],
    ['phrase, flexible', 'The answer is C.', 'C', 'flexible', true],
    ['phrase, strict: no answer', 'The answer is C.', 'C', 'strict', false],
    ['start of answer, strict: no answer', 'C. Rome', 'C', 'strict', false],
    ['phrase hedge', 'The answer is C or D.', 'C', 'flexible', false],
    ['phrase hedge (truth D)', 'The answer is C or D.', 'D', 'flexible', false],
    ['"The correct option is C"', 'Thinking... The correct option is C.', 'C', 'flexible', true],
    ['option text in the box', '\\boxed{Rome}', 'C', 'strict', true],
    ['option text in the box, case', '\\boxed{rome}', 'C', 'strict', true],
    ['wrong option text', '\\boxed{Berlin}', 'C', 'strict', false],
    ['lower-case letter in box', '\\boxed{c}', 'C', 'strict', true],
  ];
  test.each(cases)('%s', (_n, completion, answer, mode, correct) => {
    expect(multipleChoice({ completion, answer, choices: CHOICES }, { mode }).correct).toBe(correct);
  });

  test('a long option text is matched whole, not by its first 1,000 characters', () => {
    const long = ['x'.repeat(1000) + 'A', 'x'.repeat(1000) + 'B'];
    expect(multipleChoice({ completion: `\\boxed{${long[1]}}`, answer: 'A', choices: long }).correct).toBe(false);
    expect(multipleChoice({ completion: `\\boxed{${long[1]}}`, answer: 'B', choices: long }).correct).toBe(true);
  });
});
