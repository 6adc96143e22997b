/**
 * The datasets area: built-in procedural tasks (always present) and imported
 * datasets (rows in the store, their files in the data folder): import from a
 * file (Electron's picker or a web upload) or from the Hugging Face Hub
 * (datasetHubJobs), a page per dataset (columns, mapping, failed rows), re-map,
 * delete, and previews of prompts as the model will be asked them.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { DataSource, DatasetDetail, DatasetFormat, DatasetInfo, DatasetPreview, DatasetSplitInfo, FieldMap } from '../api/contract/index.js';
import { questionText, formatOf, importFile, importJsonl, taskRows, tasks, type TaskRow } from '../data/index.js';
import { DataFileError } from '../data/readRecords.js';
import { datasetPresets, getDatasetPreset } from '../data/datasetPresets.js';
import { DEFAULT_BUILTIN_EVAL_ROWS } from '../eval/evalDataset.js';
import type { DatasetEntry, Store } from '../store/index.js';
import { BUILTIN_POOL_SIZE, builtinPool } from '../trainer/loadTaskRows.js';
import type { DatasetsService } from './createHandlers.js';
import { countRows, sampleColumns, type SplitFilesAbs } from './datasetScan.js';

export interface DatasetsServiceOptions {
  store: Store;
  dataDir: string;
  /** Electron's file dialog; absent in web mode (uploads instead). */
  pickFile?: () => Promise<string | null>;
}

const fail = (message: string, code: string, field?: string): Error => Object.assign(new Error(message), { code, ...(field ? { field } : {}) });

/** The prompt text exactly as the trainer renders it without a chat template (main/trainer/rollout/renderPrompt.ts). */
function promptText(row: TaskRow, systemPrompt?: string, suffix?: string): string {
  const user = suffix ? `${questionText(row)}\n${suffix}` : questionText(row);
  return systemPrompt ? `${systemPrompt}\n${user}` : user;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._()/-]{0,99}$/;

export function datasetsRoot(dataDir: string): string {
  return join(dataDir, 'datasets');
}

function builtinInfo(): DatasetInfo[] {
  return Object.values(tasks).map((t) => {
    const heldout = t.splits.find((s) => s !== 'train') ?? 'train';
    // The rows a run draws from (a fixed pool) and an evaluation reads by default: what the numbers mean.
    const splits: DatasetSplitInfo[] = [
      { name: 'train', rows: BUILTIN_POOL_SIZE, source: { kind: 'builtin', task: t.name, split: 'train' } },
      { name: heldout, rows: DEFAULT_BUILTIN_EVAL_ROWS, source: { kind: 'builtin', task: t.name, split: 'heldout' } },
    ];
    return {
      id: `builtin:${t.name}`, name: t.name, kind: 'builtin' as const, path: null, origin: 'builtin' as const, malformed: 0,
      rows: splits.reduce((a, s) => a + s.rows, 0), splits, verifier: null, suffix: null,
    };
  });
}

function presetOf(d: DatasetEntry) {
  const id = d.source.preset;
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(datasetPresets, id) ? getDatasetPreset(id) : null;
}

function absFiles(d: DatasetEntry, split: string): string[] {
  return (d.splits[split]?.files ?? []).map((f) => join(d.path, ...f.split('/')));
}

function toInfo(d: DatasetEntry): DatasetInfo {
  const fields = d.fieldMapping as unknown as FieldMap;
  const format = d.kind as DatasetFormat;
  const splits = Object.keys(d.splits).map((name) => ({
    name, rows: d.rowCounts[name] ?? 0,
    source: { kind: 'dataset', name: d.name, split: name, format, files: absFiles(d, name), fields } satisfies DataSource,
  }));
  const preset = presetOf(d);
  return {
    id: String(d.id), name: d.name, kind: format, path: d.path, origin: d.source.type === 'hub' ? 'hub' : 'file',
    rows: splits.reduce((a, s) => a + s.rows, 0), malformed: d.malformedCount, splits,
    verifier: preset?.verifier ?? null, suffix: preset?.suffix ?? null,
  };
}

