// Reads a text file line by line with a bound on each line's size, as raw
// bytes. readline cannot do this: it builds each line as one string, so a 50 MB
// line costs the trainer gigabytes of string churn and a line over V8's string
// limit (512 MiB) throws RangeError and kills the process. Here a line longer
// than `maxLineBytes` is skipped without ever being held (only its length is
// reported), and decoding is left to the caller (fatal UTF-8, per line).
import { createReadStream } from 'node:fs';

/** The most a dataset row may take, in bytes: a long math problem is tens of KiB; 1 MiB is already absurd. */
export const MAX_ROW_BYTES = 1 << 20;

export type RawLine = { line: number; bytes: Buffer; tooLong?: undefined } | { line: number; bytes?: undefined; tooLong: number };

/** Lines split on LF (a CR before it is removed); the last line need not end with LF. */
export async function* readLines(path: string, maxLineBytes = MAX_ROW_BYTES): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let held = 0;        // bytes in parts
  let skipped = -1;    // >= 0: the current line is too long; bytes seen so far
  let line = 0;
  const finish = (): RawLine => {
    line++;
    if (skipped >= 0) { const n = skipped; skipped = -1; return { line, tooLong: n }; }
    let b = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
    parts = [];
    held = 0;
    return { line, bytes: b };
  };
  const add = (chunk: Buffer): void => {
    if (skipped >= 0) { skipped += chunk.length; return; }
    if (held + chunk.length > maxLineBytes + 1) { // +1: room for the CR of a CRLF
      skipped = held + chunk.length;
      parts = [];
      held = 0;
      return;
    }
    if (chunk.length > 0) { parts.push(chunk); held += chunk.length; }
  };
  let sawAny = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
    sawAny = true;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      add(chunk.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
    // Copy the tail: the stream may reuse its buffer.
    if (start < chunk.length) add(Buffer.from(chunk.subarray(start)));
    else add(Buffer.alloc(0));
  }
  if (sawAny && (held > 0 || skipped >= 0)) yield finish();
}
