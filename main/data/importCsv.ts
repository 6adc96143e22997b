// Streams a CSV file (RFC 4180: comma-separated, fields optionally quoted with
// ", a quote inside a quoted field doubled, line breaks allowed inside quotes,
// CRLF or LF) and maps each record through the field mapping with the header
// row as keys. Like importJsonl it reports bad records instead of throwing:
// an unterminated quote or stray text after a closing quote is 'invalid-csv',
// a record with the wrong number of fields is 'wrong-type'.
import { createReadStream } from 'node:fs';
import { firstInvalidUtf8, ImportCollector, tooLargeDetail, type ImportOptions } from './importJsonl.js';
import { MAX_ROW_BYTES } from './readLines.js';
import { mapRecord, type FieldMapping } from './mapRecord.js';
import type { ImportResult } from './types.js';

interface CsvRecord {
  /** Line the record starts on (1-based). */
  line: number;
  fields: string[];
  /** Set when the record is syntactically broken. */
  error?: string;
  /** Set (to its length) when the record is over the size limit; its fields were not kept. */
  tooLarge?: number;
}

/** Incremental RFC 4180 parser: feed chunks, get complete records. */
export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private error: string | undefined;
  private line = 1;
  private recordLine = 1;
  private pendingCR = false;
  private size = 0;

  /** Records longer than `maxRecordChars` are emitted with `tooLarge` and no fields, without being held in memory. */
  constructor(private readonly maxRecordChars = Number.POSITIVE_INFINITY) {}

  feed(chunk: string, emit: (r: CsvRecord) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (++this.size > this.maxRecordChars && this.size - 1 <= this.maxRecordChars) {
        this.fields = [];
        this.field = '';
      }
      if (this.pendingCR) {
        this.pendingCR = false;
        if (c === '\n') continue; // CRLF: the CR already ended the record
      }
      if (this.inQuotes) {
        if (c === '"') {
          this.inQuotes = false;
          this.afterQuote = true;
        } else {
          if (c === '\n') this.line++;
          if (this.size <= this.maxRecordChars) this.field += c;
        }
        continue;
      }
      if (c === '"') {
        if (this.afterQuote) {
          this.field += '"'; // "" inside a quoted field
          this.inQuotes = true;
          this.afterQuote = false;
        } else if (this.field === '') {
          this.inQuotes = true;
        } else {
          this.error ??= `stray quote in an unquoted field (column ${this.fields.length + 1})`;
          this.field += c;
        }
      } else if (c === ',') {
        this.endField();
      } else if (c === '\n' || c === '\r') {
        this.pendingCR = c === '\r';
        this.endRecord(emit);
        this.line++;
        this.recordLine = this.line;
      } else {
        if (this.afterQuote) this.error ??= `text after a closing quote (column ${this.fields.length + 1})`;
        if (this.size <= this.maxRecordChars) this.field += c;
      }
    }
  }

  get currentLine(): number { return this.line; }

  /** Flushes the last record (a file need not end with a newline). */
  end(emit: (r: CsvRecord) => void): void {
    if (this.inQuotes) this.error ??= 'unterminated quoted field';
    if (this.inQuotes || this.field !== '' || this.fields.length > 0 || this.afterQuote) this.endRecord(emit);
  }

  private endField(): void {
    if (this.size > this.maxRecordChars) { this.field = ''; this.afterQuote = false; return; }
    this.fields.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }

  private endRecord(emit: (r: CsvRecord) => void): void {
    this.endField();
    const r: CsvRecord = { line: this.recordLine, fields: this.fields };
    if (this.error !== undefined) r.error = this.error;
    if (this.size > this.maxRecordChars) r.tooLarge = this.size;
    emit(r);
    this.size = 0;
    this.fields = [];
    this.error = undefined;
    this.inQuotes = false;
  }
}

export async function importCsv(path: string, mapping: FieldMapping, options: ImportOptions = {}): Promise<ImportResult> {
  const split = options.split ?? 'train';
  const out = new ImportCollector(options);
  let header: string[] | undefined;
  const onRecord = (r: CsvRecord): void => {
    if (header === undefined) {
      // The header defines the keys; a broken header makes every row unmappable, so say so once per row below.
      header = r.fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      return;
    }
    if (r.tooLarge !== undefined) return out.bad(r.line, 'too-large', tooLargeDetail(r.tooLarge, max));
    if (r.error !== undefined) return out.bad(r.line, 'invalid-csv', r.error);
    if (r.fields.length === 1 && r.fields[0] === '') return out.bad(r.line, 'empty', 'blank line');
    if (r.fields.length !== header.length) {
      return out.bad(r.line, 'wrong-type', `expected ${header.length} fields (header), got ${r.fields.length}`);
    }
    const record: Record<string, string> = {};
    header.forEach((h, i) => (record[h] = r.fields[i]!));
    const mapped = mapRecord(record, mapping, { line: r.line, split });
    if (mapped.ok) out.row(mapped.row);
    else out.bad(r.line, mapped.reason, mapped.detail);
  };
  const max = options.maxRowBytes ?? MAX_ROW_BYTES;
  const parser = new CsvParser(max);
  // fatal: bytes that are not UTF-8 stop the import with the line they are on, instead of turning
  // into U+FFFD in the training text (a CSV record can span lines, so there is no row to skip).
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const decode = (b: Buffer | undefined): string => {
    try { return b ? utf8.decode(b, { stream: true }) : utf8.decode(); } catch {
      // Parse up to the bad byte so the error names its line (its records are dropped with the import).
      if (b) parser.feed(new TextDecoder().decode(b.subarray(0, firstInvalidUtf8(b))), () => undefined);
      throw Object.assign(new Error(`${path} is not valid UTF-8 (near line ${parser.currentLine}); re-save it as UTF-8`), { code: 'invalid_argument' });
    }
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) parser.feed(decode(chunk), onRecord);
  parser.feed(decode(undefined), onRecord);
  parser.end(onRecord);
  return out.result;
}
