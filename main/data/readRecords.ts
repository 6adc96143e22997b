// Reads the records of a data file, whatever its format, as plain objects with
// the line (JSONL, CSV) or row number (Parquet) they came from. Content
// problems are yielded as per-record errors (the import reports them and goes
// on); only a file that cannot be read at all throws a DataFileError.
//  - JSONL: our bounded line splitter (readLines) so a 50 MB line is one
//    'too-long' row, not 50 MB of memory; UTF-8 checked per line (isUtf8).
//  - CSV: csv-parse (RFC 4180, BOM, CRLF); a pass-through byte scan marks the
//    physical lines holding invalid UTF-8, since csv-parse decodes them to
//    U+FFFD without a word.
//  - Parquet: hyparquet with hyparquet-compressors (snappy, gzip, zstd, brotli,
//    lz4: the codecs Hub files use), read a batch of rows at a time.
import { isUtf8 } from 'node:buffer';
import { constants, createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readLines } from './readLines.js';
import type { DataFormat, MalformedReason } from './types.js';

export type RawRecord =
  | { line: number; record: unknown; error?: undefined }
  | { line: number; record?: undefined; error: { reason: MalformedReason; detail: string } };

/** Default bound on one record: far above any real prompt, far below the memory a bad file could take. */
export const DEFAULT_MAX_ROW_BYTES = 8 * 1024 * 1024;

export interface ReadOptions {
  /** Largest record accepted, in bytes (JSONL line, CSV record, Parquet row's text). */
  maxRowBytes?: number;
}

