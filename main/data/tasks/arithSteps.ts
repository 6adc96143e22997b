// How a worked solution writes one operation: a chain of equalities that breaks
// multi-digit work into place-value steps, so that every `=` asks for one small
// fact. "17 + 26 = 17 + 20 + 6 = 37 + 6 = 43", "200 - 56 = 200 - 50 - 6 = 150 - 6
// = 144", "65 * 3 = 60 * 3 + 5 * 3 = 180 + 15 = 195".
//
// Why: the reasoning model (models/reasoner, ~1M parameters) writes numbers most
// significant digit first. Asked for "72 - 65 = 7" in one step it must resolve
// every borrow before its first digit; with one-step solutions it reached 9 %
// greedy pass@1, with these chains 22.5 % on the same budget (49.5 % with 2.5× the
// steps; docs/DESIGN.md, "The reasoning model"). Decomposing by place value is
// the scratchpad idea of Nye et al. 2021 ("Show your work", arXiv:2112.00114)
// in the form schoolchildren are taught: each link adds or subtracts one
// nonzero digit times a power of ten, or multiplies one by a times-table factor.
//
// Pure functions of the operands: the same operation always reads the same.

/** The nonzero place values of n, highest first: 145 → [100, 40, 5]; 0 → [0]. */
export function placeParts(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`placeParts needs a non-negative integer, got ${n}`);
  const parts: number[] = [];
  for (let p = 10 ** Math.max(0, String(n).length - 1); p >= 1; p /= 10) {
    const d = Math.floor(n / p) % 10;
    if (d) parts.push(d * p);
  }
  return parts.length ? parts : [0];
}

/** The links that fold `terms` into `acc` one term a link: (72, [60, 5], '-') → ["72 - 60 - 5", "12 - 5"]. */
function foldLinks(acc: number, terms: readonly number[], op: '+' | '-'): string[] {
  const links: string[] = [];
  for (let i = 0; i < terms.length; i++) {
    links.push([acc, ...terms.slice(i)].join(` ${op} `));
    acc = op === '+' ? acc + terms[i]! : acc - terms[i]!;
  }
  return links;
}

/** a + b or a - b, one place of b per link. */
function addSub(a: number, op: '+' | '-', b: number): string {
  const parts = placeParts(b);
  const c = op === '+' ? a + b : a - b;
  if (parts.length < 2) return `${a} ${op} ${b} = ${c}`;
  return [`${a} ${op} ${b}`, ...foldLinks(a, parts, op), c].join(' = ');
}

/** Times-table facts are written as they are: both factors at most 12. */
const TABLE = 12;

/** a * b: the larger factor split by place value against the smaller, then the partial products summed left to right. */
function mul(a: number, b: number): string {
  const c = a * b;
  const [x, y] = a >= b ? [a, b] : [b, a];
  const parts = placeParts(x);
  if (x <= TABLE || y > TABLE || y < 2 || parts.length < 2) return `${a} * ${b} = ${c}`;
  const split = a >= b ? parts.map((p) => `${p} * ${y}`) : parts.map((p) => `${y} * ${p}`);
  const partial = parts.map((p) => p * y);
  return [`${a} * ${b}`, split.join(' + '), ...foldLinks(partial[0]!, partial.slice(1), '+'), c].join(' = ');
}

/** One operation of a worked solution, `a op b = … = c`; division (a times-table fact read backwards) stays one step. */
export function worked(a: number, op: '+' | '-' | '*' | '/', b: number): string {
  if (op === '+' || op === '-') return addSub(a, op, b);
  if (op === '*') return mul(a, b);
  if (b === 0 || a % b !== 0) throw new Error(`${a} / ${b} is not a whole number`);
  return `${a} / ${b} = ${a / b}`;
}
