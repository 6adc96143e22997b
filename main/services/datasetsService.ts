/**
 * The datasets area: built-in procedural tasks (always present) plus imported
 * files, and a preview of rows as the model will be asked them (system prompt,
 * question, suffix; the trainer applies the model's chat template on top).
 */
import type { DatasetInfo, DatasetPreview } from '../api/contract/index.js';
import { importJsonl, taskRows, tasks, getTask } from '../data/index.js';
import type { Store } from '../store/index.js';
import type { DatasetsService } from './createHandlers.js';

const promptText = (question: string, system?: string, suffix?: string) =>
  [system, suffix ? `${question}\n${suffix}` : question].filter(Boolean).join('\n');

export function createDatasetsService(store: Store): DatasetsService {
  return {
    list: (): DatasetInfo[] => [
      ...Object.values(tasks).map((t) => ({ id: `builtin:${t.name}`, name: t.name, kind: 'builtin' as const, path: null, rows: Infinity, malformed: 0 })),
      ...store.library.datasets().filter((d) => d.kind !== 'builtin').map((d) => ({
        id: String(d.id), name: d.name, kind: 'jsonl' as const, path: d.path,
        rows: Object.values(d.rowCounts).reduce((a, b) => a + b, 0), malformed: d.malformedCount,
      })),
    ].map((d) => ({ ...d, rows: Number.isFinite(d.rows) ? d.rows : -1 })),
    preview: async ({ source, systemPrompt, suffix, count }): Promise<DatasetPreview> => {
      const n = Math.min(count ?? 5, 50);
      if (source.kind === 'builtin') {
        const task = getTask(source.task);
        const split = source.split === 'heldout' ? task.splits.find((s) => s !== 'train') ?? 'train' : 'train';
        const rows = taskRows(task, 0, split, n);
        return { total: -1, malformed: [], rows: rows.map((r) => ({ id: r.id, question: r.question, answer: r.answer, prompt: promptText(r.question, systemPrompt, suffix) })) };
      }
      const { rows, report } = await importJsonl(source.path, source.fields, { maxReported: 20 });
      return {
        total: report.imported, malformed: report.malformed.map((m) => ({ line: m.line, reason: `${m.reason}: ${m.detail}` })),
        rows: rows.slice(0, n).map((r) => ({ id: r.id, question: r.question, answer: r.answer, prompt: promptText(r.question, systemPrompt, suffix) })),
      };
    },
  };
}
