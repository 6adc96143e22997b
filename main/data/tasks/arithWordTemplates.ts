// Templates of the arith-word task. Each template draws its numbers, renders
// them into a story and computes the integer answer. Invariant the tests rely
// on: the numbers appear in the question in the order of `nums`, and no other
// digits appear (entity names have none), so a reader can parse the numbers
// back and recompute the answer independently.
import { pick, randInt, type Rng } from '../rng.js';
import { worked } from './arithSteps.js';

export interface Entities {
  name: string;
  other: string;
  /** Plural noun. */
  item: string;
  vehicle: string;
  gift: string;
}

export interface ArithTemplate {
  id: string;
  draw(rng: Rng): number[];
  /** [setup sentences, the question sentence]; a distractor goes between them. */
  render(nums: readonly number[], e: Entities): [string, string];
  answer(nums: readonly number[]): number;
  /**
   * The worked solution's steps, each one sentence with one operation written by
   * `worked` (arithSteps.ts: `a op b = … = c`, place value by place value), the
   * reasoning model's SFT target (models/reasoner). The last
   * step's result is the answer; solutionText appends the \\boxed{} line.
   */
  solve(nums: readonly number[], e: Entities): string[];
}

const n = (nums: readonly number[], i: number): number => nums[i]!;

export const ARITH_TEMPLATES: readonly ArithTemplate[] = [
  {
    id: 'shopping-change',
    draw: (rng) => {
      const a = randInt(rng, 2, 9);
      const p = randInt(rng, 2, 12);
      return [a, p, pick(rng, [20, 50, 100, 200].filter((b) => b > a * p))];
    },
    render: (x, e) => [
      `${e.name} buys ${n(x, 0)} ${e.item} that cost ${n(x, 1)} dollars each and pays with a ${n(x, 2)}-dollar bill.`,
      `How many dollars of change does ${e.name} get?`,
    ],
    answer: (x) => n(x, 2) - n(x, 0) * n(x, 1),
    solve: (x, e) => {
      const cost = n(x, 0) * n(x, 1);
      return [`The ${e.item} cost ${worked(n(x, 0), '*', n(x, 1))} dollars.`, `The change is ${worked(n(x, 2), '-', cost)} dollars.`];
    },
  },
  {
    id: 'sharing',
    draw: (rng) => {
      const k = randInt(rng, 2, 9);
      return [k * randInt(rng, 2, 15), k];
    },
    render: (x, e) => [
      `${e.name} has ${n(x, 0)} ${e.item} and shares them equally among ${n(x, 1)} friends.`,
      `How many ${e.item} does each friend get?`,
    ],
    answer: (x) => n(x, 0) / n(x, 1),
    solve: (x, e) => [`Each friend gets ${worked(n(x, 0), '/', n(x, 1))} ${e.item}.`],
  },
  {
    id: 'rate-distance',
    draw: (rng) => [5 * randInt(rng, 4, 24), randInt(rng, 2, 9)],
    render: (x, e) => [
      `A ${e.vehicle} travels at ${n(x, 0)} kilometers per hour for ${n(x, 1)} hours.`,
      `How many kilometers does the ${e.vehicle} travel?`,
    ],
    answer: (x) => n(x, 0) * n(x, 1),
    solve: (x, e) => [`The ${e.vehicle} travels ${worked(n(x, 0), '*', n(x, 1))} kilometers.`],
  },
  {
    id: 'ages',
    draw: (rng) => [randInt(rng, 5, 40), randInt(rng, 2, 30), randInt(rng, 2, 20)],
    render: (x, e) => [
      `${e.name} is ${n(x, 0)} years old. ${e.other} is ${n(x, 1)} years older than ${e.name}.`,
      `How old will ${e.other} be in ${n(x, 2)} years?`,
    ],
    answer: (x) => n(x, 0) + n(x, 1) + n(x, 2),
    solve: (x, e) => {
      const now = n(x, 0) + n(x, 1);
      return [`${e.other} is ${worked(n(x, 0), '+', n(x, 1))} years old now.`, `In ${n(x, 2)} years ${e.other} will be ${worked(now, '+', n(x, 2))} years old.`];
    },
  },
  {
    id: 'savings',
    draw: (rng) => {
      const s = randInt(rng, 3, 25);
      const w = randInt(rng, 2, 12);
      return [s, w, randInt(rng, 1, s * w - 1)];
    },
    render: (x, e) => [
      `${e.name} saves ${n(x, 0)} dollars every week for ${n(x, 1)} weeks and then spends ${n(x, 2)} dollars on ${e.gift}.`,
      `How many dollars does ${e.name} have left?`,
    ],
    answer: (x) => n(x, 0) * n(x, 1) - n(x, 2),
    solve: (x, e) => {
      const saved = n(x, 0) * n(x, 1);
      return [`${e.name} saves ${worked(n(x, 0), '*', n(x, 1))} dollars.`, `${e.name} has ${worked(saved, '-', n(x, 2))} dollars left.`];
    },
  },
  {
    id: 'packs',
    draw: (rng) => {
      const a = randInt(rng, 2, 9);
      const b = randInt(rng, 3, 12);
      return [a, b, randInt(rng, 1, a * b - 1)];
    },
    render: (x, e) => [
      `${e.name} buys ${n(x, 0)} packs of ${e.item} with ${n(x, 1)} ${e.item} in each pack and gives ${n(x, 2)} ${e.item} to ${e.other}.`,
      `How many ${e.item} does ${e.name} have now?`,
    ],
    answer: (x) => n(x, 0) * n(x, 1) - n(x, 2),
    solve: (x, e) => {
      const total = n(x, 0) * n(x, 1);
      return [`${e.name} buys ${worked(n(x, 0), '*', n(x, 1))} ${e.item}.`, `${e.name} has ${worked(total, '-', n(x, 2))} ${e.item} now.`];
    },
  },
  // Held out (split 'test-ood'): never used for train or test rows.
  {
    id: 'work-rate',
    draw: (rng) => [randInt(rng, 3, 20), randInt(rng, 2, 6), randInt(rng, 2, 8)],
    render: (x, e) => [
      `A machine makes ${n(x, 0)} ${e.item} per hour.`,
      `How many ${e.item} do ${n(x, 1)} such machines make in ${n(x, 2)} hours?`,
    ],
    answer: (x) => n(x, 0) * n(x, 1) * n(x, 2),
    solve: (x, e) => {
      const perHour = n(x, 0) * n(x, 1);
      return [`The machines make ${worked(n(x, 0), '*', n(x, 1))} ${e.item} per hour.`, `In ${n(x, 2)} hours they make ${worked(perHour, '*', n(x, 2))} ${e.item}.`];
    },
  },
  {
    id: 'reading-days',
    draw: (rng) => {
      const r = randInt(rng, 5, 30);
      return [r * randInt(rng, 3, 20), r];
    },
    render: (x, e) => [
      `${e.name} wants to read a book with ${n(x, 0)} pages and reads ${n(x, 1)} pages every day.`,
      `How many days does it take ${e.name} to finish the book?`,
    ],
    answer: (x) => n(x, 0) / n(x, 1),
    solve: (x, e) => [`${e.name} needs ${worked(n(x, 0), '/', n(x, 1))} days.`],
  },
];

