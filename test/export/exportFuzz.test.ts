/**
 * Export under damaged inputs (issue 16, "fuzz ... through the model library, the engine and export"):
 * seeded truncations and bit flips of the base model (header, tensor table, data) and of the
 * checkpoint's engine.state go through exportRun for every target (gguf, peft, ollama, merged-gguf,
 * verl). Each export either succeeds or fails with a typed error in bounded time, leaving no partial
 * files; none may abort the process, spin, or be `internal`. One case also goes through runs.export's
 * tool process, to see the code survive the process boundary.
 * Export reads no adapter GGUF (the checkpoint's state is the adapter's source), so damaged adapter
 * GGUFs go through the engine's adapter loader, the other place one is read, in the same spirit.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, EngineModel } from '../../engine/index.js';
import type { ExportFormat } from '../../main/api/contract/index.js';
import { toApiError } from '../../main/api/toApiError.js';
import { rngFor } from '../../main/data/rng.js';
import { readGguf, writeTinyModel } from '../../main/models/gguf/index.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { createExportEvalService } from '../../main/services/exportEvalService.js';
import { Store } from '../../main/store/index.js';
import { exportRun } from '../../main/trainer/export/exportRun.js';
import { saveCheckpoint } from '../../main/trainer/trainerState.js';

const TARGETS: ExportFormat[] = ['gguf', 'peft', 'ollama', 'merged-gguf', 'verl'];
const TYPED = ['invalid_argument', 'not_found', 'unsupported', 'conflict'];

const dataDir = mkdtempSync(join(tmpdir(), 'clipo-export-fuzz-'));
const modelPath = join(dataDir, 'base.gguf');
let store: Store;
let runId: number;
let statePath: string;
let model: Buffer;
let state: Buffer;

beforeAll(async () => {
  writeTinyModel(modelPath, { arch: 'qwen2', seed: 16, nLayer: 1, dModel: 32, nHead: 2, nHeadKv: 1, nFf: 64 });
  model = readFileSync(modelPath);
  store = Store.open(join(dataDir, 'clipo.db'));
  const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
  const recipe = parseRecipe({ ...demo, name: 'fuzzed', model: { kind: 'file', path: modelPath } });
  runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: recipe.training.steps });
  const engine = await EngineModel.open(modelPath, { threads: 1 });
  try {
    await engine.lora.init({ rank: 2, alpha: 4, seed: 3 });
    const c = await saveCheckpoint(join(dataDir, 'runs', String(runId)), engine, { step: 1, cursor: { epoch: 0, index: 0 }, clipo: null, axes: { head: null, pooled: null } });
    store.checkpoints.add(runId, { step: 1, path: c.path, bytes: c.bytes });
    statePath = join(c.path, 'engine.state');
  } finally {
    await engine.dispose();
  }
  state = readFileSync(statePath);
});
afterAll(() => { store?.close(); rmSync(dataDir, { recursive: true, force: true }); });

interface Variant { name: string; file: 'model' | 'state'; bytes: Buffer }

function variants(): Variant[] {
  const rand = rngFor(16, 'export-fuzz');
  const f = readGguf(modelPath);
  const dataStart = Math.min(...f.tensors.map((t) => t.offset));
  const tableStart = model.indexOf(Buffer.from('token_embd.weight')) - 8;
  const regions: [string, number, number][] = [['header', 4, tableStart], ['table', tableStart, dataStart], ['data', dataStart, model.length]];
  const out: Variant[] = [];
  const flip = (src: Buffer, lo: number, hi: number) => {
    const b = Buffer.from(src);
    for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n; i++) { const at = lo + Math.floor(rand() * (hi - lo)); b[at] = b[at]! ^ (1 << Math.floor(rand() * 8)); }
    return b;
  };
  for (const [where, lo, hi] of regions) {
    out.push({ name: `model truncated in the ${where}`, file: 'model', bytes: model.subarray(0, lo + Math.floor(rand() * (hi - lo))) });
    out.push({ name: `model bit-flipped in the ${where}`, file: 'model', bytes: flip(model, lo, hi) });
  }
  // engine.state: 48-byte header, floats, 8-byte checksum.
  out.push({ name: 'state truncated in the header', file: 'state', bytes: state.subarray(0, Math.floor(rand() * 48)) });
  out.push({ name: 'state truncated in the floats', file: 'state', bytes: state.subarray(0, 48 + Math.floor(rand() * (state.length - 56))) });
  out.push({ name: 'state bit-flipped in the header', file: 'state', bytes: flip(state, 0, 48) });
  out.push({ name: 'state bit-flipped in the floats', file: 'state', bytes: flip(state, 48, state.length - 8) });
  out.push({ name: 'state emptied', file: 'state', bytes: Buffer.alloc(0) });
  // The model fingerprint (bytes 12-19): what another model's state looks like (E_MISMATCH in the engine).
  const other = Buffer.from(state);
  other[12] = other[12]! ^ 0xff;
  out.push({ name: 'state of another model', file: 'state', bytes: other });
  return out;
}

describe('export fuzz', () => {
  it('damaged base models and checkpoint states, through every export target: success or a typed error, bounded, no partial files', async () => {
    // In this process: an abort in the engine or ggml would end the test run, and a spin would run into the timeout.
    const all = variants();
    const tally: Record<string, number> = {};
    const t0 = performance.now();
    for (const v of all) {
      writeFileSync(v.file === 'model' ? modelPath : statePath, v.bytes);
      try {
        for (const format of TARGETS) {
          const outDir = mkdtempSync(join(dataDir, 'out-'));
          const ts = performance.now();
          const r = await exportRun({ store, dataDir, runId, format, outDir }).then(() => null, (e: Error & { code?: string }) => e);
          const label = `${v.name} → ${format}`;
          expect(performance.now() - ts, `${label}: time`).toBeLessThan(20_000);
          if (r === null) { tally.ok = (tally.ok ?? 0) + 1; continue; }
          // As the API reports it (the router maps every thrown error through toApiError).
          const code = toApiError(r, 'runs.export').code;
          expect(TYPED, `${label}: ${r.code} ${r.message}`).toContain(code);
          expect(r.message.length, label).toBeGreaterThan(15);
          expect(readdirSync(outDir), `${label}: partial files`).toEqual([]);
          tally[code] = (tally[code] ?? 0) + 1;
        }
      } finally {
        writeFileSync(v.file === 'model' ? modelPath : statePath, v.file === 'model' ? model : state);
      }
    }
    console.log(`export fuzz: ${all.length} damaged inputs × ${TARGETS.length} targets in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(tally)}`);
    expect(tally.invalid_argument).toBeGreaterThan(all.length);
  }, 300_000);

  it('in the tool process (as runs.export runs it), a damaged state is a typed error, not a crash', async () => {
    const svc = createExportEvalService({ store, dbPath: join(dataDir, 'clipo.db'), dataDir, emit: () => undefined, entry: resolve('dist/main/trainer/toolMain.js'), exportTimeoutMs: 60_000 });
    const bad = variants().find((v) => v.name === 'state bit-flipped in the floats')!;
    writeFileSync(statePath, bad.bytes);
    try {
      const e = await Promise.resolve(svc.export!({ runId: String(runId), format: 'merged-gguf', outDir: mkdtempSync(join(dataDir, 'out-')) })).then(() => null, (x: Error & { code?: string }) => x);
      expect(e?.message).toMatch(/checksum mismatch/);
      expect(toApiError(e, 'runs.export').code).toBe('invalid_argument');
    } finally {
      writeFileSync(statePath, state);
      svc.dispose();
    }
  }, 120_000);

  it('truncated and bit-flipped adapter GGUFs: the engine refuses each with a typed error and keeps its adapter', async () => {
    const engine = await EngineModel.open(modelPath, { threads: 1 });
    try {
      await engine.lora.init({ rank: 2, alpha: 4, seed: 5 });
      const good = join(dataDir, 'adapter.gguf');
      await engine.lora.save(good);
      const before = await engine.loraParams();
      const bytes = readFileSync(good);
      const f = readGguf(good);
      const dataStart = Math.min(...f.tensors.map((t) => t.offset));
      const rand = rngFor(16, 'adapter-fuzz');
      let refused = 0, loaded = 0;
      for (let k = 0; k < 24; k++) {
        const [lo, hi] = k % 2 === 0 ? [4, dataStart] : [dataStart, bytes.length];
        let b: Buffer;
        if (k % 3 === 0) b = bytes.subarray(0, lo + Math.floor(rand() * (hi - lo)));
        else { b = Buffer.from(bytes); for (let i = 0; i < 1 + Math.floor(rand() * 4); i++) { const at = lo + Math.floor(rand() * (hi - lo)); b[at] = b[at]! ^ (1 << Math.floor(rand() * 8)); } }
        const p = join(dataDir, `adapter-${k}.gguf`);
        writeFileSync(p, b);
        const ts = performance.now();
        const e = await engine.lora.load(p).then(() => null, (x: unknown) => x);
        expect(performance.now() - ts, `variant ${k}: time`).toBeLessThan(10_000);
        if (e === null) { loaded++; await engine.setLoraParams(before); continue; }
        expect(e, `variant ${k}`).toBeInstanceOf(EngineError);
        expect((e as EngineError).message.length).toBeGreaterThan(10);
        // Atomic: a refused load leaves the adapter as it was.
        expect(Buffer.from((await engine.loraParams()).buffer).equals(Buffer.from(before.buffer)), `variant ${k}: adapter changed`).toBe(true);
        refused++;
      }
      console.log(`adapter fuzz: 24 damaged adapter GGUFs: ${refused} refused (typed), ${loaded} loaded`);
      expect(refused).toBeGreaterThan(0);
      expect(existsSync(good)).toBe(true);
    } finally {
      await engine.dispose();
    }
  }, 120_000);
});