export interface NewImport {
  name: string;
  format: DatasetFormat;
  /** Folder holding the files. */
  root: string;
  splits: SplitFilesAbs[];
  source: Record<string, unknown>;
  fields?: FieldMap;
}

/** Scans the files and stores the dataset row (used by file imports and Hub imports). */
export async function registerDataset(store: Store, n: NewImport): Promise<number> {
  const first = n.splits.find((s) => s.files.length > 0)?.files[0];
  if (!first) throw fail(`dataset ${n.name} has no files`, 'invalid_argument');
  const { columns, suggested } = await sampleColumns(n.format, first.abs);
  const fields = n.fields ?? suggested;
  const counted = await countRows(n.format, n.splits, fields);
  if (store.library.datasetByName(n.name)) throw fail(`a dataset named "${n.name}" already exists; delete it or choose another name`, 'conflict', 'name');
  return store.library.addDataset({
    name: n.name, kind: n.format, path: n.root, source: n.source, columns,
    splits: Object.fromEntries(n.splits.map((s) => [s.split, { files: s.files.map((f) => f.rel), records: (counted.records[s.split] ?? []).reduce((a, b) => a + b, 0) }])),
    fieldMapping: { ...fields } as Record<string, string>, rowCounts: counted.rowCounts, malformedCount: counted.malformed,
  }, counted.errors);
}

