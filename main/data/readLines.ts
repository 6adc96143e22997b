// Splits a byte stream into lines without ever holding more than `maxBytes` of
// one line: a longer line is reported as too long (and its bytes dropped as
// they arrive), so a 50 MB line in a JSONL file costs a bounded amount of
// memory and the lines after it still import. A line ends at \n; a trailing \r
// (CRLF) is removed. Bytes, not text: the caller checks UTF-8 per line, so one
// bad byte marks one line instead of silently turning into U+FFFD.
import { createReadStream } from 'node:fs';

export type RawLine = { line: number; bytes: Buffer; tooLong?: undefined } | { line: number; bytes?: undefined; tooLong: number };

export async function* readLines(path: string, maxBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 1;
  let over = false;
  const finish = (): RawLine => {
    const out: RawLine = over ? { line, tooLong: size } : { line, bytes: stripCr(Buffer.concat(parts, size)) };
    parts = [];
    size = 0;
    over = false;
    line++;
    return out;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
      size += piece.length;
      if (!over && size > maxBytes) { over = true; parts = []; }
      if (!over && piece.length > 0) parts.push(Buffer.from(piece)); // copy: the stream reuses nothing, but keep lines independent of the chunk
      if (nl < 0) break;
      yield finish();
      start = nl + 1;
    }
  }
  if (size > 0 || over) yield finish();
}

function stripCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === 0x0d ? b.subarray(0, b.length - 1) : b;
}