/** Templates of the held-out-template split. */
export const HELD_OUT_TEMPLATE_IDS: readonly string[] = ['work-rate', 'reading-days'];

export const NAMES = ['Ava', 'Ben', 'Chloe', 'Diego', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Liam', 'Maya', 'Noor', 'Oscar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara'];
export const ITEMS = ['apples', 'pencils', 'stickers', 'marbles', 'cookies', 'notebooks', 'oranges', 'candles', 'buttons', 'cards'];
export const VEHICLES = ['train', 'bus', 'truck', 'car', 'ferry'];
export const GIFTS = ['a book', 'a scarf', 'a board game', 'a plant', 'a lamp'];

/** Irrelevant clauses (each with one number) for the 'distract' perturbation. */
export const DISTRACTORS: readonly ((k: number, e: Entities) => string)[] = [
  (k, e) => `${e.other} has ${k} cousins who live far away.`,
  (k) => `The shop nearby opened ${k} years ago.`,
  (k, e) => `${e.other}'s favourite number is ${k}.`,
  (k) => `It rained on ${k} days last month.`,
];

export function drawEntities(rng: Rng): Entities {
  const name = pick(rng, NAMES);
  let other = pick(rng, NAMES);
  while (other === name) other = pick(rng, NAMES);
  return { name, other, item: pick(rng, ITEMS), vehicle: pick(rng, VEHICLES), gift: pick(rng, GIFTS) };
}
