/**
 * Bad input never crashes the trainer or corrupts the store (issue 5): a
 * missing model file, an unsupported model, malformed dataset rows, an invalid
 * recipe, a read-only or full run directory each end the run 'failed' with a
 * message that says what to do, and the store stays consistent (no partial
 * steps); after the cause is fixed, resume completes the run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecipeInput } from '../../main/api/contract/index.js';
import { readGguf, writeGguf, writeTinyModel, type GgufValue } from '../../main/models/gguf/index.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';
import { ggufVariant } from '../engine/engineFixtures.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { executeRun } from '../../main/trainer/executeRun.js';
import type { TrainerToSupervisor } from '../../main/trainer/protocol.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';

const demo = () => structuredClone(recipePresets().find((p) => p.id === 'demo')!.recipe);
const mounts: string[] = [];
afterAll(() => { for (const m of mounts) try { execFileSync('umount', [m]); } catch { /* already gone */ } });

function setup(recipeJson: string, dataDir = mkdtempSync(join(tmpdir(), 'fail-'))) {
  const dbDir = mkdtempSync(join(tmpdir(), 'faildb-'));
  const store = Store.open(join(dbDir, 'clipo.db'));
  const runId = store.runs.create({ name: 'f', recipeJson, totalSteps: 3 });
  return { store, runId, dataDir };
}

async function exec(s: ReturnType<typeof setup>, resume = false) {
  const msgs: TrainerToSupervisor[] = [];
  const out = await executeRun({ ...s, resume, control: new TrainerControl(), send: (m) => msgs.push(m) });
  return { out, msgs };
}

function stepsWritten(s: ReturnType<typeof setup>): number {
  return (s.store.db.prepare('SELECT count(*) AS n FROM steps WHERE run_id = ?').get(s.runId) as { n: number }).n;
}

const recipeJson = (over: Partial<RecipeInput> = {}) => JSON.stringify(parseRecipe({ ...demo(), training: { steps: 3, checkpointEvery: 1 }, ...over }));

/** A tmpfs we can make read-only or full; null where mounting is not permitted (then the test says so). */
function tmpfs(sizeKb: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'mnt-'));
  try { execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'ignore' }); } catch { return null; }
  mounts.push(dir);
  return dir;
}

