/**
 * Reads a text file line by line with a byte bound per line. readline keeps
 * a line in one string until its newline, so a file without newlines
 * (/dev/zero, or one 600 MB row) grows that string until V8 throws a
 * RangeError (strings top out at 2^29 - 24 characters) after minutes of
 * work; here a line over `maxLineBytes` is skipped as it streams by, using
 * memory for one line at most, and reported with its line number. Invalid
 * UTF-8 is reported too instead of being replaced with U+FFFD silently.
 *
 * The file must be a regular file: it is opened O_NONBLOCK (a FIFO would
 * otherwise block the open) and checked with fstat before any read.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** The longest row import accepts: far above any real prompt (a GSM8K row is under 2 KB). */
export const MAX_LINE_BYTES = 1 << 20;

export type LineItem =
  | { line: number; text: string }
  | { line: number; error: 'too-long' | 'invalid-utf8'; detail: string };

const invalidPath = (message: string) => Object.assign(new Error(message), { code: 'invalid_argument', field: 'path' });

/** Opens `path` for reading if it is a regular file; a folder, device, FIFO or socket is a typed error. */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw invalidPath(`${path} is a folder; choose a .jsonl file`);
    if (!st.isFile()) throw invalidPath(`${path} is not a regular file (a device, pipe or socket); choose a .jsonl file`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

export async function* readLines(path: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<LineItem> {
  const fh = await openRegularFile(path);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let partLen = 0;
  let skipped = -1; // bytes of the current line when it is over the bound (its content is dropped)
  let line = 0;
  const finish = (tail: Buffer): LineItem => {
    line++;
    const total = skipped >= 0 ? skipped + tail.length : partLen + tail.length;
    let item: LineItem;
    if (total > maxLineBytes) {
      item = { line, error: 'too-long', detail: `line ${line} is over ${maxLineBytes} bytes (${total} bytes); rows must be at most ${maxLineBytes} bytes` };
    } else {
      let buf = parts.length ? Buffer.concat([...parts, tail]) : tail;
      if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1); // CRLF
      try {
        item = { line, text: decoder.decode(buf) };
      } catch {
        item = { line, error: 'invalid-utf8', detail: `line ${line} is not valid UTF-8; save the file as UTF-8` };
      }
    }
    parts = []; partLen = 0; skipped = -1;
    return item;
  };
  try {
    for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl === -1) {
          const rest = chunk.subarray(start);
          if (skipped >= 0) skipped += rest.length;
          else if (partLen + rest.length > maxLineBytes) { skipped = partLen + rest.length; parts = []; partLen = 0; }
          else if (rest.length) { parts.push(Buffer.from(rest)); partLen += rest.length; }
          break;
        }
        yield finish(chunk.subarray(start, nl));
        start = nl + 1;
      }
    }
    if (partLen > 0 || skipped >= 0) yield finish(Buffer.alloc(0));
  } finally {
    await fh.close();
  }
}
