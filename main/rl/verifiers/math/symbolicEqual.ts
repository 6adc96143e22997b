/**
 * Decides whether two mathjs-syntax expressions (from latexToMathjs) have the
 * same value, for answers the exact rational path cannot settle: radicals,
 * `pi`, `e`, `i`, and expressions in variables.
 *
 * Safety (the brief's whitelist, and STYLE.md's "avoid eval of model output"):
 * - text is at most MAX_EXPRESSION_CHARS and already restricted to
 *   `[0-9a-zA-Z.+-*\/^(), ]` by latexToMathjs: no `=`, quotes, brackets, `;`;
 * - after mathjs.parse, every node must be a finite ConstantNode, a SymbolNode
 *   naming a one-letter variable or `pi` `e` `i`, + - * / ^ or a sign, parentheses,
 *   or a call to sqrt nthRoot sin cos tan log exp abs with the right arity, so
 *   `import(...)`, `evaluate(...)`, assignments and function definitions never
 *   reach evaluation;
 * - an exponent may not itself contain `^` (so `9^9^9^9` is refused), and a
 *   constant exponent must satisfy |p| <= 1000.
 * Evaluation is mathjs's own AST interpreter (node.compile().evaluate), never JS eval.
 *
 * Comparison: both sides are evaluated at fixed points (no randomness in
 * main/rl) and must agree within a relative 1e-9 at every point where both are
 * finite, with at least two such points (one when there are no variables). The
 * variable sets must be equal. This is the "evaluate at several fixed points"
 * alternative to simplify(a-b)==0: it has no exponential worst case.
 *
 * Deliberately not here: exactness for rational constants (exactRational.ts
 * decides those first) and any LaTeX.
 */
import type { MathNode } from 'mathjs';
import { MAX_EXPRESSION_CHARS } from './latexToMathjs.js';

/**
 * mathjs, loaded on the first parse rather than with this module. Importing it builds
 * every one of its typed functions (most of a `clipo` command's start-up: 1.6-2.0 s of CPU
 * with it, 0.22 s without, on a busy 2-core machine), and every trainer, tool process and
 * `clipo` command loads the verifiers, while only answers the exact rational path cannot
 * settle get here. Loaded synchronously (its CommonJS build, through the module loader Node
 * always has) because verifiers are synchronous; no file or native access beyond loading
 * the package the static import used to load (docs/VERIFIERS.md, rule 7).
 */
let mathjsParse: ((expr: string) => MathNode) | undefined;
function parse(expr: string): MathNode {
  if (!mathjsParse) {
    const loader = process.getBuiltinModule('module') as { createRequire(from: string): (id: string) => unknown };
    mathjsParse = (loader.createRequire(import.meta.url)('mathjs') as { parse: (expr: string) => MathNode }).parse;
  }
  return mathjsParse(expr);
}

const FUNCTIONS: Record<string, number> = { sqrt: 1, nthRoot: 2, sin: 1, cos: 1, tan: 1, log: 1, exp: 1, abs: 1 };
const CONSTANTS = new Set(['pi', 'e', 'i']);
const OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);
const MAX_EXPONENT = 1000;
const MAX_VARIABLES = 4;
/** Fixed evaluation points: irregular values avoid accidental roots of the difference. */
const POINTS = [0.5377, 1.8339, -2.2588, 0.8622, 0.3188, -1.3077, 2.7694];
const REL_TOL = 1e-9;

export function symbolicEqual(a: string, b: string): boolean {
  const na = safeParse(a);
  const nb = safeParse(b);
  if (!na || !nb) return false;
  const vars = [...na.vars].sort();
  if (vars.join(',') !== [...nb.vars].sort().join(',')) return false;
  const fa = na.node.compile();
  const fb = nb.node.compile();
  const rounds = vars.length === 0 ? 1 : 5;
  let agreed = 0;
  for (let k = 0; k < rounds; k++) {
    const scope: Record<string, number> = {};
    vars.forEach((v, j) => (scope[v] = POINTS[(k + 2 * j) % POINTS.length]!));
    const va = toComplex(fa.evaluate({ ...scope }));
    const vb = toComplex(fb.evaluate({ ...scope }));
    if (!va || !vb) continue; // undefined at this point (e.g. log of 0): skip it
    const scale = Math.max(1, Math.hypot(va[0], va[1]), Math.hypot(vb[0], vb[1]));
    if (Math.hypot(va[0] - vb[0], va[1] - vb[1]) > REL_TOL * scale) return false;
    agreed++;
  }
  return agreed >= (vars.length === 0 ? 1 : 2);
}

