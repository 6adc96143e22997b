/**
 * Seeded fuzz of model files (issue 16): truncated and bit-flipped GGUF files
 * (header, tensor table, data) and crafted metadata (NaN norm epsilon, empty
 * token strings, short score arrays, vocabulary ids out of range, sizes that
 * overflow int32, a token listed twice: llama.cpp asserts) go through the model library (inspectGguf), the engine
 * (EngineModel.open) and llama.cpp (node-llama-cpp, in a child process: an
 * abort there must not take the test down). Every outcome is a typed error or a
 * working model, in bounded time, and:
 *  - a file the library calls trainable opens in the engine (unless only its
 *    tensor data was damaged, which the engine's NaN scan refuses at open);
 *  - a file the library lets llama.cpp load does load in llama.cpp, without an abort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineError, EngineModel } from '../../engine/index.js';
import { rngFor } from '../../main/data/rng.js';
import { GgufError, inspectGguf, llamaCppLoadProblem, readGguf, type GgufValue } from '../../main/models/gguf/index.js';
import { ggufVariant, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir('clipo-fuzz-');
let base: string;
let bytes: Buffer;
let dataStart: number;
let tableStart: number;
beforeAll(() => {
  base = tinyModel(dir, 'qwen2');
  bytes = readFileSync(base);
  const f = readGguf(base);
  dataStart = Math.min(...f.tensors.map((t) => t.offset));
  // The tensor table starts after the metadata: find the first tensor name's length prefix.
  tableStart = bytes.indexOf(Buffer.from('token_embd.weight')) - 8;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case { name: string; path: string; dataOnly: boolean }

function cases(): Case[] {
  const rand = rngFor(16, 'gguf-fuzz');
  const out: Case[] = [];
  const write = (name: string, b: Buffer, dataOnly = false) => {
    const p = join(dir, `${name}.gguf`);
    writeFileSync(p, b);
    out.push({ name, path: p, dataOnly });
  };
  const region = (k: number): [string, number, number] =>
    k % 3 === 0 ? ['header', 4, tableStart] : k % 3 === 1 ? ['table', tableStart, dataStart] : ['data', dataStart, bytes.length];
  for (let k = 0; k < 18; k++) {
    const [where, lo, hi] = region(k);
    const cut = lo + Math.floor(rand() * (hi - lo));
    write(`truncated-${where}-${cut}`, bytes.subarray(0, cut));
  }
  for (let k = 0; k < 36; k++) {
    const [where, lo, hi] = region(k);
    const b = Buffer.from(bytes);
    const flips = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) {
      const at = lo + Math.floor(rand() * (hi - lo));
      b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
    }
    write(`flipped-${where}-${k}`, b, where === 'data');
  }
  const f = readGguf(base);
  const tokens = (f.metadata['tokenizer.ggml.tokens'] as { value: string[] }).value;
  const scores = (f.metadata['tokenizer.ggml.scores'] as { value: number[] }).value;
  const crafted: [string, Record<string, GgufValue>][] = [
    ['nan-eps', { 'qwen2.attention.layer_norm_rms_epsilon': { type: 'f32', value: NaN } }],
    ['inf-rope-base', { 'qwen2.rope.freq_base': { type: 'f32', value: Infinity } }],
    ['empty-token', { 'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: tokens.map((t, i) => (i === 300 ? '' : t)) } as GgufValue }],
    ['duplicate-token', { 'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: tokens.map((t, i) => (i === 301 ? tokens[300]! : t)) } as GgufValue }],
    ['short-scores', { 'tokenizer.ggml.scores': { type: 'array', elementType: 'f32', value: scores.slice(0, 10) } as GgufValue }],
    ['eos-out-of-range', { 'tokenizer.ggml.eos_token_id': { type: 'u32', value: 1_000_000 } }],
    ['huge-block-count', { 'qwen2.block_count': { type: 'u64', value: 2n ** 32n + 2n } }],
    ['heads-not-dividing', { 'qwen2.attention.head_count_kv': { type: 'u32', value: 3 } }],
    ['eps-as-string', { 'qwen2.attention.layer_norm_rms_epsilon': { type: 'string', value: '1e-6' } }],
    ['adapter-type', { 'general.type': { type: 'string', value: 'adapter' } }],
    ['zero-context', { 'qwen2.context_length': { type: 'u32', value: 0 } }],
  ];
  for (const [name, md] of crafted) out.push({ name, path: ggufVariant(base, join(dir, `${name}.gguf`), { metadata: md }), dataOnly: false });
  return out;
}

describe('GGUF fuzz', () => {
  it('truncated, bit-flipped and crafted files: typed errors, bounded time, library and engine agree, llama.cpp never aborts', async () => {
    const all = cases();
    const tally = { libraryRefused: 0, libraryUntrainable: 0, engineRefused: 0, trainable: 0 };
    const llamaLoadable: Case[] = [];
    const t0 = performance.now();
    for (const c of all) {
      let summary: ReturnType<typeof inspectGguf> | null = null;
      const ti = performance.now();
      try { summary = inspectGguf(c.path); } catch (e) {
        expect(e, c.name).toBeInstanceOf(GgufError);
        expect(['E_FORMAT', 'E_IO'], c.name).toContain((e as GgufError).code);
      }
      expect(performance.now() - ti, `${c.name}: inspect time`).toBeLessThan(2000);
      const te = performance.now();
      const opened = await EngineModel.open(c.path, { threads: 1 }).then(async (m) => { await m.dispose(); return null; }, (e: unknown) => e);
      expect(performance.now() - te, `${c.name}: engine open time`).toBeLessThan(10_000);
      if (opened !== null) {
        expect(opened, c.name).toBeInstanceOf(EngineError);
        expect((opened as EngineError).message.length, c.name).toBeGreaterThan(10);
        tally.engineRefused++;
      }
      if (!summary) { tally.libraryRefused++; continue; }
      if (!summary.engineSupported) {
        tally.libraryUntrainable++;
        expect(summary.engineUnsupportedReason, c.name).toBeTruthy();
      } else {
        tally.trainable++;
        // The library's "trainable" is the engine's: only damaged tensor data escapes the header checks.
        if (!c.dataOnly) expect(opened, `${c.name}: the library calls it trainable, the engine said ${String((opened as Error | null)?.message)}`).toBeNull();
      }
      if (!llamaCppLoadProblem(readGguf(c.path))) llamaLoadable.push(c);
    }
    // Every file the library lets llama.cpp load, loaded by llama.cpp in one child process; an abort kills only the child.
    const script = `
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled, progressLogs: false });
      for (const p of JSON.parse(process.argv[2])) {
        process.stdout.write('try ' + p + '\\n');
        try { const m = await llama.loadModel({ modelPath: p, gpuLayers: 0 }); await m.dispose(); process.stdout.write('loaded\\n'); }
        catch (e) { process.stdout.write('error ' + String(e.message).split('\\n')[0] + '\\n'); }
      }
      process.stdout.write('all done\\n');`;
    const scriptPath = join(resolve('dist'), `gguf-fuzz-llama-${process.pid}.mjs`); // inside the project: resolves node-llama-cpp as the trainer does
    writeFileSync(scriptPath, script);
    const r = spawnSync(process.execPath, [scriptPath, JSON.stringify(llamaLoadable.map((c) => c.path))],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } });
    rmSync(scriptPath, { force: true });
    const lastTry = r.stdout.split('\n').filter((l) => l.startsWith('try ')).at(-1);
    expect(r.signal, `llama.cpp aborted on ${lastTry}: ${r.stderr.slice(-500)}`).toBeNull();
    expect(r.stdout, r.stderr.slice(-500)).toMatch(/all done/);
    console.log(`gguf fuzz: ${all.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${tally.libraryRefused} unreadable, ` +
      `${tally.libraryUntrainable} readable but refused with a reason, ${tally.trainable} trainable; engine refused ${tally.engineRefused}; ` +
      `llama.cpp loaded ${llamaLoadable.length} without an abort`);
  }, 240_000);
});