/** A file that cannot be read as the format at all (not a per-row problem). */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  constructor(readonly code: 'invalid_argument' | 'not_found' | 'unavailable', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const mb = (n: number): string => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 0)} MB`;

export function formatOf(path: string): DataFormat | null {
  const m = /\.(jsonl|ndjson|json|csv|parquet)$/i.exec(path);
  if (!m) return null;
  const ext = m[1]!.toLowerCase();
  return ext === 'csv' ? 'csv' : ext === 'parquet' ? 'parquet' : 'jsonl';
}

export async function* readRecords(path: string, format: DataFormat, options: ReadOptions = {}): AsyncGenerator<RawRecord> {
  const max = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
  await assertRegularFile(path);
  if (format === 'jsonl') yield* readJsonl(path, max);
  else if (format === 'csv') yield* readCsv(path, max);
  else yield* readParquet(path, max);
}

/**
 * A data file must be a regular file: /dev/zero would stream forever (one endless too-long line),
 * and opening a FIFO blocks until a writer appears, so the path is opened O_NONBLOCK and checked
 * with fstat before any read.
 */
async function assertRegularFile(path: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataFileError('not_found', `no data file at ${path}`, { cause: err });
    if (code === 'EISDIR') throw new DataFileError('invalid_argument', `${path} is a folder; choose a .jsonl, .csv or .parquet file`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new DataFileError('unavailable', `cannot read ${path}: permission denied`, { cause: err });
    throw new DataFileError('unavailable', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new DataFileError('invalid_argument', `${path} is a folder; choose a .jsonl, .csv or .parquet file`);
    if (!st.isFile()) throw new DataFileError('invalid_argument', `${path} is not a regular file (a device, pipe or socket); choose a .jsonl, .csv or .parquet file`);
  } finally {
    await fh.close();
  }
}

async function* readJsonl(path: string, max: number): AsyncGenerator<RawRecord> {
  for await (const l of readLines(path, max)) {
    if (l.tooLong !== undefined) {
      yield { line: l.line, error: { reason: 'too-long', detail: `line is ${mb(l.tooLong)}, over the ${mb(max)} limit per row` } };
      continue;
    }
    let bytes = l.bytes;
    if (l.line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3); // UTF-8 BOM
    if (!isUtf8(bytes)) {
      yield { line: l.line, error: { reason: 'invalid-utf8', detail: `not valid UTF-8 (first bad byte at column ${badUtf8Offset(bytes) + 1}); re-save the file as UTF-8` } };
      continue;
    }
    const text = bytes.toString('utf8');
    if (text.trim() === '') {
      yield { line: l.line, error: { reason: 'empty', detail: 'blank line' } };
      continue;
    }
    try {
      yield { line: l.line, record: JSON.parse(text) as unknown };
    } catch (err) {
      yield { line: l.line, error: { reason: 'invalid-json', detail: err instanceof Error ? err.message : String(err) } };
    }
  }
}

/** Offset of the first byte that breaks UTF-8 (isUtf8 says that one does, not where). */
export function badUtf8Offset(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : (c & 0xe0) === 0xc0 && c >= 0xc2 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    if (n > 0 && !isUtf8(b.subarray(i, i + n + 1))) return i; // overlong, surrogate, truncated or bad continuation
    i += n + 1;
  }
  return b.length;
}

/** Pass-through that notes which physical lines are not valid UTF-8 (checked per line, bounded by `max`). */
class Utf8LineScan extends Transform {
  readonly badLines = new Set<number>();
  private line = 1;
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      this.size += piece.length;
      if (this.size <= this.max) this.parts.push(piece);
      if (nl < 0) break;
      this.endLine();
      start = nl + 1;
    }
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.size > 0) this.endLine();
    done();
  }
  private endLine(): void {
    if (this.size <= this.max && !isUtf8(Buffer.concat(this.parts))) this.badLines.add(this.line);
    this.parts = [];
    this.size = 0;
    this.line++;
  }
}

const countBreaks = (s: string): number => s.match(/\r\n|\r|\n/g)?.length ?? 0;

async function* readCsv(path: string, max: number): AsyncGenerator<RawRecord> {
  const scan = new Utf8LineScan(max);
  const skipped: RawRecord[] = [];
  let stopped: RawRecord | null = null;
  const parser = parse({ bom: true, skip_records_with_error: true, relax_column_count: true, info: true, skip_empty_lines: false, max_record_size: max });
  const input = createReadStream(path);
  parser.on('skip', (err: Error & { code?: string; lines?: number }) => {
    const line = err.lines ?? 0;
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      // csv-parse cannot find the next record boundary after this (an unterminated quote or a line with no
      // end), so stop reading here: the rest of a 600 MB line, or a 60 GB file, is never read. Say so.
      stopped ??= { line, error: { reason: 'too-long', detail: `a record near line ${line} is over the ${mb(max)} limit per row; the rows after it were not read (split the file or fix the quoting)` } };
      input.unpipe(scan);
      input.destroy();
      scan.end();
    } else skipped.push({ line, error: { reason: 'invalid-csv', detail: err.message } });
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(scan).pipe(parser);
  let header: string[] | undefined;
  // csv-parse's info.lines is the line a record ends on, except that it counts a CRLF inside a quoted
  // field as two lines (and keeps that offset), so those are subtracted as they pass.
  let crlfInQuotes = 0;
  for await (const out of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    // Line breaks only occur inside quoted fields, so the fields tell how many lines the record spans.
    let span = 0;
    for (const f of out.record) {
      if (f.includes('\n') || f.includes('\r')) { span += countBreaks(f); crlfInQuotes += f.match(/\r\n/g)?.length ?? 0; }
    }
    const end = out.info.lines - crlfInQuotes;
    const start = end - span;
    // Skip events fire while a chunk is parsed, before the records before them are read: keep file order.
    while (skipped.length && skipped[0]!.line < start) yield skipped.shift()!;
    let bad = false;
    for (let l = start; l <= end && !bad; l++) bad = scan.badLines.has(l);
    if (header === undefined) {
      if (bad) throw new DataFileError('invalid_argument', `${path}: the CSV header (line 1) is not valid UTF-8; re-save the file as UTF-8`);
      header = out.record.map((f) => f.trim());
      continue;
    }
    if (bad) { yield { line: start, error: { reason: 'invalid-utf8', detail: 'not valid UTF-8; re-save the file as UTF-8' } }; continue; }
    if (out.record.length === 1 && out.record[0] === '') { yield { line: start, error: { reason: 'empty', detail: 'blank line' } }; continue; }
    if (out.record.length !== header.length) {
      yield { line: start, error: { reason: 'wrong-type', detail: `expected ${header.length} fields (header), got ${out.record.length}` } };
      continue;
    }
    const record: Record<string, string> = {};
    header.forEach((h, i) => (record[h] = out.record[i]!));
    yield { line: start, record };
  }
  while (skipped.length) yield skipped.shift()!;
  if (stopped) yield stopped;
}

/** Rows decoded per hyparquet call: bounds memory on a large file while keeping calls few. */
const PARQUET_BATCH = 2048;

/**
 * hyparquet's file reader, for one read of a file. On a damaged file hyparquet starts several page
 * reads and gives up at the first failure; a read still pending then fails on its own (the file
 * deleted right after the import, as uploads are, or an I/O error) through promises hyparquet
 * derived from it and no longer awaits: an unhandled rejection, which ends a Node process (the web
 * server, Electron's main process). Once `close()` is called, a failing read never settles instead:
 * nobody is waiting for it. Before that, every failure reaches the caller as usual.
 */
async function parquetFile(path: string): Promise<AsyncBuffer & { close(): void }> {
  const file = await asyncBufferFromFile(path);
  let closed = false;
  return {
    byteLength: file.byteLength,
    slice: (start, end) => Promise.resolve(file.slice(start, end)).catch((err: unknown) => (closed ? new Promise<ArrayBuffer>(() => undefined) : Promise.reject(err))),
    close: () => { closed = true; },
  };
}

export async function parquetMetadataOf(path: string): Promise<FileMetaData> {
  const file = await parquetFile(path);
  try {
    return await parquetMetadataAsync(file);
  } catch (err) {
    throw new DataFileError('invalid_argument', `${path} is not a readable Parquet file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    file.close();
  }
}

