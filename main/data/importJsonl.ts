// Streams a JSONL file line by line (files may be larger than memory: rows can
// go to `onRow` instead of being kept) and maps each line to a TaskRow. Bad
// lines are skipped and reported with their line number and reason: the import
// never throws on content and never drops a line silently (a blank line is
// reported as 'empty' too). Only I/O failures (missing file) and paths that are
// not regular files (a folder, /dev/zero, a FIFO) throw. Lines are read with a
// byte bound (readLines.ts): a row over MAX_LINE_BYTES or one that is not UTF-8
// is reported as malformed, never loaded whole.
import { mapRecord, type FieldMapping } from './mapRecord.js';
import { readLines } from './readLines.js';
import type { ImportResult, MalformedReason, TaskRow } from './types.js';

export interface ImportOptions {
  /** Split assigned to every row. Default 'train'. */
  split?: string;
  /** Keep rows in the result (default true); set false with onRow for huge files. */
  keepRows?: boolean;
  onRow?: (row: TaskRow) => void;
  /** Cap on malformed rows listed in the report (the count stays exact). Default 1000. */
  maxReported?: number;
}

/** Accumulates rows and the malformed-row report; shared with importCsv. */
export class ImportCollector {
  readonly result: ImportResult = { rows: [], report: { total: 0, imported: 0, malformedCount: 0, malformed: [] } };
  constructor(private readonly options: ImportOptions) {}

  row(row: TaskRow): void {
    this.result.report.total++;
    this.result.report.imported++;
    if (this.options.keepRows ?? true) this.result.rows.push(row);
    this.options.onRow?.(row);
  }

  bad(line: number, reason: MalformedReason, detail: string): void {
    const r = this.result.report;
    r.total++;
    r.malformedCount++;
    if (r.malformed.length < (this.options.maxReported ?? 1000)) r.malformed.push({ line, reason, detail });
  }
}

export async function importJsonl(path: string, mapping: FieldMapping, options: ImportOptions = {}): Promise<ImportResult> {
  const split = options.split ?? 'train';
  const out = new ImportCollector(options);
  for await (const item of readLines(path)) {
    const line = item.line;
    if ('error' in item) {
      out.bad(line, item.error, item.detail);
      continue;
    }
    const text = line === 1 ? item.text.replace(/^\uFEFF/, '') : item.text; // tolerate a UTF-8 BOM
    if (text.trim() === '') {
      out.bad(line, 'empty', 'blank line');
      continue;
    }
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      out.bad(line, 'invalid-json', err instanceof Error ? err.message : String(err));
      continue;
    }
    const mapped = mapRecord(record, mapping, { line, split });
    if (mapped.ok) out.row(mapped.row);
    else out.bad(line, mapped.reason, mapped.detail);
  }
  return out.result;
}
