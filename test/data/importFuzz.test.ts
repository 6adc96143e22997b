// Seeded fuzz of dataset files through import (issue 16: "malformed JSONL/CSV/Parquet through
// import"): truncations and bit flips of a valid JSONL, CSV and Parquet file (snappy and gzip).
// Every outcome is rows plus per-row reasons that account for every record, or a file-level
// DataFileError with a message; none throws anything else, each ends in bounded time, and no
// read left pending fails later as an unhandled rejection (found here: hyparquet's page reads).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFileError, importFile } from '../../main/data/index.js';
import { rngFor } from '../../main/data/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-import-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const QA = { question: 'question', answer: 'answer' };
const N = 40;
const questions = Array.from({ length: N }, (_, i) => `What is ${i} + ${i + 1}? ${'ünï '.repeat(i % 5)}`);
const answers = Array.from({ length: N }, (_, i) => String(2 * i + 1));

const sources = {
  jsonl: Buffer.from(questions.map((q, i) => JSON.stringify({ question: q, answer: answers[i] })).join('\n') + '\n'),
  csv: Buffer.from('question,answer\n' + questions.map((q, i) => `"${q.replace(/"/g, '""')}",${answers[i]}`).join('\n') + '\n'),
  'parquet-snappy': Buffer.from(parquetWriteBuffer({ codec: 'SNAPPY', columnData: [{ name: 'question', data: questions, type: 'STRING' }, { name: 'answer', data: answers, type: 'STRING' }] })),
  'parquet-gzip': Buffer.from(parquetWriteBuffer({
    codec: 'GZIP', compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) },
    columnData: [{ name: 'question', data: questions, type: 'STRING' }, { name: 'answer', data: answers, type: 'STRING' }],
  })),
};

const unhandled: string[] = [];
const onUnhandled = (e: unknown) => { unhandled.push(String((e as Error)?.message ?? e)); };
beforeAll(() => { process.on('unhandledRejection', onUnhandled); });
afterAll(() => { process.off('unhandledRejection', onUnhandled); });

describe('import fuzz', () => {
  for (const [name, bytes] of Object.entries(sources)) {
    it(`${name}: 30 truncated and bit-flipped files give rows and reasons or a typed file error, each in bounded time`, async () => {
      const format = name.startsWith('parquet') ? 'parquet' : (name as 'jsonl' | 'csv');
      const ext = format === 'parquet' ? 'parquet' : name;
      const rand = rngFor(16, `import-fuzz-${name}`);
      const tally = { rows: 0, fileError: 0, malformed: 0 };
      // The untouched file imports every row (the fuzz starts from a good file).
      const good = join(dir, `good.${ext}`);
      writeFileSync(good, bytes);
      expect((await importFile(good, format, QA)).rows).toHaveLength(N);
      for (let k = 0; k < 30; k++) {
        let b: Buffer;
        if (k % 3 === 0) b = bytes.subarray(0, Math.floor(rand() * bytes.length));
        else {
          b = Buffer.from(bytes);
          // Parquet's footer (metadata) is at the end: flip there as often as in the pages.
          const lo = k % 3 === 1 || format !== 'parquet' ? 0 : Math.floor(bytes.length * 0.6);
          for (let i = 0, n = 1 + Math.floor(rand() * 6); i < n; i++) { const at = lo + Math.floor(rand() * (b.length - lo)); b[at] = b[at]! ^ (1 << Math.floor(rand() * 8)); }
        }
        const p = join(dir, `v${k}.${ext}`);
        writeFileSync(p, b);
        const t0 = performance.now();
        const r = await importFile(p, format, QA).then((x) => x, (e: unknown) => e);
        expect(performance.now() - t0, `variant ${k}: time`).toBeLessThan(10_000);
        // An uploaded file is deleted right after its import: reads the reader left pending must not blow up.
        rmSync(p);
        if (r instanceof Error) {
          expect(r, `variant ${k}: ${r.message}`).toBeInstanceOf(DataFileError);
          expect(r.message.length).toBeGreaterThan(10);
          tally.fileError++;
          continue;
        }
        const { rows, report } = r as Awaited<ReturnType<typeof importFile>>;
        expect(report.imported).toBe(rows.length);
        expect(report.imported + report.malformedCount, `variant ${k}`).toBe(report.total);
        for (const m of report.malformed) expect(m.detail.length, `variant ${k}: ${m.reason}`).toBeGreaterThan(0);
        for (const row of rows) expect(row.question.includes('\uFFFD'), `variant ${k}: U+FFFD imported`).toBe(false);
        tally.rows += rows.length;
        tally.malformed += report.malformedCount;
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled, 'unhandled rejections (they end a Node process)').toEqual([]);
      console.log(`import fuzz ${name}: 30 variants: ${tally.fileError} file errors, ${tally.rows} rows imported, ${tally.malformed} rows reported`);
    }, 120_000);
  }
});
