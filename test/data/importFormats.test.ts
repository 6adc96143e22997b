// Import of every format through one path (importFile): JSONL, CSV (csv-parse)
// and Parquet (hyparquet, files written here with hyparquet-writer, compressed
// as Hub files are), including malformed input: invalid UTF-8, a BOM, CRLF, a
// 50 MB line, missing columns, nested fields, a corrupt Parquet file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { columnsOf, DataFileError, extractAnswer, importFile, lastBoxed, readRecords, suggestMapping } from '../../main/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-formats-'));
const file = (name: string, body: string | Buffer | ArrayBuffer): string => {
  const p = join(dir, name);
  writeFileSync(p, body instanceof ArrayBuffer ? Buffer.from(body) : body);
  return p;
};
const QA = { question: 'question', answer: 'answer' };
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const BAD = Buffer.from([0xc3, 0x28]); // a lead byte followed by a non-continuation byte

describe('JSONL', () => {
  it('a BOM, CRLF, invalid UTF-8 on one line and a blank line: each reported, the rest imported', async () => {
    const p = file('mixed.jsonl', Buffer.concat([
      BOM, Buffer.from('{"question":"q1","answer":"1"}\r\n'),
      Buffer.from('{"question":"q'), BAD, Buffer.from('","answer":"2"}\r\n'),
      Buffer.from('\r\n{"question":"q4","answer":"4"}'),
    ]));
    const { rows, report } = await importFile(p, 'jsonl', QA);
    expect(rows.map((r) => [r.question, r.answer, r.meta.line])).toEqual([['q1', '1', 1], ['q4', '4', 4]]);
    expect(report.malformed.map((m) => [m.line, m.reason])).toEqual([[2, 'invalid-utf8'], [3, 'empty']]);
    expect(report.malformed[0]!.detail).toMatch(/column 15/); // the bad byte's position, 1-based
  });

  it('a 50 MB line is one too-long row in bounded memory; the lines after it import', async () => {
    const huge = `{"question":"${'x'.repeat(50 * 1024 * 1024)}","answer":"1"}`;
    const p = file('huge.jsonl', `{"question":"a","answer":"1"}\n${huge}\n{"question":"b","answer":"2"}\n`);
    const before = process.memoryUsage().rss;
    const { rows, report } = await importFile(p, 'jsonl', QA, { maxRowBytes: 1024 * 1024 });
    expect(rows.map((r) => r.question)).toEqual(['a', 'b']);
    expect(report.malformed).toEqual([{ line: 2, reason: 'too-long', detail: expect.stringMatching(/50 MB, over the 1 MB limit/) }]);
    // The line was never held whole: growth stays well below its 50 MB.
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it('missing columns and nested fields', async () => {
    const p = file('nested.jsonl', [
      JSON.stringify({ prompt: [{ role: 'user', content: 'What is 6*7?' }], reward_model: { ground_truth: 42 } }),
      JSON.stringify({ prompt: [], reward_model: { ground_truth: 1 } }),
      JSON.stringify({ prompt: [{ role: 'user', content: 'q' }] }),
    ].join('\n'));
    const { rows, report } = await importFile(p, 'jsonl', { question: 'prompt.0.content', answer: 'reward_model.ground_truth' });
    expect(rows.map((r) => [r.question, r.answer])).toEqual([['What is 6*7?', '42']]);
    expect(report.malformed.map((m) => [m.line, m.reason, m.detail])).toEqual([
      [2, 'missing-field', 'question: no value at "prompt.0.content"'],
      [3, 'missing-field', 'answer: no value at "reward_model.ground_truth"'],
    ]);
  });
});

describe('CSV', () => {
  it('BOM, CRLF, a multi-line quoted field, invalid UTF-8 and a missing column', async () => {
    const p = file('mixed.csv', Buffer.concat([
      BOM, Buffer.from('question,answer\r\n"two\r\nlines",1\r\n'),
      Buffer.from('bad '), BAD, Buffer.from(',2\r\n'),
      Buffer.from('only one field\r\nok,4\r\n'),
    ]));
    const { rows, report } = await importFile(p, 'csv', QA);
    expect(rows.map((r) => [r.question, r.answer, r.meta.line])).toEqual([['two\r\nlines', '1', 2], ['ok', '4', 6]]);
    expect(report.malformed.map((m) => [m.line, m.reason])).toEqual([[4, 'invalid-utf8'], [5, 'wrong-type']]);
  });

  it('a header without the mapped column reports every row, naming the column', async () => {
    const p = file('cols.csv', 'problem,solution\nq,1\n');
    const { rows, report } = await importFile(p, 'csv', QA);
    expect(rows).toEqual([]);
    expect(report.malformed).toEqual([{ line: 2, reason: 'missing-field', detail: 'question: no value at "question"' }]);
  });

  it('a record over the size limit stops the read with a clear reason (csv-parse cannot resynchronise)', async () => {
    const p = file('big.csv', `question,answer\na,1\n"${'y'.repeat(300_000)}",2\nb,3\n`);
    const { rows, report } = await importFile(p, 'csv', QA, { maxRowBytes: 100_000 });
    expect(rows.map((r) => r.question)).toEqual(['a']);
    expect(report.malformed.at(-1)).toMatchObject({ reason: 'too-long', detail: expect.stringMatching(/not read/) });
  });
});

describe('Parquet', () => {
  // The writer compresses snappy itself; gzip and brotli (codecs Hub files use) come from node:zlib,
  // and the reader decodes them with hyparquet-compressors.
  const CODECS = { SNAPPY: undefined, UNCOMPRESSED: undefined, GZIP: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) }, BROTLI: { BROTLI: (b: Uint8Array) => new Uint8Array(brotliCompressSync(b)) } } as const;
  const write = (name: string, codec: keyof typeof CODECS) => file(name, parquetWriteBuffer({
    codec,
    ...(CODECS[codec] ? { compressors: CODECS[codec] } : {}),
    columnData: [
      { name: 'problem', data: ['What is 2+3?', 'Name the colour: ünïcödé', ''], type: 'STRING' },
      { name: 'solution', data: ['2+3=5\n#### 5', 'It is red.\n#### red', '#### 1'], type: 'STRING' },
      { name: 'idx', data: [10n, 11n, 12n], type: 'INT64' },
    ],
  }));

  for (const codec of ['SNAPPY', 'UNCOMPRESSED', 'GZIP', 'BROTLI'] as const) {
    it(`reads rows (${codec}), maps with an answer format, reports the empty question by row number`, async () => {
      const p = write(`gsm-${codec}.parquet`, codec);
      const { rows, report } = await importFile(p, 'parquet', { question: 'problem', answer: 'solution', id: 'idx', answerFormat: 'gsm8k' });
      expect(rows.map((r) => [r.id, r.question, r.answer])).toEqual([['10', 'What is 2+3?', '5'], ['11', 'Name the colour: ünïcödé', 'red']]);
      expect(report.malformed).toEqual([{ line: 3, reason: 'empty', detail: 'question: "problem" is empty' }]);
    });
  }

  it('nested struct and list columns, suggested mapping and columns', async () => {
    const p = file('nested.parquet', parquetWriteBuffer({
      columnData: [
        { name: 'question', data: ['Which is a prime?'], type: 'STRING' },
        { name: 'choices', data: [{ text: ['4', '7', '9'], label: ['A', 'B', 'C'] }] },
        { name: 'answerKey', data: ['B'], type: 'STRING' },
      ],
    }));
    const records = [];
    for await (const r of readRecords(p, 'parquet')) records.push(r.record);
    const cols = columnsOf(records);
    expect(cols.map((c) => c.path)).toEqual(['question', 'choices.text', 'choices.label', 'answerKey']);
    const m = suggestMapping(cols, records);
    expect(m).toEqual({ question: 'question', answer: 'answerKey', choices: 'choices.text' });
    const { rows } = await importFile(p, 'parquet', m);
    expect(rows[0]).toMatchObject({ question: 'Which is a prime?', answer: 'B', choices: ['4', '7', '9'] });
  });

  it('a row holding more text than the limit is one too-long row', async () => {
    const p = file('long.parquet', parquetWriteBuffer({
      columnData: [
        { name: 'question', data: ['short', 'y'.repeat(300_000), 'also short'], type: 'STRING' },
        { name: 'answer', data: ['1', '2', '3'], type: 'STRING' },
      ],
    }));
    const { rows, report } = await importFile(p, 'parquet', QA, { maxRowBytes: 100_000 });
    expect(rows.map((r) => r.answer)).toEqual(['1', '3']);
    expect(report.malformed).toEqual([{ line: 2, reason: 'too-long', detail: expect.stringMatching(/over 0\.10 MB of text/) }]);
  });

  it('a corrupt file is a typed, file-level error', async () => {
    const p = file('corrupt.parquet', Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]));
    await expect(importFile(p, 'parquet', QA)).rejects.toBeInstanceOf(DataFileError);
    await expect(importFile(p, 'parquet', QA)).rejects.toThrow(/not a readable Parquet file/);
  });
});

