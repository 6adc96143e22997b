// Bounded import (issue 16): a 50 MB row, a line over V8's 512 MiB string limit
// and bytes that are not UTF-8 are reported per row with a clear reason, in
// bounded time and memory, and never reach the trainer. Before: the 50 MB row
// was imported (and hung the trainer), the huge line threw RangeError from
// readline, and invalid bytes became U+FFFD silently.
import { closeSync, mkdtempSync, openSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCsv } from '../../main/data/importCsv.js';
import { importJsonl } from '../../main/data/importJsonl.js';
import { DEFAULT_MAX_ROW_BYTES as MAX_ROW_BYTES } from '../../main/data/readRecords.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-bounds-'));
const MAP = { question: 'question', answer: 'answer' };
const good = (i: number) => JSON.stringify({ question: `What is ${i}+1?`, answer: String(i + 1) });

describe('row size and encoding bounds', () => {
  it('reports a 50 MB JSONL row as too-long without holding it, and imports the rest', async () => {
    const p = join(dir, 'big-row.jsonl');
    const big = Buffer.alloc(50 * 1024 * 1024, 'x');
    writeFileSync(p, Buffer.concat([Buffer.from(`${good(0)}\n{"question": "`), big, Buffer.from(`", "answer": "1"}\n${good(2)}\r\n${good(3)}`)]));
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const { rows, report } = await importJsonl(p, MAP);
    const ms = performance.now() - t0;
    expect(rows.map((r) => r.answer)).toEqual(['1', '3', '4']);
    expect(report).toMatchObject({ total: 4, imported: 3, malformedCount: 1 });
    expect(report.malformed[0]).toMatchObject({ line: 2, reason: 'too-long' });
    expect(report.malformed[0]!.detail).toMatch(/50 MB, over the 8 MB limit/);
    // Never held as a string: the heap grows by far less than the row (a readline import takes >100 MB here).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(20 * 1024 * 1024);
    expect(ms).toBeLessThan(10_000);
  });

  it('a line longer than 512 MiB is reported, not a RangeError (sparse file: no disk used)', async () => {
    const p = join(dir, 'huge-line.jsonl');
    const fd = openSync(p, 'w');
    writeSync(fd, `${good(0)}\n{"question": "`);
    ftruncateSync(fd, 520 * 1024 * 1024); // a hole of zero bytes, no newline: one 520 MiB line
    closeSync(fd);
    const { rows, report } = await importJsonl(p, MAP);
    expect(rows).toHaveLength(1);
    expect(report.malformed).toEqual([expect.objectContaining({ line: 2, reason: 'too-long' })]);
  }, 30_000);

  it.each([
    ['an unquoted 6 GB line', 'What is 0+1?,1\nx'],
    ['an unterminated quote over 6 GB', 'What is 0+1?,1\n"never closed,'],
  ])('CSV: %s ends with a too-long error in bounded time and memory (sparse file)', async (_name, body) => {
    const p = join(dir, `huge-${body.length}.csv`);
    const fd = openSync(p, 'w');
    writeSync(fd, `question,answer\n${body}`);
    ftruncateSync(fd, 6000 * 1024 * 1024); // a hole of zero bytes, no newline or quote: one 6 GB record (reading it all takes over a minute)
    closeSync(fd);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const probe = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const t0 = performance.now();
    try {
      const { rows, report } = await importCsv(p, MAP);
      expect(rows.map((r) => r.answer)).toEqual(['1']);
      expect(report.malformed).toEqual([expect.objectContaining({ line: 3, reason: 'too-long' })]);
      expect(report.malformed[0]!.detail).toMatch(/over the 8 MB limit/);
    } finally {
      clearInterval(probe);
    }
    // Stops reading at the limit: neither the record nor a string of it is held, nor is the rest of the file read.
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(peak - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);

  it('rows of exactly the limit are still imported', async () => {
    const p = join(dir, 'at-limit.jsonl');
    const head = '{"question": "', tail = '", "answer": "1"}';
    writeFileSync(p, head + 'q'.repeat(MAX_ROW_BYTES - head.length - tail.length) + tail + '\n');
    const { rows, report } = await importJsonl(p, MAP);
    expect(report.malformedCount).toBe(0);
    expect(rows[0]!.question.length).toBe(MAX_ROW_BYTES - head.length - tail.length);
  });

  it('reports lines that are not UTF-8 instead of replacing their bytes with U+FFFD', async () => {
    const p = join(dir, 'latin1.jsonl');
    const latin1 = Buffer.from('{"question": "Combien coûte 2+2 ?", "answer": "4"}', 'latin1'); // û = 0xFB alone
    writeFileSync(p, Buffer.concat([Buffer.from(`${good(0)}\n`), latin1, Buffer.from(`\n${good(2)}\n`)]));
    const { rows, report } = await importJsonl(p, MAP);
    expect(rows.map((r) => r.answer)).toEqual(['1', '3']);
    expect(report.malformed).toEqual([expect.objectContaining({ line: 2, reason: 'invalid-utf8' })]);
    expect(report.malformed[0]!.detail).toMatch(/not valid UTF-8/);
    expect(rows.some((r) => r.question.includes('\uFFFD'))).toBe(false);
  });

  it('CSV: a too-long record is reported (csv-parse cannot resync after it, so the read stops there); invalid UTF-8 is reported', async () => {
    const p = join(dir, 'big.csv');
    writeFileSync(p, `question,answer\nWhat is 0+1?,1\n"${'y'.repeat(2 * MAX_ROW_BYTES)}",1\nWhat is 1+1?,2\n`);
    const { rows, report } = await importCsv(p, MAP);
    expect(rows.map((r) => r.answer)).toEqual(['1']);
    expect(report.malformed).toEqual([expect.objectContaining({ line: 3, reason: 'too-long' })]);
    const q = join(dir, 'latin1.csv');
    writeFileSync(q, Buffer.concat([Buffer.from('question,answer\nok,1\n'), Buffer.from('coûte,2\n', 'latin1')]));
    const latin = await importCsv(q, MAP);
    expect(latin.rows.map((r) => r.answer)).toEqual(['1']);
    expect(latin.report.malformed).toEqual([expect.objectContaining({ line: 3, reason: 'invalid-utf8' })]);
    expect(latin.rows.some((r) => r.question.includes('\uFFFD'))).toBe(false);
  });
});
