// Applies a field mapping to one parsed record (a JSONL object or a CSV row
// keyed by header) and either returns a TaskRow or says precisely why not.
import { extractAnswer, type AnswerFormat } from './answerFormats.js';
import { getPath } from './getPath.js';
import type { MalformedReason, TaskRow } from './types.js';

/** Where each TaskRow field comes from: dotted paths into the record. */
export interface FieldMapping {
  question: string;
  answer: string;
  choices?: string;
  id?: string;
  /** How the answer column holds the ground truth (default 'text': as is). */
  answerFormat?: AnswerFormat;
  /** A worked solution / reference response (SFT's target, main/trainer/sft/sftTarget.ts), kept in meta.solution. */
  solution?: string;
}

export type MapResult = { ok: true; row: TaskRow } | { ok: false; reason: MalformedReason; detail: string };

const fail = (reason: MalformedReason, detail: string): MapResult => ({ ok: false, reason, detail });

/** string, or a finite number / boolean stringified (GSM8K-style numeric ground truths). */
function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

export function mapRecord(record: unknown, mapping: FieldMapping, ctx: { line: number; split: string }): MapResult {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return fail('wrong-type', `expected an object, got ${typeName(record)}`);
  }
  const text: Record<'question' | 'answer', string> = { question: '', answer: '' };
  for (const field of ['question', 'answer'] as const) {
    const path = mapping[field];
    const v = getPath(record, path);
    if (v === undefined) return fail('missing-field', `${field}: no value at "${path}"`);
    const s = asText(v);
    if (s === undefined) return fail('wrong-type', `${field}: "${path}" is ${typeName(v)}, expected string or number`);
    if (s.trim() === '') return fail('empty', `${field}: "${path}" is empty`);
    text[field] = s;
  }
  const answer = extractAnswer(text.answer, mapping.answerFormat);
  if (!answer.ok) return fail('bad-answer', `answer: "${mapping.answer}": ${answer.detail}`);
  const row: TaskRow = { id: `line-${ctx.line}`, question: text.question, answer: answer.answer, split: ctx.split, meta: { line: ctx.line } };
  if (mapping.choices !== undefined) {
    const v = getPath(record, mapping.choices);
    if (v === undefined) return fail('missing-field', `choices: no value at "${mapping.choices}"`);
    if (!Array.isArray(v)) return fail('wrong-type', `choices: "${mapping.choices}" is ${typeName(v)}, expected an array`);
    const choices = v.map(asText);
    const bad = choices.findIndex((c) => c === undefined);
    if (bad >= 0) return fail('wrong-type', `choices: item ${bad} is ${typeName(v[bad])}, expected string or number`);
    if (choices.length === 0) return fail('empty', `choices: "${mapping.choices}" is an empty array`);
    row.choices = choices as string[];
  }
  if (mapping.id !== undefined) {
    const v = getPath(record, mapping.id);
    if (v === undefined) return fail('missing-field', `id: no value at "${mapping.id}"`);
    const s = asText(v);
    if (s === undefined) return fail('wrong-type', `id: "${mapping.id}" is ${typeName(v)}, expected string or number`);
    if (s === '') return fail('empty', `id: "${mapping.id}" is empty`);
    row.id = s;
  }
  if (mapping.solution !== undefined) {
    const v = getPath(record, mapping.solution);
    if (v === undefined) return fail('missing-field', `solution: no value at "${mapping.solution}"`);
    const s = asText(v);
    if (s === undefined) return fail('wrong-type', `solution: "${mapping.solution}" is ${typeName(v)}, expected string or number`);
    if (s.trim() === '') return fail('empty', `solution: "${mapping.solution}" is empty`);
    row.meta['solution'] = s;
  }
  return { ok: true, row };
}
