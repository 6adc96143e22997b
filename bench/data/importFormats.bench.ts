/**
 * Import throughput per format, as ratios against a baseline measured in the
 * same run: reading the JSONL file's lines with readline and JSON.parse and
 * nothing else. The same 50,000 GSM8K-shaped rows are written as JSONL, CSV
 * (csv-parse) and Parquet (hyparquet-writer, snappy; read with hyparquet),
 * then imported through importFile (mapping, answer extraction, reports).
 * Run: npx vitest run --project bench bench/data
 */
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { it } from 'vitest';
import { importFile } from '../../main/data/importFile.js';

const N = 50_000;
const dir = mkdtempSync(join(tmpdir(), 'clipo-bench-import-'));
const q = (i: number) => `Natalia sold clips to ${i} of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?`;
const a = (i: number) => `In May she sold ${i}/2 clips.\nAltogether ${i} + ${i}/2.\n#### ${i + Math.floor(i / 2)}`;

async function time(f: () => Promise<unknown>): Promise<number> {
  const best: number[] = [];
  for (let r = 0; r < 3; r++) { const t = performance.now(); await f(); best.push(performance.now() - t); }
  return Math.min(...best);
}

it('imports JSONL, CSV and Parquet', async () => {
  const rows = Array.from({ length: N }, (_, i) => ({ question: q(i), answer: a(i) }));
  const jsonl = join(dir, 'd.jsonl'), csv = join(dir, 'd.csv'), pq = join(dir, 'd.parquet');
  writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(csv, ['question,answer', ...rows.map((r) => `"${r.question}","${r.answer.replace(/"/g, '""')}"`)].join('\r\n'));
  writeFileSync(pq, Buffer.from(parquetWriteBuffer({ columnData: [
    { name: 'question', data: rows.map((r) => r.question), type: 'STRING' }, { name: 'answer', data: rows.map((r) => r.answer), type: 'STRING' },
  ] })));
  const map = { question: 'question', answer: 'answer', answerFormat: 'gsm8k' as const };
  const baseline = await time(async () => {
    let n = 0;
    for await (const l of createInterface({ input: createReadStream(jsonl, 'utf8'), crlfDelay: Infinity })) if (JSON.parse(l)) n++;
    if (n !== N) throw new Error('baseline miscounted');
  });
  const out: string[] = [`baseline (readline + JSON.parse, ${N} rows): ${baseline.toFixed(0)} ms`];
  for (const [name, path, fmt] of [['JSONL', jsonl, 'jsonl'], ['CSV', csv, 'csv'], ['Parquet', pq, 'parquet']] as const) {
    let imported = 0;
    const ms = await time(async () => { imported = (await importFile(path, fmt, map, { keepRows: false })).report.imported; });
    if (imported !== N) throw new Error(`${name}: imported ${imported} of ${N}`);
    out.push(`${name}: ${ms.toFixed(0)} ms = ${(ms / baseline).toFixed(2)}× baseline, ${Math.round(N / (ms / 1000))} rows/s`);
  }
  console.log(out.join('\n'));
});
