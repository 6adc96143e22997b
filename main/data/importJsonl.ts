// Streams a JSONL file line by line (files may be larger than memory: rows can
// go to `onRow` instead of being kept) and maps each line to a TaskRow. Bad
// lines are skipped and reported with their line number and reason: the import
// never throws on content and never drops a line silently (a blank line is
// reported as 'empty' too). Only I/O failures (missing file) throw.
import { mapRecord, type FieldMapping } from './mapRecord.js';
import { MAX_ROW_BYTES, readLines } from './readLines.js';
import type { ImportResult, MalformedReason, TaskRow } from './types.js';

export interface ImportOptions {
  /** Split assigned to every row. Default 'train'. */
  split?: string;
  /** Keep rows in the result (default true); set false with onRow for huge files. */
  keepRows?: boolean;
  onRow?: (row: TaskRow) => void;
  /** Cap on malformed rows listed in the report (the count stays exact). Default 1000. */
  maxReported?: number;
  /** Rows longer than this (bytes) are reported 'too-large' without being read into memory. Default MAX_ROW_BYTES (1 MiB). */
  maxRowBytes?: number;
}

const MIB = 1 << 20;
export const tooLargeDetail = (bytes: number, max: number): string =>
  `the row is ${bytes >= MIB ? `${(bytes / MIB).toFixed(1)} MiB` : `${bytes} bytes`}, over the ${max >= MIB ? `${max / MIB} MiB` : `${max}-byte`} limit for one row; ` +
  'split or shorten it (a prompt that long cannot be trained on anyway)';

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
  const max = options.maxRowBytes ?? MAX_ROW_BYTES;
  // fatal: invalid bytes are an error for that row, not a silent U+FFFD in the training text.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  for await (const l of readLines(path, max)) {
    const line = l.line;
    if (l.bytes === undefined) {
      out.bad(line, 'too-large', tooLargeDetail(l.tooLong, max));
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(l.bytes); // strips a leading UTF-8 BOM
    } catch {
      out.bad(line, 'invalid-utf8', `the line is not valid UTF-8 (at or after byte ${firstInvalidUtf8(l.bytes)}); re-save the file as UTF-8`);
      continue;
    }
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

/** Offset of the first byte sequence that is not UTF-8 (for the report). */
export function firstInvalidUtf8(b: Uint8Array): number {
  // A prefix that decodes (allowing a sequence cut at its end) stays decodable when shortened: bisect.
  const ok = (n: number): boolean => { try { new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, n), { stream: true }); return true; } catch { return false; } };
  let lo = 0, hi = b.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) lo = mid; else hi = mid;
  }
  return lo;
}
