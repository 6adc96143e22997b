/**
 * Pure-TS GGUF reader/writer and the tiny model: round trip, summary, clear
 * errors on corrupt/truncated files, and a tokenizer node-llama-cpp accepts.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufError, encodeGguf, floatToHalf, halfToFloat, inspectGguf, readGguf, tinyVocab, writeGguf, writeTinyModel } from '../../main/models/gguf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GGUF writer and reader', () => {
  test('round trip of metadata of every type and tensor data', () => {
    const p = join(dir, 'rt.gguf');
    const data = new Float32Array([1.5, -2, 3.25, 4, 5, 6]);
    writeGguf(p, {
      'general.architecture': { type: 'string', value: 'llama' },
      a_u32: { type: 'u32', value: 7 }, a_i32: { type: 'i32', value: -7 }, a_f32: { type: 'f32', value: 0.5 },
      a_bool: { type: 'bool', value: true }, a_u64: { type: 'u64', value: 1n << 40n }, a_f64: { type: 'f64', value: Math.PI },
      arr_s: { type: 'array', elementType: 'string', value: ['x', 'ÿ€', ''] },
      arr_i: { type: 'array', elementType: 'i32', value: [1, -2, 3] },
    }, [{ name: 't', shape: [3, 2], type: 'F32', data: new Uint8Array(data.buffer) }]);
    const f = readGguf(p);
    expect(f.version).toBe(3);
    expect(f.metadata.a_u32).toEqual({ type: 'u32', value: 7 });
    expect(f.metadata.a_i32).toEqual({ type: 'i32', value: -7 });
    expect(f.metadata.a_f32).toEqual({ type: 'f32', value: 0.5 });
    expect(f.metadata.a_bool).toEqual({ type: 'bool', value: true });
    expect(f.metadata.a_u64).toEqual({ type: 'u64', value: 1n << 40n });
    expect(f.metadata.a_f64).toEqual({ type: 'f64', value: Math.PI });
    expect(f.metadata.arr_s).toEqual({ type: 'array', elementType: 'string', value: ['x', 'ÿ€', ''] });
    expect(f.metadata.arr_i).toEqual({ type: 'array', elementType: 'i32', value: [1, -2, 3] });
    expect(f.tensors).toHaveLength(1);
    const t = f.tensors[0]!;
    expect(t).toMatchObject({ name: 't', shape: [3, 2], type: 'F32', size: 24 });
    expect(t.offset % 32).toBe(0);
    const back = new Float32Array(Uint8Array.from(readFileSync(p).subarray(t.offset, t.offset + 24)).buffer);
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  test('half floats', () => {
    for (const x of [0, 1, -2.5, 65504, 1e-5, 0.1, 3.14159]) expect(Math.abs(halfToFloat(floatToHalf(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-3 + 1e-7);
  });

  test('summary of a tiny model', () => {
    const p = join(dir, 'tiny-qwen3.gguf');
    const { vocabSize } = writeTinyModel(p, { arch: 'qwen3', seed: 1, weightType: 'Q8_0' });
    const s = inspectGguf(p);
    expect(s).toMatchObject({ arch: 'qwen3', nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128, vocabSize, tokenizerModel: 'llama', engineSupported: true });
    expect(s.tensorTypes).toEqual({ F32: 1 + 2 * 4, Q8_0: 1 + 2 * 7 });
    expect(s.chatTemplate).toContain('<|im_start|>');
    expect(vocabSize).toBe(tinyVocab().tokens.length);
  });

  test('unsupported arch is reported, not thrown', () => {
    const p = join(dir, 'phi.gguf');
    writeFileSync(p, encodeGguf({ 'general.architecture': { type: 'string', value: 'phi3' } }, []));
    const s = inspectGguf(p);
    expect(s.engineSupported).toBe(false);
    expect(s.engineUnsupportedReason).toMatch(/phi3 is not supported/);
  });

  test('corrupt, truncated and missing files give GgufError', () => {
    const good = join(dir, 'g.gguf');
    writeTinyModel(good, { arch: 'llama' });
    const b = readFileSync(good);
    const cases: [string, Buffer | null, RegExp, string][] = [
      ['missing.gguf', null, /cannot open/, 'E_IO'],
      ['magic.gguf', Buffer.from('not a gguf file at all, sorry!!'), /bad magic/, 'E_FORMAT'],
      ['head.gguf', b.subarray(0, 300), /truncated GGUF: header/, 'E_FORMAT'],
      ['data.gguf', b.subarray(0, b.length - 64), /truncated GGUF: tensor/, 'E_FORMAT'],
    ];
    const huge = Buffer.from(b);
    huge.writeBigUInt64LE(1n << 60n, 16); // kv count
    cases.push(['count.gguf', huge, /corrupt GGUF: metadata count/, 'E_FORMAT']);
    for (const [name, bytes, msg, code] of cases) {
      const p = join(dir, name);
      if (bytes) writeFileSync(p, bytes);
      const e = (() => { try { readGguf(p); return undefined; } catch (x) { return x; } })();
      expect(e, name).toBeInstanceOf(GgufError);
      expect((e as GgufError).message, name).toMatch(msg);
      expect((e as GgufError).code, name).toBe(code);
    }
  });
});

describe('tiny model in node-llama-cpp', () => {
  test('loads, tokenizes digits/words, round-trips text, ChatML template', async () => {
    const p = join(dir, 'tiny-llama.gguf');
    writeTinyModel(p, { arch: 'llama', seed: 2 });
    const { getLlama, LlamaLogLevel, LlamaChatSession } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: p });
    try {
      const text = 'the answer is 42';
      const toks = model.tokenize(text);
      expect(model.detokenize(toks)).toBe(text);
      const vocab = tinyVocab().tokens;
      expect(toks.map((t) => vocab[t])).toEqual(['▁the', '▁answer', '▁is', '▁4', '2']);
      expect(model.tokens.bos).toBe(1);
      expect(model.tokens.eos).toBe(2);
      expect(model.tokenize('<|im_start|>', true)).toEqual([3]);
      const ctx = await model.createContext({ contextSize: 128, threads: 1 });
      const session = new LlamaChatSession({ contextSequence: ctx.getSequence(), systemPrompt: '' });
      expect(session.chatWrapper.wrapperName).toBe('ChatML');
      await ctx.dispose();
    } finally {
      await model.dispose();
    }
  });
});
