/**
 * The rows a run trains on: a built-in procedural task materialised to a fixed
 * pool (its rows are a pure function of (seed, split, index)), or a JSONL file
 * imported with the recipe's field mapping. Malformed rows are skipped and
 * reported as a warning event, never silently dropped; no usable row at all is
 * an error that names the file.
 */
import type { DataSource } from '../api/contract/index.js';
import { importJsonl } from '../data/importJsonl.js';
import { getTask } from '../data/tasks/tasks.js';
import { taskRows } from '../data/tasks/Task.js';
import type { TaskRow } from '../data/types.js';

/** Rows drawn from a built-in task; the run's seed shuffles their order, the pool itself is fixed. */
export const BUILTIN_POOL_SIZE = 4096;
const BUILTIN_DATA_SEED = 0;

type EventFn = (level: 'info' | 'warn', kind: string, message: string) => void;

export async function loadTaskRows(source: DataSource, event: EventFn): Promise<TaskRow[]> {
  if (source.kind === 'builtin') {
    const task = getTask(source.task);
    const split = source.split === 'heldout' ? task.splits.find((s) => s !== 'train') ?? 'train' : 'train';
    return taskRows(task, BUILTIN_DATA_SEED, split, BUILTIN_POOL_SIZE);
  }
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