describe('trainer failure modes', () => {
  it('missing model file → failed, names the file and the fix', async () => {
    const s = setup(recipeJson({ model: { kind: 'file', path: '/nonexistent/model.gguf' } }));
    const { out, msgs } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/model file not found.*\/nonexistent\/model\.gguf.*choose an existing GGUF/);
    expect(s.store.runs.get(s.runId)).toMatchObject({ status: 'failed', error: out.error });
    expect(msgs.at(-1)).toMatchObject({ type: 'exit', status: 'failed' });
    expect(stepsWritten(s)).toBe(0);
  });

  // On a machine with a usable GPU this run would train: the test is for GPU-less machines (CI)
  it.skipIf(process.env.CLIPO_TEST_GPU === '1')('backend "cuda" without a GPU → failed, says how to train on the CPU', async () => {
    const s = setup(recipeJson({ hardware: { backend: 'cuda', threads: 0 } }));
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/no GPU backend available.*set the backend to 'auto' or 'cpu'/);
    expect(stepsWritten(s)).toBe(0);
  });

  it('unsupported architecture → failed, names what is supported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unsup-'));
    const path = join(dir, 'falcon.gguf');
    writeGguf(path, { 'general.architecture': { type: 'string', value: 'falcon' }, 'falcon.block_count': { type: 'u32', value: 1 } }, [
      { name: 'token_embd.weight', shape: [8, 16], type: 'F32', data: new Uint8Array(8 * 16 * 4) },
    ]);
    const s = setup(recipeJson({ model: { kind: 'file', path } }));
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/falcon/);
    expect(out.error).toMatch(/llama/);
    expect(out.error).toMatch(/qwen2/);
    expect(stepsWritten(s)).toBe(0);
  });

  it('a corrupt GGUF → failed with a format error, not a crash', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'corrupt-')), 'bad.gguf');
    writeFileSync(path, Buffer.from('GGUF\x03\x00\x00\x00garbage'));
    const s = setup(recipeJson({ model: { kind: 'file', path } }));
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error?.length).toBeGreaterThan(10);
    expect(stepsWritten(s)).toBe(0);
  });

  // Issue 16: files llama.cpp aborts on (GGML_ASSERT) used to crash the trainer; the run was "crashed" and
  // offered a resume that crashed again. Now the header check fails the run first: 'failed', no resume offer.
  it.each([
    ['a token listed twice', (t: string[]) => t.map((x, i) => (i === 40 ? t[41]! : x)), /appears twice in the vocabulary/],
    ['an empty token string', (t: string[]) => t.map((x, i) => (i === 40 ? '' : x)), /empty string/],
  ])('a model with %s (llama.cpp aborts on it) → failed with the reason, not crashed', async (_name, edit, msg) => {
    const dir = mkdtempSync(join(tmpdir(), 'crafted-'));
    const good = join(dir, 'good.gguf');
    writeTinyModel(good, { ...TINY_DEMO_MODEL });
    const f = readGguf(good);
    const tokens = (f.metadata['tokenizer.ggml.tokens'] as { value: string[] }).value;
    const path = ggufVariant(good, join(dir, 'crafted.gguf'), { metadata: { 'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: edit(tokens) } as GgufValue } });
    const s = setup(recipeJson({ model: { kind: 'file', path } }));
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(msg);
    expect(stepsWritten(s)).toBe(0);
  });

  it('malformed dataset rows are skipped and reported; a file with none usable fails clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'data-'));
    const good = Array.from({ length: 12 }, (_, i) => JSON.stringify({ q: `Say ${'AB12'[i % 4]}`, a: 'AB12'[i % 4] }));
    writeFileSync(join(dir, 'mixed.jsonl'), [...good, '{not json', JSON.stringify({ q: 'no answer' }), JSON.stringify({ q: 5, a: [] })].join('\n'));
    writeFileSync(join(dir, 'bad.jsonl'), ['{oops', JSON.stringify({ other: 1 })].join('\n'));
    const fields = { question: 'q', answer: 'a' };
    const mixed = setup(recipeJson({ data: { kind: 'jsonl', path: join(dir, 'mixed.jsonl'), fields } }));
    const r1 = await exec(mixed);
    expect(r1.out.status).toBe('finished');
    const warn = r1.msgs.find((m) => m.type === 'event' && m.kind === 'dataset');
    expect(warn).toMatchObject({ level: 'warn' });
    expect((warn as { message: string }).message).toMatch(/skipped 3 malformed row\(s\) of 15.*line 13/);
    const bad = setup(recipeJson({ data: { kind: 'jsonl', path: join(dir, 'bad.jsonl'), fields } }));
    const r2 = await exec(bad);
    expect(r2.out.status).toBe('failed');
    expect(r2.out.error).toMatch(/no usable rows.*2 of 2 were malformed.*field mapping/);
  });

  it('an invalid recipe → failed, naming the field', async () => {
    const s = setup(JSON.stringify({ ...JSON.parse(recipeJson()), rollout: { groupSize: 0 } }));
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/rollout\.groupSize/);
  });

  it('a read-only run directory → failed with an actionable message', async (ctx) => {
    const dir = tmpfs(4096);
    if (!dir) return ctx.skip();
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const s = setup(recipeJson(), dir);
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/read-only.*choose a writable data folder/);
    expect(stepsWritten(s)).toBe(0);
  });

  it('a full disk → failed with an actionable message; after freeing space, resume finishes', async (ctx) => {
    const dir = tmpfs(1024);
    if (!dir) return ctx.skip();
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'filler'), Buffer.alloc(1000 * 1024)); // leaves ~24 KB: too little for the demo model
    const s = setup(recipeJson(), dir);
    const { out } = await exec(s);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/disk is full.*free some space/);
    expect(stepsWritten(s)).toBe(0);
    rmSync(join(dir, 'filler'));
    const again = await exec(s, true);
    expect(again.out.status).toBe('finished');
    expect(stepsWritten(s)).toBe(3);
  });
});
