// CSV import (csv-parse, RFC 4180): quoting, doubled quotes, line breaks inside quotes,
// CRLF, and malformed records reported by the line they start on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCsv } from '../../main/data/importCsv.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-csv-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('importCsv', () => {
  it('parses RFC 4180 quoting (doubled quotes, separators and CRLF inside quotes)', async () => {
    const p = file('rfc.csv', 'question,answer,note\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,,end\r\nlast,5,z');
    const { rows, report } = await importCsv(p, { question: 'question', answer: 'answer', id: 'note' });
    expect(rows.map((r) => [r.question, r.answer, r.id, r.meta.line])).toEqual([['x, y', 'say "hi"', 'two\r\nlines', 2], ['last', '5', 'z', 5]]);
    expect(report.malformed.map((m) => [m.line, m.reason])).toEqual([[4, 'empty']]);
  });

  it('maps columns and reports bad records with the line they start on', async () => {
    const p = file('q.csv', [
      'question,answer,id',
      '"What is 2+2?",4,a',
      '"Multi',
      'line question",7,b',
      'too,many,fields,here',
      '',
      '"",5,c',
      'bad"quote,1,d',
      'ok,9,e',
    ].join('\n'));
    const { rows, report } = await importCsv(p, { question: 'question', answer: 'answer', id: 'id' });
    expect(rows.map((r) => [r.id, r.question, r.answer])).toEqual([
      ['a', 'What is 2+2?', '4'], ['b', 'Multi\nline question', '7'], ['e', 'ok', '9'],
    ]);
    expect(report.malformed.map((m) => [m.line, m.reason])).toEqual([[5, 'wrong-type'], [6, 'empty'], [7, 'empty'], [8, 'invalid-csv']]);
    expect(report).toMatchObject({ total: 7, imported: 3, malformedCount: 4 });
  });
});
