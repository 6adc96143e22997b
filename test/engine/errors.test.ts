/**
 * Bad inputs give clear EngineErrors with codes, and the process survives
 * (ggml asserts would abort it): every case is followed by a working forward.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel, EngineError } from '../../engine/index.js';
import { encodeGguf, type GgufTensorInput } from '../../main/models/gguf/index.js';
import { BATCH, WEIGHTS, ggufVariant, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
let good: string;
let model: EngineModel;
beforeAll(async () => {
  good = tinyModel(dir, 'qwen2');
  model = await EngineModel.open(good, { threads: 1 });
});
afterAll(async () => {
  await model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function expectCode(p: Promise<unknown>, code: string, msg: RegExp): Promise<void> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(EngineError);
  expect((e as EngineError).code).toBe(code);
  expect((e as EngineError).message).toMatch(msg);
  // still alive and working
  const r = await model.forward([{ tokens: [1, 300, 301], responseStart: 1 }]);
  expect(r.logprobs.length).toBe(2);
}

describe('opening bad model files', () => {
  test('missing file', () => expectCode(EngineModel.open(join(dir, 'nope.gguf')), 'E_IO', /not found/));
  test('not a GGUF', () => {
    const p = join(dir, 'text.gguf');
    writeFileSync(p, 'hello world, definitely not gguf');
    return expectCode(EngineModel.open(p), 'E_FORMAT', /bad magic/);
  });
  test('truncated in the tensor data', () => {
    const p = join(dir, 'trunc-data.gguf');
    const b = readFileSync(good);
    writeFileSync(p, b.subarray(0, b.length - 1000));
    return expectCode(EngineModel.open(p), 'E_FORMAT', /truncated/);
  });
  test('truncated in the header', () => {
    const p = join(dir, 'trunc-head.gguf');
    writeFileSync(p, readFileSync(good).subarray(0, 200));
    return expectCode(EngineModel.open(p), 'E_FORMAT', /corrupt or truncated/);
  });
  test('corrupt header bytes', () => {
    const p = join(dir, 'corrupt.gguf');
    const b = Buffer.from(readFileSync(good));
    b.fill(0xff, 8, 24); // tensor and kv counts
    writeFileSync(p, b);
    return expectCode(EngineModel.open(p), 'E_FORMAT', /corrupt or truncated/);
  });
  test('unsupported architecture', () => {
    const p = join(dir, 'phi.gguf');
    writeFileSync(p, encodeGguf({ 'general.architecture': { type: 'string', value: 'phi3' } }, []));
    return expectCode(EngineModel.open(p), 'E_UNSUPPORTED', /phi3.*supported: llama, qwen2, qwen3/);
  });
  test('unsupported tensor type', () => {
    const p = ggufVariant(good, join(dir, 'mxfp4.gguf'), { retype: { 'blk.0.attn_q.weight': 'MXFP4' } });
    return expectCode(EngineModel.open(p), 'E_UNSUPPORTED', /mxfp4.*supported: F32, F16, BF16, Q4_0, .*Q6_K, IQ4_NL, IQ4_XS\)/);
  });
  test('a tensor the graph would ignore (it would change what llama.cpp computes)', () => {
    const bias: GgufTensorInput = { name: 'blk.0.attn_output.bias', shape: [64], type: 'F32', data: new Uint8Array(64 * 4) };
    const p = ggufVariant(good, join(dir, 'extra-bias.gguf'), { addTensors: [bias] });
    return expectCode(EngineModel.open(p), 'E_UNSUPPORTED', /tensor blk\.0\.attn_output\.bias is not part of the qwen2 graph/);
  });
  test.each([
    ['YaRN rope scaling', { 'qwen2.rope.scaling.type': { type: 'string', value: 'yarn' } }, /rope scaling 'yarn' is not supported/],
    ['partial rotary', { 'qwen2.rope.dimension_count': { type: 'u32', value: 8 } }, /partial rotary embeddings are not supported/],
  ] as const)('%s', (name, md, msg) => {
    const p = ggufVariant(good, join(dir, `${name.replace(/\W/g, '')}.gguf`), { metadata: md });
    return expectCode(EngineModel.open(p), 'E_UNSUPPORTED', msg);
  });
  test('an adapter instead of a model', async () => {
    await model.lora.init({ rank: 2, alpha: 4 });
    const p = join(dir, 'adapter.gguf');
    await model.lora.save(p);
    await expectCode(EngineModel.open(p), 'E_INVALID', /adapter, not a model/);
  });
});

describe('bad batches and weights', () => {
  test('empty batch', () => expectCode(model.forward([]), 'E_INVALID', /empty batch/));
  test('token id out of range', () =>
    expectCode(model.forward([{ tokens: [1, 2, 99999], responseStart: 1 }]), 'E_INVALID', /token id 99999 out of range/));
  test('negative token id', () => expectCode(model.forward([{ tokens: [1, -4, 3], responseStart: 1 }]), 'E_INVALID', /out of range/));
  test('responseStart out of range', () =>
    expectCode(model.forward([{ tokens: [1, 2, 3], responseStart: 3 }]), 'E_INVALID', /responseStart/));
  test('responseStart 0 has no previous position', () =>
    expectCode(model.forward([{ tokens: [1, 2, 3], responseStart: 0 }]), 'E_INVALID', /responseStart/));
  test('non-integer tokens', () => expectCode(model.forward([{ tokens: [1, 2.5, 3], responseStart: 1 }]), 'E_INVALID', /integers/));
  test('wrong weights length', async () => {
    await model.lora.init({ rank: 2, alpha: 4 });
    await expectCode(model.backward(BATCH, WEIGHTS.slice(1)), 'E_INVALID', /weights has 10 entries, expected 11/);
  });
  test('NaN weights', async () => {
    const w = [...WEIGHTS];
    w[3] = NaN;
    await expectCode(model.backward(BATCH, w), 'E_INVALID', /weights\[3\] is not finite/);
  });
  test('bad optimizer parameters', () => expectCode(model.step({ lr: 1e-3, beta1: 1.5 }), 'E_INVALID', /beta/));
  test('unknown LoRA target', () =>
    expectCode(model.lora.init({ rank: 2, alpha: 4, targets: ['q', 'mlp' as 'q'] }), 'E_INVALID', /unknown LoRA target 'mlp'/));
  test('zero rank', () => expectCode(model.lora.init({ rank: 0, alpha: 4 }), 'E_INVALID', /rank/));
});

describe('state and adapter files', () => {
  test('state from another model is rejected', async () => {
    const other = await EngineModel.open(tinyModel(dir, 'qwen2', { nLayer: 3 }), { threads: 1 });
    try {
      await other.lora.init({ rank: 2, alpha: 4 });
      const p = join(dir, 'other.state');
      await other.saveState(p);
      await expectCode(model.loadState(p), 'E_MISMATCH', /different model/);
    } finally {
      await other.dispose();
    }
  });
  test('corrupt and missing state files', async () => {
    await model.lora.init({ rank: 2, alpha: 4 });
    const p = join(dir, 'mine.state');
    await model.saveState(p);
    const b = Buffer.from(readFileSync(p));
    b[b.length - 20] = b[b.length - 20]! ^ 0xff;
    writeFileSync(p + '.bad', b);
    await expectCode(model.loadState(p + '.bad'), 'E_FORMAT', /checksum/);
    writeFileSync(p + '.short', b.subarray(0, 40));
    await expectCode(model.loadState(p + '.short'), 'E_FORMAT', /truncated/);
    await expectCode(model.loadState(join(dir, 'missing.state')), 'E_IO', /not found/);
    await model.loadState(p); // the good one still loads
  });
  test('adapter for another arch is rejected', async () => {
    const llama = await EngineModel.open(tinyModel(dir, 'llama'), { threads: 1 });
    try {
      await llama.lora.init({ rank: 2, alpha: 4 });
      const p = join(dir, 'llama-adapter.gguf');
      await llama.lora.save(p);
      await expectCode(model.lora.load(p), 'E_MISMATCH', /arch 'llama'/);
    } finally {
      await llama.dispose();
    }
  });
  test('backward without an adapter, and use after dispose', async () => {
    const m = await EngineModel.open(good, { threads: 1 });
    await expectCode(m.backward(BATCH, WEIGHTS), 'E_STATE', /no adapter/);
    await m.dispose();
    await expectCode(m.forward(BATCH), 'E_STATE', /disposed/);
  });
});

describe('backend selection', () => {
  test("'auto' without a usable GPU falls back to CPU; 'gpu' fails clearly", async () => {
    const a = await EngineModel.open(good, { threads: 1, backend: 'auto' });
    try {
      expect(a.info.backend).toBe('CPU');
    } finally {
      await a.dispose();
    }
    await expectCode(EngineModel.open(good, { backend: 'gpu' }), 'E_BACKEND', /no GPU backend/);
    await expectCode(EngineModel.open(good, { backend: 'tpu' as 'cpu' }), 'E_INVALID', /backend must be/);
  });
});