async function* readParquet(path: string, max: number): AsyncGenerator<RawRecord> {
  const file = await parquetFile(path);
  try {
    yield* parquetRows(file, path, max);
  } finally {
    file.close(); // also when the consumer stops early (generator return)
  }
}

async function* parquetRows(file: AsyncBuffer, path: string, max: number): AsyncGenerator<RawRecord> {
  const metadata = await parquetMetadataOf(path);
  const total = Number(metadata.num_rows);
  for (let at = 0; at < total; at += PARQUET_BATCH) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, compressors, rowStart: at, rowEnd: Math.min(total, at + PARQUET_BATCH) });
    } catch (err) {
      throw new DataFileError('invalid_argument', `${path}: rows ${at + 1}-${Math.min(total, at + PARQUET_BATCH)} cannot be decoded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    for (let i = 0; i < rows.length; i++) {
      const line = at + i + 1;
      const size = textBytes(rows[i], max);
      if (size > max) yield { line, error: { reason: 'too-long', detail: `row holds over ${mb(max)} of text, the limit per row` } };
      else yield { line, record: rows[i] };
    }
  }
}

/** Text size of a decoded value, stopping once past `cap`. */
function textBytes(v: unknown, cap: number, acc = 0): number {
  if (acc > cap) return acc;
  if (typeof v === 'string') return acc + v.length;
  if (v instanceof Uint8Array) return acc + v.length;
  if (Array.isArray(v)) { for (const x of v) { acc = textBytes(x, cap, acc); if (acc > cap) break; } return acc; }
  if (v !== null && typeof v === 'object') { for (const x of Object.values(v)) { acc = textBytes(x, cap, acc); if (acc > cap) break; } return acc; }
  return acc + 8;
}
