/**
 * The rows a run trains on: a built-in procedural task materialised to a fixed
 * pool (its rows are a pure function of (seed, split, index)), a JSONL file
 * imported with the recipe's field mapping, or one split of an imported dataset
 * (its JSONL/CSV/Parquet files, read with the dataset's mapping). Malformed rows are skipped and
 * reported as a warning event, never silently dropped; no usable row at all is
 * an error that names the file. `maxRows` keeps the first N usable rows (all of them when
 * there are fewer; a built-in pool is then generated at that size: its rows are the same first N).
 */
import type { DataSource } from '../api/contract/index.js';
import { importFile } from '../data/importFile.js';
import { importJsonl } from '../data/importJsonl.js';
import type { ImportResult } from '../data/types.js';
import { getTask } from '../data/tasks/tasks.js';
import { taskRows, type Task } from '../data/tasks/Task.js';
import type { TaskRow } from '../data/types.js';

/** Rows drawn from a built-in task; the run's seed shuffles their order, the pool itself is fixed. */
export const BUILTIN_POOL_SIZE = 4096;
const BUILTIN_DATA_SEED = 0;

type EventFn = (level: 'info' | 'warn', kind: string, message: string) => void;

/**
 * What a built-in source trains on: its split ('heldout' is the task's first split other than train) and
 * the pool's size (BUILTIN_POOL_SIZE, or maxRows below it). The preview and SFT's held-out rows read it too.
 */
export function builtinPool(source: Extract<DataSource, { kind: 'builtin' }>): { task: Task; split: string; size: number } {
  const task = getTask(source.task);
  const split = source.split === 'heldout' ? task.splits.find((s) => s !== 'train') ?? 'train' : 'train';
  return { task, split, size: Math.min(source.maxRows ?? BUILTIN_POOL_SIZE, BUILTIN_POOL_SIZE) };
}

export async function loadTaskRows(source: DataSource, event: EventFn): Promise<TaskRow[]> {
  if (source.kind === 'builtin') {
    const { task, split, size } = builtinPool(source);
    return taskRows(task, BUILTIN_DATA_SEED, split, size);
  }
  const rows = source.kind === 'dataset' ? await loadDatasetRows(source, event) : await loadJsonlRows(source, event);
  return source.maxRows === undefined ? rows : rows.slice(0, source.maxRows);
}

/** Eval paths take the training source's split but never its maxRows (their size is the eval's own limit). */
export function withoutMaxRows<T extends DataSource>(source: T): T {
  const { maxRows: _dropped, ...rest } = source;
  return rest as T;
}

async function loadJsonlRows(source: Extract<DataSource, { kind: 'jsonl' }>, event: EventFn): Promise<TaskRow[]> {
  const { rows, report } = await importJsonl(source.path, source.fields).catch((err: NodeJS.ErrnoException) => {
    throw Object.assign(new Error(err.code === 'ENOENT'
      ? `dataset file not found: ${source.path} — choose an existing JSONL file`
      : `cannot read dataset ${source.path}: ${err.message}`), { code: err.code === 'ENOENT' ? 'not_found' : 'unavailable', field: 'data.path' });
  });
  if (report.malformedCount > 0) {
    const first = report.malformed.slice(0, 3).map((m) => `line ${m.line}: ${m.detail}`).join('; ');
    event('warn', 'dataset', `skipped ${report.malformedCount} malformed row(s) of ${report.total} in ${source.path} (${first}${report.malformedCount > 3 ? '; …' : ''})`);
  }
  if (rows.length === 0) {
    throw Object.assign(new Error(`no usable rows in ${source.path}: ${report.malformedCount} of ${report.total} were malformed — check the field mapping (question: "${source.fields.question}", answer: "${source.fields.answer}")`), { code: 'invalid_argument', field: 'data.fields' });
  }
  return rows;
}

/** Rows of one split of an imported dataset: every file in order, ids made unique per file when they are line numbers. */
export async function loadDatasetRows(source: Extract<DataSource, { kind: 'dataset' }>, event: EventFn): Promise<TaskRow[]> {
  const rows: TaskRow[] = [];
  let total = 0, malformed = 0;
  const first: string[] = [];
  for (const [i, file] of source.files.entries()) {
    let r: ImportResult;
    try {
      r = await importFile(file, source.format, source.fields, { split: source.split, maxReported: 3 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw Object.assign(new Error(e.code === 'ENOENT'
        ? `dataset ${source.name}: file ${file} is missing — import the dataset again (Datasets page)`
        : `dataset ${source.name}: cannot read ${file}: ${e.message}`), { code: e.code === 'ENOENT' ? 'not_found' : 'unavailable', field: 'data.files' });
    }
    for (const row of r.rows) rows.push(source.files.length > 1 && row.id.startsWith('line-') ? { ...row, id: `f${i}-${row.id}` } : row);
    total += r.report.total;
    malformed += r.report.malformedCount;
    for (const m of r.report.malformed) if (first.length < 3) first.push(`${file.split(/[\\/]/).pop()} ${source.format === 'parquet' ? 'row' : 'line'} ${m.line}: ${m.detail}`);
  }
  if (malformed > 0) event('warn', 'dataset', `skipped ${malformed} malformed row(s) of ${total} in ${source.name}/${source.split} (${first.join('; ')}${malformed > 3 ? '; …' : ''})`);
  if (rows.length === 0) {
    throw Object.assign(new Error(`no usable rows in ${source.name}/${source.split}: ${malformed} of ${total} were malformed — check the field mapping on the dataset's page (question: "${source.fields.question}", answer: "${source.fields.answer}")`), { code: 'invalid_argument', field: 'data.fields' });
  }
  return rows;
}
