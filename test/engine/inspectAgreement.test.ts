/**
 * The model library's verdict (inspectGguf, pure TS, shown before a run starts) agrees with the
 * engine's (EngineModel.open) on supported and refused files, so a model the Models page calls
 * trainable never fails at run start for a reason the page could have named.
 */
import { afterAll, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel, EngineError } from '../../engine/index.js';
import { inspectGguf, type GgufValue } from '../../main/models/gguf/index.js';
import { ggufVariant, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of `src` with metadata added, and optionally a tensor added (the graph does not read it) or retyped. */
function variant(name: string, src: string, md: Record<string, GgufValue>, extraTensor?: string, retype?: [string, 'MXFP4']): string {
  return ggufVariant(src, join(dir, `${name}.gguf`), {
    metadata: md,
    addTensors: extraTensor ? [{ name: extraTensor, shape: [64], type: 'F32', data: new Uint8Array(256) }] : [],
    ...(retype ? { retype: { [retype[0]]: retype[1] } } : {}),
  });
}

test('inspectGguf and the engine agree on what trains', async () => {
  const qwen2 = tinyModel(dir, 'qwen2');
  const files: [string, string, boolean, RegExp?][] = [
    ['qwen2', qwen2, true],
    ['qwen3', tinyModel(dir, 'qwen3'), true],
    ['llama3 rope_freqs + linear scaling', tinyModel(dir, 'llama', { headDim: 16, llama3Rope: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 32 }, ropeScalingFactor: 2 }), true],
    ['Q4_K_M-like mix', tinyModel(dir, 'qwen2', { dModel: 256, nFf: 256, weightType: 'Q4_K', tensorTypes: { token_embd: 'Q6_K', attn_q: 'Q5_0', attn_k: 'Q8_0' } }), true],
    ['yarn', variant('yarn', qwen2, { 'qwen2.rope.scaling.type': { type: 'string', value: 'yarn' } }), false, /rope scaling 'yarn' is not supported/],
    ['partial rotary', variant('rot', qwen2, { 'qwen2.rope.dimension_count': { type: 'u32', value: 8 } }), false, /partial rotary/],
    ['extra tensor', variant('bias', qwen2, {}, 'blk.1.ffn_down.bias'), false, /tensor blk\.1\.ffn_down\.bias is not part of the qwen2 graph/],
    ['MXFP4 weights', variant('mxfp4', qwen2, {}, undefined, ['blk.1.ffn_up.weight', 'MXFP4']), false, /mxfp4.*not supported|not supported.*mxfp4/i],
  ];
  for (const [label, p, trains, why] of files) {
    const s = inspectGguf(p);
    const opened = await EngineModel.open(p, { threads: 1 }).then(async (m) => { await m.dispose(); return null; }, (e: unknown) => e);
    expect(s.engineSupported, label).toBe(trains);
    expect(opened === null, label).toBe(trains);
    if (!trains) {
      expect(opened, label).toBeInstanceOf(EngineError);
      expect((opened as EngineError).code, label).toBe('E_UNSUPPORTED');
      // both name the same reason
      expect((opened as EngineError).message, label).toMatch(why!);
      expect(s.engineUnsupportedReason, label).toMatch(why!);
    }
  }
});
