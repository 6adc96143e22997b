/**
 * Evaluation end to end on the tiny demo: train the demo preset 20 steps in-process,
 * then evaluate the base model and the checkpoint (pass@1 rises), read the rows back
 * through runs.evaluations, stop an evaluation midway and rerun it (continues, no
 * duplicates), and drive `clipo export` / `clipo eval` through bin/clipo.js and
 * runs.export through a tool process (after `node scripts/build.mjs node` when dist/ is older
 * than the sources).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { createExportEvalService } from '../../main/services/exportEvalService.js';
import { Store } from '../../main/store/index.js';
import { evaluateRun } from '../../main/trainer/eval/evaluateRun.js';
import { runTraining } from '../../main/trainer/runTraining.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';
import { ensureNodeBuild } from '../cli/ensureNodeBuild.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let dataDir: string;
let store: Store;
let runId: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'evaldemo-'));
  store = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, training: { ...demo.training, steps: 20, checkpointEvery: 20 } });
  runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
  const out = await runTraining({ store, runId, dataDir, resume: false, control: new TrainerControl(), send: () => undefined });
  expect(out.status).toBe('finished');
}, 300_000);
afterAll(() => store?.close());

describe('evaluation of the demo run', () => {
  it('base vs checkpoint: pass@1 rises; rows stored and readable via runs.evaluations', async () => {
    const ds = { kind: 'builtin' as const, task: 'tiny-demo', splitName: 'test' };
    const progress: number[] = [];
    const base = await evaluateRun({ store, dataDir, runId, checkpoint: 'base', dataset: ds, k: 4, temperature: 1, limit: 40, onProgress: (p) => progress.push(p.done) });
    const ck = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 4, temperature: 1, limit: 40 });
    const greedyBase = await evaluateRun({ store, dataDir, runId, checkpoint: 'base', dataset: ds, k: 4, temperature: 0, limit: 40 });
    const greedyCk = await evaluateRun({ store, dataDir, runId, checkpoint: 19, dataset: ds, k: 4, temperature: 0, limit: 40 });
    console.log(`tiny-demo test (40 problems): sampled T=1 k=4 pass@1 base ${base.metrics['pass@1'].toFixed(3)} → step 19 ${ck.metrics['pass@1'].toFixed(3)}; `
      + `pass@4 ${base.metrics['pass@k'].toFixed(3)} → ${ck.metrics['pass@k'].toFixed(3)}; greedy pass@1 ${greedyBase.metrics['pass@1'].toFixed(3)} → ${greedyCk.metrics['pass@1'].toFixed(3)}`);
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(base.complete && ck.complete).toBe(true);
    expect(ck.checkpointStep).toBe(19);
    expect(ck.metrics['pass@1']).toBeGreaterThan(base.metrics['pass@1'] + 0.15);
    expect(greedyCk.metrics['pass@1']).toBeGreaterThanOrEqual(greedyBase.metrics['pass@1']);
    expect(ck.metrics['pass@k']).toBeGreaterThanOrEqual(ck.metrics['pass@1']);

    const svc = createExportEvalService({ store, dbPath: join(dataDir, 'clipo.db'), dataDir, emit: () => undefined });
    const rows = await svc.evaluations({ runId: String(runId) });
    expect(rows.filter((r) => r.checkpoint === 'base').map((r) => r.metric).sort()).toEqual(['avg@k', 'pass@1', 'pass@1-greedy', 'pass@k']);
    expect(rows.filter((r) => r.checkpoint === 19).map((r) => r.metric).sort()).toEqual(['avg@k', 'pass@1', 'pass@1-greedy', 'pass@k']);
    expect(rows.find((r) => r.checkpoint === 19 && r.metric === 'pass@1-greedy')!.value).toBe(greedyCk.metrics['pass@1']);
    const p1 = rows.find((r) => r.checkpoint === 19 && r.metric === 'pass@1')!;
    expect(p1).toMatchObject({ runId: String(runId), dataset: 'tiny-demo', split: 'test', n: 40, k: 1 });
    expect(rows.find((r) => r.checkpoint === 19 && r.metric === 'pass@k')!.k).toBe(4);
  });

  it('pass@k from n > k samples: the unbiased estimate over the progress file\'s (n, c), stored with its k', async () => {
    const ds = { kind: 'builtin' as const, task: 'tiny-demo', splitName: 'test' };
    const r = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 2, samples: 6, temperature: 1, limit: 12 });
    const lines = readFileSync(r.progressPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { i?: number; n?: number; c?: number });
    const probs = lines.filter((l) => l.i !== undefined);
    expect(probs).toHaveLength(12);
    // 1 − C(6−c, 2)/C(6, 2), by hand per problem
    const choose2 = (m: number) => (m * (m - 1)) / 2;
    const want = probs.reduce((a, p) => { expect(p.n).toBe(6); return a + 1 - choose2(6 - p.c!) / 15; }, 0) / 12;
    const rows = store.evaluations.ofRun(runId).filter((e) => e.checkpointStep === 19 && e.split === 'test' && e.n === 12);
    expect(rows.find((e) => e.metric === 'pass@k')).toMatchObject({ k: 2 });
    expect(rows.find((e) => e.metric === 'pass@k')!.value).toBeCloseTo(want, 12);
    expect(rows.find((e) => e.metric === 'avg@k')).toMatchObject({ k: 6 });
    await expect(evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 4, samples: 3, temperature: 1, limit: 2 })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('stopped midway, a rerun continues where it stopped with no duplicates; a finished one records nothing new', async () => {
    const ds = { kind: 'builtin' as const, task: 'tiny-demo', splitName: 'test' };
    const ac = new AbortController();
    const first = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 2, temperature: 1, limit: 24, signal: ac.signal,
      onProgress: (p) => { if (p.done === 10) ac.abort(); } });
    expect(first.complete).toBe(false);
    expect(first.problems).toBe(10);
    const lines = () => readFileSync(first.progressPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines()).toHaveLength(10);
    const before = store.evaluations.ofRun(runId).length;
    const seen: number[] = [];
    const second = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 2, temperature: 1, limit: 24, onProgress: (p) => seen.push(p.done) });
    expect(second.complete).toBe(true);
    expect(seen).toEqual(Array.from({ length: 14 }, (_, i) => i + 11)); // only the remaining problems ran
    const l = lines();
    const idx = l.filter((x) => x.i !== undefined).map((x) => x.i);
    expect(idx).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(l.at(-1)).toMatchObject({ done: true, problems: 24 });
    expect(store.evaluations.ofRun(runId).length).toBe(before + 3);
    const third = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 2, temperature: 1, limit: 24 });
    expect(third.metrics).toEqual(second.metrics);
    expect(store.evaluations.ofRun(runId).length).toBe(before + 3);
  });
});

describe('imported datasets', () => {
  it('a JSONL file is streamed: malformed lines skipped, --limit respected, stored under the file name', async () => {
    const file = join(dataDir, 'say.jsonl');
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ q: `Say ${'ABCD'[i % 4]}`, a: 'ABCD'[i % 4] }));
    lines.splice(5, 0, '{not json', JSON.stringify({ q: 'no answer' }));
    writeFileSync(file, lines.join('\n') + '\n');
    const ds = { kind: 'jsonl' as const, path: file, fields: { question: 'q', answer: 'a' } };
    const all = await evaluateRun({ store, dataDir, runId, checkpoint: 'latest', dataset: ds, k: 1, temperature: 0 });
    expect(all.problems).toBe(30);
    expect(all.metrics['pass@1']).toBeGreaterThan(0.9);
    const some = await evaluateRun({ store, dataDir, runId, checkpoint: 'base', dataset: ds, k: 2, temperature: 1, limit: 7 });
    expect(some.problems).toBe(7);
    expect(some.rows.map((r) => [r.dataset, r.split, r.metric, r.n])).toEqual([['say.jsonl', 'file', 'pass@1', 7], ['say.jsonl', 'file', 'avg@k', 7], ['say.jsonl', 'file', 'pass@k', 7]]);
  });
});

describe('CLI and tool process', () => {
  // The CLI and the tool process run dist/: rebuilt here when a source is newer than it.
  beforeAll(() => { ensureNodeBuild(root); }, 300_000);

  const clipo = (args: string[]) => spawnSync(process.execPath, ['bin/clipo.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: dataDir }, timeout: 120_000 });

  it('clipo export: ollama bundle, refuses to overwrite, --force allows; verl bundle', async () => {
    await evaluateRun({ store, dataDir, runId, checkpoint: 'base', dataset: { kind: 'builtin', task: 'tiny-demo', splitName: 'test' }, k: 1, temperature: 0, limit: 4 });
    const out = mkdtempSync(join(tmpdir(), 'cli-export-'));
    const r = clipo(['export', String(runId), '--format', 'ollama', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('next: ollama create demo-tiny-model-grpo-step19 -f');
    expect(readdirSync(out).sort()).toEqual(['Demo-tiny-model-GRPO-step19.gguf', 'Modelfile', 'README.md']);
    const again = clipo(['export', String(runId), '--format', 'ollama', '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exist.*--force/);
    expect(clipo(['export', String(runId), '--format', 'ollama', '--out', out, '--force']).status).toBe(0);
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain('| tiny-demo | test | pass@1 |'); // the evaluation table
    // The demo trains on raw prompts (chatTemplate none); verl always applies the tokenizer's chat
    // template, so a verl bundle is refused with the reason (test/export/verl*.test.ts cover bundles).
    const v = mkdtempSync(join(tmpdir(), 'cli-verl-'));
    const verl = clipo(['export', String(runId), '--format', 'verl', '--out', v]);
    expect(verl.status).toBe(2);
    expect(verl.stderr).toMatch(/verl export refused: prompt\.chatTemplate: .*chat template/);
    expect(existsSync(join(v, 'run_verl.sh'))).toBe(false);
    expect(clipo(['export', String(runId), '--format', 'zip', '--out', v]).status).toBe(2);
  });

  it('clipo eval: progress line and metrics; results land in the store', () => {
    const r = clipo(['eval', String(runId), '--dataset', 'tiny-demo:test', '--k', '2', '--temperature', '0.6', '--limit', '8', '--checkpoint', 'base']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/8\/8 problems {2}accuracy/);
    expect(r.stdout).toMatch(/done: 8 problems, checkpoint base/);
    expect(r.stdout).toMatch(/pass@1 = \d\.\d{4}/);
    expect(r.stdout).toMatch(/pass@2 = /);
    const show = clipo(['show', String(runId)]);
    expect(show.stdout).toContain('evaluations (base and checkpoints side by side):');
    // The greedy evaluation above was of stored checkpoint 19: "step 20" as `show` and the app count.
    expect(show.stdout).toMatch(/\| dataset \| split \| metric \| base \| step 20 \|/);
    // a bare model file (no run): stored with no run id, readable by model
    const m = clipo(['eval', join(dataDir, 'models', 'tiny-demo.gguf'), '--dataset', 'tiny-demo', '--limit', '4']);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/done: 4 problems, checkpoint base/);
    expect(m.stdout).toMatch(/greedy pass@1 = /);
    const bare = store.evaluations.ofModel('tiny-demo.gguf', 'tiny-demo').filter((e) => e.runId === null);
    expect(bare.map((e) => [e.metric, e.n])).toEqual([['pass@1-greedy', 4]]);
    const bad = clipo(['eval', String(runId), '--dataset', 'tiny-demo:nosuch']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/no split "nosuch"/);
  });

  it('runs.export runs in a tool process (no native code in the calling process)', async () => {
    const svc = createExportEvalService({ store, dbPath: join(dataDir, 'clipo.db'), dataDir, emit: () => undefined, entry: join(root, 'dist/main/trainer/toolMain.js') });
    const out = mkdtempSync(join(tmpdir(), 'svc-export-'));
    const r = await svc.export({ runId: String(runId), format: 'peft', outDir: out });
    expect(r.files.map((f) => f.slice(out.length + 1))).toEqual(['adapter_model.safetensors', 'adapter_config.json', 'README.md']);
    await expect(svc.export({ runId: String(runId), format: 'peft', outDir: out })).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.export({ runId: String(runId), format: 'gguf', outDir: out, checkpoint: 3 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('runs.evaluate runs in a tool process: progress events, then rows via runs.evaluations', async () => {
    const events: { level: string; kind: string; message: string }[] = [];
    const svc = createExportEvalService({ store, dbPath: join(dataDir, 'clipo.db'), dataDir, emit: (_e, p) => { events.push(p as never); }, entry: join(root, 'dist/main/trainer/toolMain.js') });
    const before = (await svc.evaluations({ runId: String(runId) })).length;
    const args = { runId: String(runId), checkpoint: 'latest' as const, dataset: { kind: 'builtin' as const, task: 'tiny-demo', split: 'heldout' as const }, k: 3, temperature: 0.6, limit: 6 };
    expect(await svc.evaluate(args)).toEqual({ started: true });
    expect(() => svc.evaluate(args)).toThrow(/already running/);
    const t0 = Date.now();
    while (!events.some((e) => /evaluation (finished|failed)/.test(e.message)) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(events.every((e) => e.kind === 'eval')).toBe(true);
    expect(events.at(-1)!.message).toMatch(/evaluation finished: .*pass@1=\d\.\d{4}.* over 6 problems/);
    expect(events.some((e) => /evaluating: \d\/6 problems/.test(e.message))).toBe(true);
    const rows = await svc.evaluations({ runId: String(runId) });
    expect(rows.length).toBe(before + 3);
    expect(rows.slice(-3).map((r) => [r.checkpoint, r.split, r.metric, r.k, r.n])).toEqual([[19, 'test', 'pass@1', 1, 6], [19, 'test', 'avg@k', 3, 6], [19, 'test', 'pass@k', 3, 6]]);
  });
});
