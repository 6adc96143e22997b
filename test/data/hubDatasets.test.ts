/**
 * Datasets from the Hugging Face Hub against the local fake hub (no network):
 * presets that download and map themselves (GSM8K's "####" answers, MATH-500,
 * a multiple-choice set), the repo's own Parquet files vs the Hub's Parquet
 * conversion, a gated repo (saved token), a missing split, a dropped
 * connection resumed with Range; then the stored dataset is what a run and an
 * evaluation read, and deleting it removes its files. Parquet files are
 * generated here with hyparquet-writer (snappy, as the Hub's are).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataSource, DatasetImportJob } from '../../main/api/contract/index.js';
import { evalDataset } from '../../main/eval/evalDataset.js';
import { createDatasetHubJobs } from '../../main/services/datasetHubJobs.js';
import { createDatasetsService } from '../../main/services/datasetsService.js';
import { Store } from '../../main/store/index.js';
import { loadTaskRows } from '../../main/trainer/loadTaskRows.js';
import { startFakeHub, type FakeHub } from '../models/fakeHub.js';

const gsm = (n: number, offset = 0) => parquetWriteBuffer({
  columnData: [
    { name: 'question', data: Array.from({ length: n }, (_, i) => `Sam has ${i + offset} apples and buys 2 more. How many?`), type: 'STRING' },
    { name: 'answer', data: Array.from({ length: n }, (_, i) => `${i + offset} + 2 = ${i + offset + 2}\n#### ${i + offset + 2}`), type: 'STRING' },
  ],
});

let hub: FakeHub;
let dataDir: string;
let store: Store;
let events: DatasetImportJob[];
let token: string | undefined;
let svc: ReturnType<typeof createDatasetsService>;
let jobs: ReturnType<typeof createDatasetHubJobs>;

beforeAll(async () => {
  hub = await startFakeHub();
  hub.addDatasetFile('openai/gsm8k', 'main/train-00000-of-00001.parquet', gsm(40));
  hub.addDatasetFile('openai/gsm8k', 'main/test-00000-of-00001.parquet', gsm(10, 1000));
  hub.addDatasetFile('openai/gsm8k', 'README.md', Buffer.from('# gsm8k'));
  hub.addDatasetFile('HuggingFaceH4/MATH-500', 'test.jsonl', Buffer.from('{}'));
  // MATH-500 holds JSONL: its Parquet exists only as the Hub's conversion.
  hub.addDatasetFile('HuggingFaceH4/MATH-500', 'default/test/0000.parquet', parquetWriteBuffer({
    columnData: [
      { name: 'problem', data: ['Simplify $\\frac{2}{4}$.', 'Compute $1+1$.'], type: 'STRING' },
      { name: 'solution', data: ['It is \\boxed{\\frac{1}{2}}.', '\\boxed{2}'], type: 'STRING' },
      { name: 'answer', data: ['\\frac{1}{2}', '2'], type: 'STRING' },
      { name: 'unique_id', data: ['test/algebra/1.json', 'test/algebra/2.json'], type: 'STRING' },
    ],
  }), 'refs/convert/parquet');
  hub.addDatasetFile('cais/mmlu', 'abstract_algebra/test-00000-of-00001.parquet', parquetWriteBuffer({
    columnData: [
      { name: 'question', data: ['Order of Z_4?', 'Is Z_5 a field?'], type: 'STRING' },
      { name: 'choices', data: [['1', '2', '4', '8'], ['yes', 'no', 'maybe', 'never']] },
      { name: 'answer', data: [2n, 0n], type: 'INT64' },
    ],
  }));
  hub.addDatasetFile('cais/mmlu', 'abstract_algebra/validation-00000-of-00001.parquet', parquetWriteBuffer({
    columnData: [
      { name: 'question', data: ['Order of Z_2?'], type: 'STRING' },
      { name: 'choices', data: [['1', '2', '4', '8']] },
      { name: 'answer', data: [1n], type: 'INT64' },
    ],
  }));
  hub.addDatasetFile('org/gated-set', 'data/train-00000-of-00001.parquet', gsm(5));
  hub.gated.set('org/gated-set', 'hf_good');
});
afterAll(async () => { await jobs?.dispose(); store?.close(); await hub.close(); });

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'clipo-hubds-'));
  store?.close();
  store = Store.open(join(dataDir, 'clipo.db'));
  events = [];
  token = undefined;
  svc = createDatasetsService({ store, dataDir });
  jobs = createDatasetHubJobs({ store, dataDir, endpoint: hub.url, emit: (j) => events.push(j), token: async () => token });
});

async function importHub(args: Parameters<typeof jobs.hubImport>[0]): Promise<DatasetImportJob> {
  const { jobId } = jobs.hubImport(args);
  await jobs.done(jobId);
  return jobs.hubJobs().find((j) => j.jobId === jobId)!;
}

describe('Hub dataset import', () => {
  it('GSM8K preset: the repo\'s Parquet files, mapped with the "####" answer, train/test row counts, its verifier', async () => {
    const job = await importHub({ repo: 'openai/gsm8k', preset: 'gsm8k' });
    expect(job).toMatchObject({ state: 'done', error: null, filesDone: 2, filesTotal: 2, revision: 'main', config: 'main' });
    expect(events.some((e) => e.state === 'running' && e.file === 'main/train-00000-of-00001.parquet')).toBe(true);
    const d = await svc.get({ id: job.datasetId! });
    expect(d.splits.map((s) => [s.name, s.rows])).toEqual([['train', 40], ['test', 10]]);
    expect(d).toMatchObject({ origin: 'hub', kind: 'parquet', verifier: 'gsm8k', malformed: 0, hub: { repo: 'openai/gsm8k', config: 'main', revision: 'main' } });
    expect(d.columns.map((c) => c.path)).toEqual(['question', 'answer']);
    expect(d.fields).toEqual({ question: 'question', answer: 'answer', answerFormat: 'gsm8k' });
    expect(d.suggested).toEqual(d.fields); // the suggestion finds the same mapping from the values
    // What a run trains on: the split's source from the list, read by the trainer.
    const train = (await svc.list({})).find((x) => x.id === job.datasetId)!.splits.find((s) => s.name === 'train')!.source;
    const rows = await loadTaskRows(train, () => undefined);
    expect(rows).toHaveLength(40);
    expect(rows[3]).toMatchObject({ question: 'Sam has 3 apples and buys 2 more. How many?', answer: '5', split: 'train' });
    // ...and what an evaluation reads.
    const test = d.splits.find((s) => s.name === 'test')!.source;
    const evalRows = [];
    for await (const r of evalDataset(test).rows(3)) evalRows.push(r.answer);
    expect(evalRows).toEqual(['1002', '1003', '1004']);
  });

  it('MATH-500 preset falls back to the Hub\'s Parquet conversion (refs/convert/parquet)', async () => {
    const job = await importHub({ repo: 'HuggingFaceH4/MATH-500', preset: 'math-500' });
    expect(job).toMatchObject({ state: 'done', revision: 'refs/convert/parquet', splits: ['test'] });
    expect(hub.requests.some((r) => r.path === '/datasets/HuggingFaceH4/MATH-500/resolve/refs/convert/parquet/default/test/0000.parquet')).toBe(true);
    const d = await svc.get({ id: job.datasetId! });
    expect(d.verifier).toBe('boxedMath');
    const p = await svc.preview({ source: d.splits[0]!.source, suffix: 'Box it.', count: 2 });
    expect(p.rows.map((r) => [r.id, r.answer, r.prompt])).toEqual([
      ['test/algebra/1.json', '\\frac{1}{2}', 'Simplify $\\frac{2}{4}$.\nBox it.'], ['test/algebra/2.json', '2', 'Compute $1+1$.\nBox it.'],
    ]);
  });

  it('multiple-choice preset: option index → letter, options shown in the prompt', async () => {
    const job = await importHub({ repo: 'cais/mmlu', preset: 'mmlu-abstract-algebra' });
    expect(job.state).toBe('done');
    const d = await svc.get({ id: job.datasetId! });
    expect(d.splits.map((s) => [s.name, s.rows])).toEqual([['test', 2], ['validation', 1]]);
    expect(d.verifier).toBe('multipleChoice');
    const p = await svc.preview({ source: d.splits[0]!.source, count: 1 });
    expect(p.rows[0]).toMatchObject({ answer: 'C', prompt: 'Order of Z_4?\nOptions: A. 1\nB. 2\nC. 4\nD. 8' });
  });

  it('a gated dataset: refused without the saved token, imported with it', async () => {
    const refused = await importHub({ repo: 'org/gated-set' });
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatch(/gated or private.*save a read token in Settings/);
    token = 'hf_good';
    const ok = await importHub({ repo: 'org/gated-set', splits: ['train'] });
    expect(ok).toMatchObject({ state: 'done', config: 'default' });
    expect(hub.requests.filter((r) => r.path.includes('gated-set')).at(-1)!.auth).toBe('Bearer hf_good');
  });

  it('a missing split or config names what exists; an unknown repo says so', async () => {
    const noSplit = await importHub({ repo: 'openai/gsm8k', config: 'main', splits: ['validation'] });
    expect(noSplit).toMatchObject({ state: 'failed', error: expect.stringMatching(/no split "validation"; available: test, train/) });
    const noConfig = await importHub({ repo: 'openai/gsm8k', config: 'socratic', name: 'x' });
    expect(noConfig.error).toMatch(/no config "socratic"; choose one of: main/);
    const noRepo = await importHub({ repo: 'nobody/nothing' });
    expect(noRepo.error).toMatch(/no dataset nobody\/nothing on the Hub/);
    expect(store.library.datasets()).toEqual([]);
  });

  it('a dropped connection fails with a resumable message; importing again resumes with Range and finishes', async () => {
    hub.cutAfter = 300;
    const first = await importHub({ repo: 'openai/gsm8k', preset: 'gsm8k' });
    expect(first).toMatchObject({ state: 'failed', error: expect.stringMatching(/connection dropped.*Import again to resume/) });
    expect(first.received).toBe(300);
    const second = await importHub({ repo: 'openai/gsm8k', preset: 'gsm8k' });
    expect(second).toMatchObject({ state: 'done' });
    expect(events.some((e) => e.jobId === second.jobId && e.resumedFrom === 300)).toBe(true);
    expect(hub.requests.some((r) => r.range === 'bytes=300-')).toBe(true);
    const d = await svc.get({ id: second.datasetId! });
    expect(d.splits.map((s) => s.rows)).toEqual([40, 10]);
  });

  it('deleting a dataset removes its row and its downloaded files', async () => {
    const job = await importHub({ repo: 'openai/gsm8k', preset: 'gsm8k' });
    const d = await svc.get({ id: job.datasetId! });
    const file = (d.splits[0]!.source as Extract<DataSource, { kind: 'dataset' }>).files[0]!;
    expect(existsSync(file)).toBe(true);
    await svc.remove({ id: d.id, confirm: true });
    expect(existsSync(file)).toBe(false);
    expect((await svc.list({})).some((x) => x.id === d.id)).toBe(false);
    await expect(svc.get({ id: d.id })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('file import and mapping', () => {
  it('imports a CSV copy, suggests the mapping, lists failed rows; a new mapping recounts', async () => {
    const src = join(dataDir, 'mine.csv');
    writeFileSync(src, 'problem,solution,final\r\n"What is 2+2?","2+2=4, so \\boxed{4}",4\r\n"",x,1\r\n"What is 3+3?","\\boxed{6}",\r\n');
    const d = await svc.importFile({ path: src });
    expect(d).toMatchObject({ name: 'mine', kind: 'csv', origin: 'file', malformed: 1 });
    expect(d.columns.map((c) => c.path)).toEqual(['problem', 'solution', 'final']);
    expect(d.fields).toEqual({ question: 'problem', answer: 'solution' });
    expect(d.failed.map((f) => [f.line, f.reason])).toEqual([[3, 'empty']]);
    const remapped = await svc.setMapping({ id: d.id, fields: { question: 'problem', answer: 'final' } });
    expect(remapped.splits[0]!.rows).toBe(1);
    expect(remapped.failed.map((f) => [f.line, f.reason, f.detail])).toEqual([
      [3, 'empty', 'question: "problem" is empty'], [4, 'empty', 'answer: "final" is empty'],
    ]);
    const boxed = await svc.setMapping({ id: d.id, fields: { question: 'problem', answer: 'solution', answerFormat: 'boxed' } });
    expect(boxed.splits[0]!.rows).toBe(2);
    const p = await svc.preview({ source: boxed.splits[0]!.source, count: 5 });
    expect(p.rows.map((r) => r.answer)).toEqual(['4', '6']);
    await expect(svc.importFile({ path: src })).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.importFile({ path: join(dataDir, 'notes.txt') })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});

describe('Hub file layouts', () => {
  it('reads config and split from the layouts the Hub uses', async () => {
    const { groupSplits, splitOfPath } = await import('../../main/data/hub/hubDatasetFiles.js');
    expect(splitOfPath('data/train-00000-of-00002.parquet')).toEqual({ config: 'default', split: 'train' });
    expect(splitOfPath('main/test-00000-of-00001.parquet')).toEqual({ config: 'main', split: 'test' });
    expect(splitOfPath('default/partial-train/0003.parquet')).toEqual({ config: 'default', split: 'train' });
    expect(splitOfPath('validation.parquet')).toEqual({ config: 'default', split: 'validation' });
    expect(splitOfPath('README.md')).toBeNull();
    expect(groupSplits(['data/train-00001-of-00002.parquet', 'data/test-00000-of-00001.parquet', 'data/train-00000-of-00002.parquet', 'x.csv']))
      .toEqual([
        { config: 'default', split: 'test', files: ['data/test-00000-of-00001.parquet'] },
        { config: 'default', split: 'train', files: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'] },
      ]);
  });
});
