// CSV import (RFC 4180): quoting, doubled quotes, line breaks inside quotes,
// CRLF, and malformed records reported by the line they start on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvParser, importCsv } from '../../main/data/importCsv.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-csv-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function parseAll(text: string, chunk = 3): { line: number; fields: string[]; error?: string }[] {
  const out: { line: number; fields: string[]; error?: string }[] = [];
  const p = new CsvParser();
  // Small chunks: quotes and CRLF split across chunk boundaries must still parse.
  for (let i = 0; i < text.length; i += chunk) p.feed(text.slice(i, i + chunk), (r) => out.push(r));
  p.end((r) => out.push(r));
  return out;
}

describe('CsvParser', () => {
  it('parses RFC 4180 quoting', () => {
    const recs = parseAll('a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,,end');
    expect(recs.map((r) => r.fields)).toEqual([['a', 'b', 'c'], ['x, y', 'say "hi"', 'two\r\nlines'], ['plain', '', 'end']]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(recs.every((r) => r.error === undefined)).toBe(true);
  });

  it('flags stray quotes, text after a closing quote, and an unterminated quote', () => {
    expect(parseAll('ab"c,d\n')[0]!.error).toMatch(/stray quote/);
    expect(parseAll('"ab"c,d\n')[0]!.error).toMatch(/after a closing quote/);
    expect(parseAll('x,"never closed\n')[0]!.error).toMatch(/unterminated/);
  });
});

describe('importCsv', () => {
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
