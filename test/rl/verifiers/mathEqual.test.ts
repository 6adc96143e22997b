import { describe, expect, test } from 'vitest';
import { mathEqual } from '../../../main/rl/verifiers/math/mathEqual.js';

// [ground truth, prediction, expected]. Rule: at least as permissive on notation as the
// reference grader (ALGORITHMS.md §5), strictly exact on value (§7 item 6).
const equal: [string, string][] = [
  ['42', '42'],
  ['1234', '1,234'],
  ['1234567', '1,234,567'],
  ['7500', '7\\,500'],
  ['7500', '7{,}500'],
  ['7500', '7 500'],
  ['7500', '7\u202F500'],
  ['-3', '\u22123'],
  ['-3', '\u20133'],
  ['5', '+5'],
  ['0.5', '\\frac{1}{2}'],
  ['0.5', '\\dfrac{1}{2}'],
  ['0.5', '\\tfrac12'],
  ['\\frac{1}{2}', '1/2'],
  ['\\frac{1}{2}', '\\frac{2}{4}'],
  ['\\frac{1}{2}', '\\frac{1}{2}.'],
  ['-\\frac{1}{2}', '\\frac{-1}{2}'],
  ['-0.5', '-.5'],
  ['2.50', '2.5'],
  ['0.3', '0.1+0.2'],
  ['1500', '1.5\\times10^{3}'],
  ['1500', '1.5e3'],
  ['50\\%', '50'],
  ['50', '50%'],
  ['30', '30^\\circ'],
  ['30', '30^{\\circ}'],
  ['30', '30°'],
  ['10', '\\$10'],
  ['10', '10 dollars'],
  ['10', '\\text{10 dollars}'],
  ['5', '5\\text{ cm}'],
  ['12', '12 square units'],
  ['5', '\\mathrm{5}'],
  ['5', 'x = 5'],
  ['5', 'a_1=5'],
  ['3', '\\left(3\\right)'],
  ['\\sqrt{3}', '\\sqrt3'],
  ['\\sqrt{2}/2', '\\frac{1}{\\sqrt{2}}'],
  ['\\sqrt{4}', '2'],
  ['2\\sqrt{2}', '\\sqrt{8}'],
  ['\\sqrt[3]{8}', '2'],
  ['\\pi', '\\pi'],
  ['2\\pi', '\\pi\\cdot2'],
  ['2\\pi r', '2r\\pi'],
  ['2x+1', '1+2x'],
  ['x^2-1', '(x-1)(x+1)'],
  ['\\frac{x}{2}', '0.5x'],
  ['3+4i', '4i+3'],
  ['2\\frac{1}{2}', '\\frac{5}{2}'],
  ['18446744073709551616', '2^{64}'],
  ['9007199254740993', '9007199254740993'],
  ['123456789012345678901234567890', '123,456,789,012,345,678,901,234,567,890'],
  ['(1,2)', '(1, 2)'],
  ['(1,2)', '\\left(1,2\\right)'],
  ['(\\frac{1}{2},3)', '(0.5,3.0)'],
  ['[0,1)', '[0, 1)'],
  ['(-\\infty,1)\\cup(2,\\infty)', '(-\\infty, 1) \\cup (2, \\infty)'],
  ['\\{1,2,3\\}', '\\{3,1,2\\}'],
  ['1,2', '1, 2'],
  ['\\text{(B)}', '(B)'],
  ['5', '\\boxed{5}'],
  ['5', '5\\text{ marbles}'],
  ['5', 'xy = 5'],
  ['\\frac{31}{4}', '7 3/4'],
  ['7\\frac{3}{4}', '7.75'],
  ['-7.75', '-7 3/4'],
  ['\\infty', '∞'],
];

const different: [string, string][] = [
  ['42', '43'],
  ['42', '4.2'],
  ['9007199254740993', '9007199254740992'], // equal as floats; the reference accepts this
  ['18446744073709551617', '2^{64}'],
  ['\\frac{1}{3}', '0.333333'],
  ['\\frac{1}{3}', '0.3333333333333333'],
  ['\\pi', '3.14159'],
  ['\\pi', '3.141592653589793'], // the float nearest pi is still not pi
  ['\\frac{\\sqrt{3}}{2}', '0.8660254037844386'],
  ['0.5', '50\\%'], // percent is a unit: 50% is 50 (docs/VERIFIERS.md)
  ['(1,2)', '[1,2]'],
  ['(1,2)', '(1,2]'],
  ['(1,2)', '(2,1)'],
  ['(1,2)', '(1,2,3)'],
  ['1,2', '(1,2)'],
  ['1,2', '2,1'],
  ['x^2', 'x^3'],
  ['x+1', 'y+1'],
  ['2x', '2'],
  ['-3', '3'],
  ['5', ''],
  ['', ''],
  ['1', '\\frac{1}{0}'],
  ['1', '1e999999'],
  ['1', '9^9^9^9'],
  ['2', 'import("fs")'],
  ['2', "evaluate('1+1')"],
  ['1', 'x=1;y=1'],
  ['4', 'f(x)=4'],
  ['1', '[1]'],
  ['2', '"2"'],
  ['\\{1,2\\}', '\\{1,1,2\\}'],
  ['(-\\infty,1)\\cup(2,\\infty)', '(2,\\infty)\\cup(-\\infty,1)'], // unions compare in order, as strings would
  ['73/4', '7 3/4'],
  ['7\\cdot\\frac{3}{4}', '7\\frac{3}{4}'], // a mixed number, not a product
  ['5', 'xyz = 5'],
];

describe('mathEqual', () => {
  test.each(equal)('%s equals %s', (a, b) => {
    expect(mathEqual(a, b)).toBe(true);
    expect(mathEqual(b, a)).toBe(true);
  });
  test.each(different)('%s differs from %s', (a, b) => {
    expect(mathEqual(a, b)).toBe(false);
    expect(mathEqual(b, a)).toBe(false);
  });
});
