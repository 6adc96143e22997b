// Suggests a field mapping from a file's own columns: the names popular sets
// use for each role (GSM8K question/answer, MATH problem/solution/answer,
// MMLU/ARC question/choices/answer, verl's prompt.0.content and
// reward_model.ground_truth), matched on the full dotted path first, then on
// the last segment, so nested fields are found too.
import type { AnswerFormat } from './answerFormats.js';
import type { ColumnInfo } from './columnsOf.js';
import { getPath } from './getPath.js';
import type { FieldMapping } from './mapRecord.js';

const NAMES = {
  question: ['question', 'problem', 'prompt.0.content', 'prompt', 'query', 'input', 'instruction', 'text', 'content'],
  answer: ['answer', 'reward_model.ground_truth', 'ground_truth', 'final_answer', 'answerKey', 'label', 'target', 'solution', 'output'],
  choices: ['choices', 'options', 'choices.text', 'endings'],
  id: ['id', 'unique_id', 'uid', 'idx', 'index', 'extra_info.index', 'problem_id'],
} as const;

function find(columns: readonly ColumnInfo[], names: readonly string[], want: (c: ColumnInfo) => boolean, taken: Set<string>): string | undefined {
  const usable = columns.filter((c) => want(c) && !taken.has(c.path));
  for (const n of names) {
    const exact = usable.find((c) => c.path.toLowerCase() === n.toLowerCase());
    if (exact) return exact.path;
  }
  for (const n of names) {
    const last = usable.find((c) => c.path.split('.').at(-1)!.toLowerCase() === n.toLowerCase());
    if (last) return last.path;
  }
  return undefined;
}

const scalar = (c: ColumnInfo): boolean => /string|number|boolean/.test(c.type);

/** A mapping built from the columns; fields it cannot place are left out (question/answer as '' when missing). */
export function suggestMapping(columns: readonly ColumnInfo[], samples: readonly unknown[] = []): FieldMapping {
  const taken = new Set<string>();
  const pick = (role: keyof typeof NAMES, want: (c: ColumnInfo) => boolean): string | undefined => {
    const p = find(columns, NAMES[role], want, taken);
    if (p) taken.add(p);
    return p;
  };
  const question = pick('question', scalar) ?? '';
  const answer = pick('answer', scalar) ?? '';
  const choices = pick('choices', (c) => c.type.includes('array'));
  const id = pick('id', scalar);
  const m: FieldMapping = { question, answer };
  if (choices) m.choices = choices;
  if (id) m.id = id;
  const values = samples.map((r) => getPath(r, answer)).filter((v) => v !== undefined && v !== null).slice(0, 20).map((v) => String(v));
  const fmt = answer ? guessAnswerFormat(values, choices !== undefined) : 'text';
  if (fmt !== 'text') m.answerFormat = fmt;
  return m;
}

/** GSM8K's "#### n", a \boxed{} solution, or an option index next to a choices column: what most sample values look like. */
export function guessAnswerFormat(values: readonly string[], hasChoices: boolean): AnswerFormat {
  if (values.length === 0) return 'text';
  const most = (re: RegExp): boolean => values.filter((v) => re.test(v)).length * 2 > values.length;
  if (most(/####\s*\S/)) return 'gsm8k';
  if (most(/\\boxed\s*\{[\s\S]*\}/) && values.every((v) => v.length > 40)) return 'boxed';
  if (hasChoices && values.every((v) => /^\d$/.test(v.trim()))) return 'choice-index';
  return 'text';
}
