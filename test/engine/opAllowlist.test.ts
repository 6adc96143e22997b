/**
 * Op allowlist (issue 12): every node of the forward, backward and optimizer graphs the engine builds,
 * for every architecture and for F32, F16, BF16, Q8_0, Q4_K and a Q4_K_M-like mix, is an op (with those
 * operand types and layouts) that the pinned llama.cpp's CUDA, Metal and Vulkan backends run, per their
 * supports_op functions transcribed in engine/ts/gpuOpSupport.ts (cited line by line). This is how
 * Metal and CUDA are checked without a Mac or an NVIDIA card; Vulkan also runs for real on llvmpipe
 * (gpu.test.ts: no CPU fallback op).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { EngineModel } from '../../engine/index.js';
import { GPU_OP_SUPPORT, unsupportedReason, type GpuBackend, type GraphOp } from '../../engine/ts/gpuOpSupport.js';
import type { TinyArch, TinyModelOptions } from '../../main/models/gguf/index.js';
import { ARCHS, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const K = { dModel: 256, nFf: 256 } as const;
const MIX = { ...K, weightType: 'Q4_K', tensorTypes: { token_embd: 'Q6_K', attn_v: 'Q6_K', ffn_down: 'Q6_K', attn_q: 'Q5_0', attn_k: 'Q8_0' } } as const;
const CASES: [string, TinyArch, Partial<TinyModelOptions>][] = [
  ...ARCHS.flatMap((a) => (['F32', 'F16', 'BF16', 'Q8_0'] as const).map((t): [string, TinyArch, Partial<TinyModelOptions>] => [`${a} ${t}`, a, { weightType: t }])),
  ...ARCHS.map((a): [string, TinyArch, Partial<TinyModelOptions>] => [`${a} Q4_K_M mix`, a, MIX]),
  ['llama Q4_K llama3 rope', 'llama', { ...K, weightType: 'Q4_K', llama3Rope: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 32 } }],
];
const BACKENDS = Object.keys(GPU_OP_SUPPORT) as GpuBackend[];

describe.each(CASES)('%s', (_label, arch, extra) => {
  test('forward, backward and AdamW graphs use only ops CUDA, Metal and Vulkan support', async () => {
    const m = await EngineModel.open(tinyModel(dir, arch, extra), { threads: 1 });
    try {
      await m.lora.init({ rank: 4, alpha: 8 });
      const seen = new Set<string>();
      const problems: string[] = [];
      for (const which of ['forward', 'backward', 'step'] as const) {
        // 40 tokens: multi-token attention, every head path; the graph shape does not depend on T otherwise
        const ops: GraphOp[] = await m.graphOps(which, 40);
        expect(ops.length).toBeGreaterThan(which === 'step' ? 0 : 20);
        for (const node of ops) {
          seen.add(node.op);
          for (const b of BACKENDS) {
            const why = unsupportedReason(b, node);
            if (why) problems.push(`${which} on ${b}: ${why}`);
          }
        }
      }
      // the training ops of the legacy autograd graph are gone
      for (const op of ['OUT_PROD', 'SOFT_MAX_BACK', 'RMS_NORM_BACK', 'GET_ROWS_BACK', 'ROPE_BACK', 'SILU_BACK']) expect(seen.has(op), op).toBe(false);
      // and the table is exercised: the backward really multiplies, dequantises, rotates
      for (const op of ['MUL_MAT', 'GET_ROWS', 'ROPE', 'SOFT_MAX', 'OPT_STEP_ADAMW']) expect(seen.has(op), op).toBe(true);
      expect(problems).toEqual([]);
      // the base is not converted: frozen matrices keep the file's type
      if (extra.weightType && extra.weightType !== 'F32') expect(m.rawInfo().frozenWeights).toBe('native');
    } finally {
      await m.dispose();
    }
  });
});

test('the legacy autograd graph is flagged by the same table (so the check can fail)', async () => {
  const m = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1, legacyAutograd: true });
  try {
    await m.lora.init({ rank: 4, alpha: 8 });
    const ops = await m.graphOps('backward', 40);
    const metal = ops.map((n) => unsupportedReason('Metal', n)).filter((x): x is string => x !== null);
    expect(metal.some((r) => r.startsWith('OUT_PROD'))).toBe(true);
    expect(metal.some((r) => r.startsWith('SOFT_MAX_BACK'))).toBe(true);
  } finally {
    await m.dispose();
  }
});