/** mathjs.parse behind the whitelist; null if anything is outside it. */
export function safeParse(text: string): { node: MathNode; vars: Set<string> } | null {
  if (text.length > MAX_EXPRESSION_CHARS || !/^[0-9a-zA-Z.+\-*/^(), ]*$/.test(text)) return null;
  // Unknown multi-letter words become products of one-letter variables (`xy` → `x y`),
  // as sympy's LaTeX parser reads them; known names stay whole.
  const spaced = text.replace(/[a-zA-Z]+/g, (w) => (Object.hasOwn(FUNCTIONS, w) || CONSTANTS.has(w) ? w : w.split('').join(' ')));
  let node: MathNode;
  try {
    node = parse(spaced);
  } catch {
    return null;
  }
  const vars = new Set<string>();
  if (!check(node, vars, false) || vars.size > MAX_VARIABLES) return null;
  return { node, vars };
}

function check(node: MathNode, vars: Set<string>, inExponent: boolean): boolean {
  const n = node as MathNode & { args?: MathNode[]; fn?: unknown; content?: MathNode; value?: unknown; name?: string };
  switch (node.type) {
    case 'ConstantNode':
      return typeof n.value === 'number' && Number.isFinite(n.value);
    case 'SymbolNode':
      if (CONSTANTS.has(n.name!)) return true;
      if (!/^[a-zA-Z]$/.test(n.name!)) return false;
      vars.add(n.name!);
      return true;
    case 'ParenthesisNode':
      return check(n.content!, vars, inExponent);
    case 'OperatorNode': {
      const fn = n.fn as string;
      const args = n.args ?? [];
      if (!OPERATORS.has(fn)) return false;
      if (fn === 'pow') {
        if (inExponent || args.length !== 2) return false;
        if (!check(args[0]!, vars, false) || !check(args[1]!, vars, true)) return false;
        return exponentInRange(args[1]!);
      }
      return args.every((a) => check(a, vars, inExponent));
    }
    case 'FunctionNode': {
      const fn = n.fn as MathNode & { name?: string };
      const args = n.args ?? [];
      if (fn.type !== 'SymbolNode' || !Object.hasOwn(FUNCTIONS, fn.name!) || FUNCTIONS[fn.name!] !== args.length) return false;
      return args.every((a) => check(a, vars, inExponent));
    }
    default:
      return false; // AssignmentNode, FunctionAssignmentNode, AccessorNode, MatrixNode, ...
  }
}

/** A constant exponent must be small; one with variables is allowed (its evaluation is bounded by the points). */
function exponentInRange(node: MathNode): boolean {
  const symbols = node.filter((x) => x.type === 'SymbolNode' && !CONSTANTS.has((x as MathNode & { name: string }).name));
  if (symbols.length > 0) return true;
  const v = toComplex(node.compile().evaluate({}));
  return v !== null && Math.hypot(v[0], v[1]) <= MAX_EXPONENT;
}

/** A finite number or mathjs Complex as [re, im]; null for anything else. */
function toComplex(v: unknown): [number, number] | null {
  if (typeof v === 'number') return Number.isFinite(v) ? [v, 0] : null;
  if (v && typeof v === 'object' && 're' in v && 'im' in v) {
    const { re, im } = v as { re: unknown; im: unknown };
    if (typeof re === 'number' && typeof im === 'number' && Number.isFinite(re) && Number.isFinite(im)) return [re, im];
  }
  return null;
}
