// JSONL import: every malformed-row reason, nested field mapping, streaming a
// large file, and the guarantee that every line is either imported or reported.
import { writeFileSync, mkdtempSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { importJsonl } from '../../main/data/importJsonl.js';
import { getPath } from '../../main/data/getPath.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-data-'));
let fileNo = 0;
function file(text: string): string {
  const p = join(dir, `f${fileNo++}.jsonl`);
  writeFileSync(p, text);
  return p;
}

const MAP = { question: 'question', answer: 'answer' };

describe('importJsonl', () => {
  it.each([
    ['invalid JSON', '{"question": "q", "answer": ', 'invalid-json', /JSON/],
    ['a JSON array instead of an object', '["q", "a"]', 'wrong-type', /expected an object, got array/],
    ['a bare number', '42', 'wrong-type', /got number/],
    ['missing question', '{"answer": "4"}', 'missing-field', /question: no value at "question"/],
    ['missing answer', '{"question": "2+2?"}', 'missing-field', /answer: no value at "answer"/],
    ['question of the wrong type', '{"question": {"text": "q"}, "answer": "4"}', 'wrong-type', /question: "question" is object/],
    ['answer null', '{"question": "q", "answer": null}', 'wrong-type', /answer: "answer" is null/],
    ['empty question', '{"question": "   ", "answer": "4"}', 'empty', /question: "question" is empty/],
    ['empty answer', '{"question": "q", "answer": ""}', 'empty', /answer/],
    ['a blank line', '   ', 'empty', /blank line/],
  ])('reports %s with its line number and reason', async (_label, bad, reason, detail) => {
    const p = file(['{"question": "1+1?", "answer": "2"}', bad, '{"question": "2+2?", "answer": 4}'].join('\n') + '\n');
    const { rows, report } = await importJsonl(p, MAP);
    expect(rows.map((r) => r.answer)).toEqual(['2', '4']);
    expect(report).toMatchObject({ total: 3, imported: 2, malformedCount: 1 });
    expect(report.malformed).toHaveLength(1);
    expect(report.malformed[0]).toMatchObject({ line: 2, reason });
    expect(report.malformed[0]!.detail).toMatch(detail);
  });

  it('maps nested paths (verl/CLIPO parquet-as-JSONL shape), choices and ids', async () => {
    const rec = {
      data_source: 'conrl/gsm8k',
      prompt: [{ role: 'user', content: 'Natalia sold 48 clips... ' }],
      reward_model: { ground_truth: '72', style: 'rule' },
      extra_info: { index: 17, options: ['a', 'b', 3] },
    };
    const p = file(`${JSON.stringify(rec)}\n`);
    const { rows, report } = await importJsonl(
      p,
      { question: 'prompt.0.content', answer: 'reward_model.ground_truth', choices: 'extra_info.options', id: 'extra_info.index' },
      { split: 'test' },
    );
    expect(report.malformedCount).toBe(0);
    expect(rows[0]).toEqual({ id: '17', question: rec.prompt[0]!.content, answer: '72', choices: ['a', 'b', '3'], split: 'test', meta: { line: 1 } });
  });

  it('reports bad nested/choices/id fields precisely', async () => {
    const p = file([
      '{"q": {"text": "x"}, "a": "1"}',
      '{"q": {"text": "x"}, "a": "1", "c": "not a list"}',
      '{"q": {"text": "x"}, "a": "1", "c": ["ok", {"no": 1}]}',
      '{"q": {"text": "x"}, "a": "1", "c": []}',
      '{"q": {"text": "x"}, "a": "1", "c": ["y"], "id": ""}',
      '{"q": {"text": "x"}, "a": "1", "c": ["y"], "id": "ok"}',
    ].join('\n'));
    const { rows, report } = await importJsonl(p, { question: 'q.text', answer: 'a', choices: 'c', id: 'id' });
    expect(rows.map((r) => r.id)).toEqual(['ok']);
    expect(report.malformed.map((m) => [m.line, m.reason])).toEqual([
      [1, 'missing-field'], [2, 'wrong-type'], [3, 'wrong-type'], [4, 'empty'], [5, 'empty'],
    ]);
    expect(report.malformed[2]!.detail).toMatch(/choices: item 1 is object/);
  });

  it('maps a solution field (SFT target) into meta.solution, and reports a missing or empty one', async () => {
    const p = file([
      '{"prompt": "2+2?", "final": 4, "response": "2 plus 2 is 4. \\\\boxed{4}"}',
      '{"prompt": "3+3?", "final": 6}',
      '{"prompt": "4+4?", "final": 8, "response": " "}',
    ].join('\n'));
    const { rows, report } = await importJsonl(p, { question: 'prompt', answer: 'final', solution: 'response' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.meta['solution']).toBe('2 plus 2 is 4. \\boxed{4}');
    expect(report.malformed.map((m) => [m.line, m.reason])).toEqual([[2, 'missing-field'], [3, 'empty']]);
  });

    it('tolerates a BOM and CRLF line endings', async () => {
    const p = file('\uFEFF{"question": "q1", "answer": "1"}\r\n{"question": "q2", "answer": "2"}\r\n');
    const { rows, report } = await importJsonl(p, MAP);
    expect(rows.map((r) => r.question)).toEqual(['q1', 'q2']);
    expect(report.malformedCount).toBe(0);
  });

  it('caps the listed malformed rows but keeps the count exact', async () => {
    const p = file(Array.from({ length: 50 }, () => 'nope').join('\n'));
    const { report } = await importJsonl(p, MAP, { maxReported: 10 });
    expect(report.malformedCount).toBe(50);
    expect(report.malformed).toHaveLength(10);
    expect(report.malformed.at(-1)!.line).toBe(10);
  });

  it('streams a large file line by line (rows to a callback, none kept)', async () => {
    const p = join(dir, 'large.jsonl');
    const out = createWriteStream(p);
    const N = 200_000;
    for (let i = 0; i < N; i++) {
      const line = i % 10_000 === 5 ? '{broken\n' : `${JSON.stringify({ id: i, problem: { text: `What is ${i} + 1? ${'pad '.repeat(20)}` }, solution: i + 1 })}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    let seen = 0;
    let sum = 0;
    const { rows, report } = await importJsonl(p, { question: 'problem.text', answer: 'solution', id: 'id' }, {
      keepRows: false,
      onRow: (r) => {
        seen++;
        sum += Number(r.answer);
      },
    });
    expect(rows).toEqual([]);
    expect(report.total).toBe(N);
    expect(report.malformedCount).toBe(20);
    expect(report.malformed.map((m) => m.line).slice(0, 2)).toEqual([6, 10_006]);
    expect(seen).toBe(N - 20);
    expect(report.imported + report.malformedCount).toBe(report.total);
    expect(sum).toBeGreaterThan(0);
  });

  it('throws (I/O, not content) for a missing file, typed not_found', async () => {
    await expect(importJsonl(join(dir, 'missing.jsonl'), MAP)).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no data file at/) });
  });
});

describe('getPath', () => {
  it.each([
    [{ a: { b: { c: 1 } } }, 'a.b.c', 1],
    [{ a: [{ b: 'x' }] }, 'a.0.b', 'x'],
    [{ a: [1] }, 'a.x', undefined],
    [{ a: 1 }, 'a.b', undefined],
    [{}, 'constructor', undefined],
    [{ 'a': null }, 'a', null],
  ])('getPath(%j, %s) = %j', (obj, path, want) => {
    expect(getPath(obj, path)).toEqual(want);
  });
});
