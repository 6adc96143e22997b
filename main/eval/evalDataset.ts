/**
 * Evaluation datasets (docs/EXPORT.md, "Evaluation splits"): a built-in task
 * split, a perturbed variant of one (the CLIPO paper's in-distribution vs
 * perturbed evaluation), or an imported JSONL file streamed line by line (rows
 * are never all in memory). Spec strings (CLI):
 *   tiny-demo            → tiny-demo, split test (held out)
 *   arith-word:test      → in-distribution held-out problems
 *   arith-word:test-ood  → held-out templates
 *   arith-word:test+rename | +renumber | +distract → perturbed copies of test
 *   path/to/file.jsonl   → every line (fields question/answer unless given)
 * or one split of an imported dataset (DataSource kind 'dataset': its files, any format).
 * Pure: node fs/readline only.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DataSource } from '../api/contract/index.js';
import { mapRecord } from '../data/mapRecord.js';
import { readRecords } from '../data/readRecords.js';
import { perturbArithWord, PERTURBATIONS, type Perturbation } from '../data/tasks/perturbArithWord.js';
import { getTask } from '../data/tasks/tasks.js';
import type { TaskRow } from '../data/types.js';

/** Rows a procedural task contributes when no --limit is given (its splits are infinite). */
export const DEFAULT_BUILTIN_EVAL_ROWS = 200;
/** The seed of evaluation rows: fixed, so base and checkpoints see the same problems. */
export const EVAL_DATA_SEED = 7;

export interface EvalDataset {
  /** dataset column of the evaluations table: task name or file name */
  name: string;
  /** split column: test, test-ood, test+rename, file, ... */
  split: string;
  /** a stable identity for resumable progress files */
  key: string;
  rows(limit?: number): AsyncGenerator<TaskRow>;
}

const err = (message: string) => Object.assign(new Error(message), { code: 'invalid_argument' });

export function parseEvalSpec(spec: string, fields = { question: 'question', answer: 'answer' }): DataSource & { perturb?: Perturbation; splitName?: string } {
  if (/\.jsonl$/i.test(spec)) return { kind: 'jsonl', path: spec, fields };
  const [task = '', rest] = spec.split(':');
  const [split, perturb] = (rest ?? '').split('+');
  if (perturb !== undefined && !(PERTURBATIONS as readonly string[]).includes(perturb)) throw err(`unknown perturbation "${perturb}" (valid: ${PERTURBATIONS.join(', ')})`);
  return { kind: 'builtin', task, ...(split ? { splitName: split } : {}), ...(perturb ? { perturb: perturb as Perturbation } : {}) };
}

export function evalDataset(src: DataSource & { perturb?: Perturbation; splitName?: string }): EvalDataset {
  if (src.kind === 'dataset') {
    return {
      name: src.name, split: src.split, key: `dataset:${src.name}:${src.split}:${src.files.join('|')}:${JSON.stringify(src.fields)}`,
      async *rows(limit) {
        let n = 0;
        for (const file of src.files) {
          for await (const r of readRecords(file, src.format)) {
            if (limit !== undefined && n >= limit) return;
            if (r.error) continue; // malformed rows are not evaluated (same rule as import)
            const m = mapRecord(r.record, src.fields, { line: r.line, split: src.split });
            if (!m.ok) continue;
            n++;
            yield m.row;
          }
        }
      },
    };
  }
  if (src.kind === 'jsonl') {
    const name = src.path.split(/[\\/]/).pop() ?? src.path;
    return {
      name, split: 'file', key: `jsonl:${src.path}:${src.fields.question}:${src.fields.answer}`,
      async *rows(limit) {
        const lines = createInterface({ input: createReadStream(src.path, { encoding: 'utf8' }), crlfDelay: Infinity });
        let line = 0, n = 0;
        for await (const raw of lines) {
          line++;
          if (limit !== undefined && n >= limit) break;
          if (!raw.trim()) continue;
          let rec: unknown;
          try { rec = JSON.parse(line === 1 ? raw.replace(/^\uFEFF/, '') : raw); } catch { continue; }
          const m = mapRecord(rec, src.fields, { line, split: 'file' });
          if (!m.ok) continue; // malformed lines are not evaluated (same rule as import)
          n++;
          yield m.row;
        }
        lines.close();
      },
    };
  }
  let task;
  try { task = getTask(src.task); } catch (e) { throw err((e as Error).message); }
  const base = src.splitName ?? (src.split === 'train' ? 'train' : task.splits.find((s) => s !== 'train') ?? 'train');
  if (!task.splits.includes(base)) throw err(`task ${task.name} has no split "${base}"; valid: ${task.splits.join(', ')}`);
  if (src.perturb && task.name !== 'arith-word') throw err(`perturbations exist for arith-word only, not ${task.name}`);
  const split = src.perturb ? `${base}+${src.perturb}` : base;
  return {
    name: task.name, split, key: `builtin:${task.name}:${split}:${EVAL_DATA_SEED}`,
    async *rows(limit) {
      const count = limit ?? DEFAULT_BUILTIN_EVAL_ROWS;
      for (let i = 0; i < count; i++) {
        const row = task.row(EVAL_DATA_SEED, base, i);
        yield src.perturb ? perturbArithWord(row, src.perturb, i) : row;
      }
    },
  };
}
