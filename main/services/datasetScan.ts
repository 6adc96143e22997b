/**
 * Reads an imported dataset's files once to learn what the page shows: the
 * file's own columns (from the first records), a suggested mapping, and per
 * split the records, the usable rows under a mapping and the rows that failed
 * with why. Rows are streamed and counted, never all kept (keepRows: false).
 */
import type { DatasetFormat, FieldMap } from '../api/contract/index.js';
import { columnsOf, type ColumnInfo } from '../data/columnsOf.js';
import { importFile } from '../data/importFile.js';
import { readRecords } from '../data/readRecords.js';
import { suggestMapping } from '../data/suggestMapping.js';
import type { DatasetError } from '../store/index.js';

/** Records sampled for columns and suggestions. */
const SAMPLE = 200;
/** Failed rows kept per split (the count stays exact). */
export const MAX_FAILED_PER_SPLIT = 1000;

export interface SplitFilesAbs { split: string; files: { abs: string; rel: string }[] }

export async function sampleColumns(format: DatasetFormat, file: string): Promise<{ columns: ColumnInfo[]; suggested: FieldMap }> {
  const sample: unknown[] = [];
  const records = readRecords(file, format);
  for await (const r of records) {
    if (r.error) continue;
    sample.push(r.record);
    if (sample.length >= SAMPLE) { await records.return(undefined); break; }
  }
  const columns = columnsOf(sample);
  return { columns, suggested: suggestMapping(columns, sample) };
}

export interface CountResult {
  rowCounts: Record<string, number>;
  records: Record<string, number[]>;
  malformed: number;
  errors: DatasetError[];
}

/** Usable rows, records per file and failed rows of every split under `fields`. */
export async function countRows(format: DatasetFormat, splits: readonly SplitFilesAbs[], fields: FieldMap): Promise<CountResult> {
  const out: CountResult = { rowCounts: {}, records: {}, malformed: 0, errors: [] };
  for (const s of splits) {
    let rows = 0, kept = 0;
    out.records[s.split] = [];
    for (const f of s.files) {
      const { report } = await importFile(f.abs, format, fields, { split: s.split, keepRows: false, maxReported: MAX_FAILED_PER_SPLIT - kept });
      rows += report.imported;
      out.records[s.split]!.push(report.total);
      out.malformed += report.malformedCount;
      for (const m of report.malformed) out.errors.push({ split: s.split, file: f.rel, line: m.line, reason: m.reason, detail: m.detail });
      kept += report.malformed.length;
    }
    out.rowCounts[s.split] = rows;
  }
  return out;
}