export function createDatasetsService(o: DatasetsServiceOptions): Omit<DatasetsService, 'hubImport' | 'hubCancel' | 'hubJobs' | 'promptStats'> {
  const { store } = o;
  const entry = (id: string): DatasetEntry => {
    const d = /^\d+$/.test(id) ? store.library.dataset(Number(id)) : null;
    if (!d) throw fail(`no imported dataset ${id}; it may have been deleted`, 'not_found', 'id');
    return d;
  };
  const detail = async (d: DatasetEntry): Promise<DatasetDetail> => {
    const first = Object.keys(d.splits).map((s) => absFiles(d, s)[0]).find((f) => f !== undefined && existsSync(f));
    const suggested = first ? (await sampleColumns(d.kind as DatasetFormat, first)).suggested : (d.fieldMapping as unknown as FieldMap);
    const hub = d.source.type === 'hub' ? { repo: String(d.source.repo), config: String(d.source.config), revision: String(d.source.revision) } : null;
    return {
      ...toInfo(d), columns: d.columns, fields: d.fieldMapping as unknown as FieldMap, suggested, hub, addedAt: d.addedAt,
      files: Object.entries(d.splits).flatMap(([split, s]) => s.files.map((file) => ({ split, file, records: s.records }))),
      failed: store.library.datasetErrors(d.id, 200),
    };
  };

  return {
    list: (): DatasetInfo[] => [...builtinInfo(), ...store.library.datasets().filter((d) => d.kind !== 'builtin').map(toInfo)],

    get: async ({ id }) => detail(entry(id)),

    presets: () => Object.values(datasetPresets),

    pickFile: async () => {
      if (!o.pickFile) throw fail('The file picker exists in the desktop app only; in the browser, upload the file instead.', 'unavailable');
      return { path: await o.pickFile() };
    },

    importFile: async ({ path, name, split }) => {
      const format = formatOf(path);
      if (!format) throw fail(`${basename(path)} is not a JSONL, CSV or Parquet file (by its extension: .jsonl, .ndjson, .json, .csv, .parquet)`, 'invalid_argument', 'path');
      let size: number;
      try { size = statSync(path).size; } catch { throw fail(`file not found: ${path}`, 'not_found', 'path'); }
      if (size === 0) throw fail(`${basename(path)} is empty`, 'invalid_argument', 'path');
      const dsName = name ?? basename(path).replace(/\.(jsonl|ndjson|json|csv|parquet)$/i, '');
      if (!NAME.test(dsName)) throw fail(`"${dsName}" cannot be a dataset name: use letters, digits, spaces and . _ ( ) / - (at most 100)`, 'invalid_argument', 'name');
      if (store.library.datasetByName(dsName)) throw fail(`a dataset named "${dsName}" already exists; delete it or choose another name`, 'conflict', 'name');
      // A private copy in the data folder: the dataset must not change or vanish with the original.
      const root = join(datasetsRoot(o.dataDir), 'files', randomBytes(6).toString('hex'));
      mkdirSync(root, { recursive: true });
      const file = basename(path);
      try {
        copyFileSync(path, join(root, file));
        const id = await registerDataset(store, {
          name: dsName, format, root, source: { type: 'file', file },
          splits: [{ split: split ?? 'train', files: [{ abs: join(root, file), rel: file }] }],
        });
        return await detail(store.library.dataset(id)!);
      } catch (err) {
        rmSync(root, { recursive: true, force: true });
        if (err instanceof DataFileError) throw fail(err.message, err.code, 'path');
        throw err;
      }
    },

    setMapping: async ({ id, fields }) => {
      const d = entry(id);
      const splits = Object.keys(d.splits).map((split) => ({ split, files: d.splits[split]!.files.map((rel) => ({ rel, abs: join(d.path, ...rel.split('/')) })) }));
      const counted = await countRows(d.kind as DatasetFormat, splits, fields);
      store.library.setDatasetMapping(d.id, { ...fields } as Record<string, string>, counted.rowCounts, counted.malformed, counted.errors);
      return detail(store.library.dataset(d.id)!);
    },

    remove: ({ id }) => {
      const d = entry(id);
      store.library.removeDataset(d.id);
      // Delete its files only inside our datasets folder, and only when no other dataset shares them (two names, one Hub download).
      const root = resolve(datasetsRoot(o.dataDir));
      const inside = resolve(d.path).startsWith(root + sep) && !relative(root, resolve(d.path)).startsWith('..');
      const shared = store.library.datasets().some((x) => resolve(x.path) === resolve(d.path));
      if (inside && !shared) rmSync(d.path, { recursive: true, force: true });
      return { removed: true as const };
    },

    preview: async ({ source, systemPrompt, suffix, count }): Promise<DatasetPreview> => {
      const n = Math.min(count ?? 5, 50);
      const capped = (total: number) => Math.min(total, source.maxRows ?? total);
      const show = (rows: TaskRow[]) => rows.slice(0, n).map((r) => ({ id: r.id, question: r.question, answer: r.answer, prompt: promptText(r, systemPrompt, suffix) }));
      if (source.kind === 'builtin') {
        // The rows a run on this source trains on (loadTaskRows): the pool, or its first maxRows.
        const { task, split, size } = builtinPool(source);
        return { total: size, malformed: [], rows: show(taskRows(task, 0, split, Math.min(n, size))) };
      }
      if (source.kind === 'dataset') {
        const d = store.library.datasetByName(source.name);
        const rows: TaskRow[] = [];
        const malformed: DatasetPreview['malformed'] = [];
        for (const f of source.files) {
          if (rows.length >= n) break;
          const r = await importFile(f, source.format, source.fields, { split: source.split, limit: n - rows.length, maxReported: 20 });
          rows.push(...r.rows);
          malformed.push(...r.report.malformed.map((m) => ({ line: m.line, reason: `${m.reason}: ${m.detail}` })));
        }
        return { total: capped(d?.rowCounts[source.split] ?? rows.length), malformed: malformed.slice(0, 20), rows: show(rows) };
      }
      const { rows, report } = await importJsonl(source.path, source.fields, { maxReported: 20 });
      return { total: capped(report.imported), malformed: report.malformed.map((m) => ({ line: m.line, reason: `${m.reason}: ${m.detail}` })), rows: show(rows) };
    },
  };
}
