// Imports a data file (JSONL, CSV or Parquet) through a field mapping: every
// record becomes a TaskRow or a malformed-row entry saying why (line/row number,
// reason, detail). Content never throws and no record is dropped silently;
// only a file that cannot be read at all does (DataFileError, or the fs error).
import { mapRecord, type FieldMapping } from './mapRecord.js';
import { readRecords, type ReadOptions } from './readRecords.js';
import type { DataFormat, ImportResult, MalformedReason, TaskRow } from './types.js';

export interface ImportOptions extends ReadOptions {
  /** Split assigned to every row. Default 'train'. */
  split?: string;
  /** Keep rows in the result (default true); set false with onRow for huge files. */
  keepRows?: boolean;
  onRow?: (row: TaskRow) => void;
  /** Cap on malformed rows listed in the report (the count stays exact). Default 1000. */
  maxReported?: number;
  /** Stop after this many usable rows (previews). */
  limit?: number;
}

/** Accumulates rows and the malformed-row report. */
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

export async function importFile(path: string, format: DataFormat, mapping: FieldMapping, options: ImportOptions = {}): Promise<ImportResult> {
  const split = options.split ?? 'train';
  const out = new ImportCollector(options);
  const records = readRecords(path, format, options);
  for await (const r of records) {
    if (r.error) out.bad(r.line, r.error.reason, r.error.detail);
    else {
      const mapped = mapRecord(r.record, mapping, { line: r.line, split });
      if (mapped.ok) out.row(mapped.row);
      else out.bad(r.line, mapped.reason, mapped.detail);
    }
    if (options.limit !== undefined && out.result.report.imported >= options.limit) {
      await records.return(undefined); // closes the file
      break;
    }
  }
  return out.result;
}