describe('answer formats and suggestions', () => {
  it('GSM8K after ####, the last balanced \\boxed{}, option index → letter', () => {
    expect(extractAnswer('so 1,234 + 1 = 1,235\n#### 1,235', 'gsm8k')).toEqual({ ok: true, answer: '1235' });
    expect(extractAnswer('no marker', 'gsm8k').ok).toBe(false);
    expect(lastBoxed('first \\boxed{1} then \\boxed{\\frac{1}{2}}')).toBe('\\frac{1}{2}');
    expect(lastBoxed('\\boxed{\\{1,2\\}}')).toBe('\\{1,2\\}');
    expect(lastBoxed('unclosed \\boxed{x')).toBeNull();
    expect(extractAnswer('2', 'choice-index')).toEqual({ ok: true, answer: 'C' });
    expect(extractAnswer('C', 'choice-index').ok).toBe(false);
  });

  it('suggests nested paths (verl layout) and the GSM8K answer format from the values', () => {
    const verl = [{ prompt: [{ role: 'user', content: 'q' }], reward_model: { ground_truth: '3', style: 'rule' }, extra_info: { index: 0 } }];
    expect(suggestMapping(columnsOf(verl), verl)).toEqual({ question: 'prompt.0.content', answer: 'reward_model.ground_truth', id: 'extra_info.index' });
    const gsm = [{ question: 'a', answer: 'x\n#### 3' }, { question: 'b', answer: 'y\n#### 4' }];
    expect(suggestMapping(columnsOf(gsm), gsm)).toEqual({ question: 'question', answer: 'answer', answerFormat: 'gsm8k' });
    const mmlu = [{ question: 'a', choices: ['x', 'y'], answer: 1 }];
    expect(suggestMapping(columnsOf(mmlu), mmlu)).toEqual({ question: 'question', answer: 'answer', choices: 'choices', answerFormat: 'choice-index' });
  });
});
