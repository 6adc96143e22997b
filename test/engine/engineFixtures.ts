/** Shared fixtures for engine tests: tiny models on disk and llama.cpp reference log-probs. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { EngineBatch } from '../../engine/index.js';
import {
  encodeGguf, readGguf, tensorByteSize, writeTinyModel, type GgmlTypeName, type GgufTensorInput, type GgufValue, type TinyArch, type TinyModelOptions,
} from '../../main/models/gguf/index.js';

export const ARCHS: TinyArch[] = ['llama', 'qwen2', 'qwen3'];

// One llama.cpp instance for the test process, logging at info level into `bufferLog` (the addon's
// logger is process-wide, so a second instance with another logger would not see the lines).
const bufferLog = new Set<string>();
let sharedLlama: Promise<import('node-llama-cpp').Llama> | undefined;
async function llamaCpp(): Promise<import('node-llama-cpp').Llama> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  sharedLlama ??= getLlama({
    gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.info,
    logger: (level, message) => {
      const m = /load_tensors:\s+(\S+) model buffer size/.exec(message);
      if (m) bufferLog.add(m[1]!);
      else if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) console.error(message);
    },
  });
  return sharedLlama;
}

/**
 * The CPU "extra" buffer types llama.cpp put this model's weights in (e.g. AMX on Intel Xeons with AMX,
 * CPU_REPACK for interleaved Q4_0/IQ4_NL): their matmul kernels differ from ggml's plain CPU mul_mat, which
 * the engine uses, so a match to 1e-4 is only expected when this is empty. (llama.cpp's AMX kernels are
 * known to give wrong results for some types, ggml-org/llama.cpp#16315.)
 */
export async function llamaCppExtraBuffers(modelPath: string): Promise<string[]> {
  const llama = await llamaCpp();
  bufferLog.clear();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  await model.dispose();
  // the addon's log lines reach JS through a thread-safe queue, not in order with the load's promise
  await new Promise((resolve) => setTimeout(resolve, 100));
  return [...bufferLog].filter((b) => b !== 'CPU' && b !== 'CPU_Mapped');
}

/**
 * Our native-weights log-probs equal llama.cpp's within 1e-4 when llama.cpp ran ggml's plain CPU
 * kernels. With its AMX or repacked kernels (`extra`) it computes something else, on AMX sometimes
 * wrongly, so there the difference is only reported; the caller checks the result another way.
 */
export function expectLlamaCppMatch(err: number, extra: string[], label: string): void {
  if (extra.length === 0) { expect(err, label).toBeLessThan(1e-4); return; }
  if (err >= 1e-4) console.log(`[${label}] llama.cpp ran its ${extra.join('+')} kernels: |Δlogp| ${err.toExponential(2)} not compared`);
}

/** Largest absolute elementwise difference (the arrays must have the same length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Normwise relative error ‖a − ref‖ / ‖ref‖. */
export function relNorm(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i]! - ref[i]!) ** 2; den += ref[i]! ** 2; }
  return Math.sqrt(num / den);
}

/**
 * Writes a copy of the GGUF `src` to `out` with metadata added or replaced, tensors appended, and
 * tensors retyped (zero-filled data of the new type's size): bad or unusual model files for tests.
 */
export function ggufVariant(src: string, out: string, change: {
  metadata?: Record<string, GgufValue>; addTensors?: GgufTensorInput[]; retype?: Record<string, GgmlTypeName>;
}): string {
  const f = readGguf(src);
  const bytes = readFileSync(src);
  const tensors: GgufTensorInput[] = f.tensors.map((t) => {
    const type = change.retype?.[t.name];
    if (type) return { name: t.name, shape: t.shape, type, data: new Uint8Array(tensorByteSize(t.shape, type)) };
    return { name: t.name, shape: t.shape, type: t.type as GgmlTypeName, data: bytes.subarray(t.offset, t.offset + t.size) };
  });
  writeFileSync(out, encodeGguf({ ...f.metadata, ...change.metadata }, [...tensors, ...(change.addTensors ?? [])]));
  return out;
}

export function tempDir(prefix = 'clipo-engine-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tinyModel(dir: string, arch: TinyArch, extra: Partial<TinyModelOptions> = {}): string {
  const tag = Object.entries(extra).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v).replace(/[^\w.,=-]/g, '') : String(v)}`).join(',');
  const p = join(dir, `tiny-${arch}-${tag || 'default'}.gguf`);
  writeTinyModel(p, { arch, seed: 7, ...extra });
  return p;
}

/** Teacher-forced log-probs (via probabilities, NODE-LLAMA-NOTES §3c) of tokens[rs..] from llama.cpp (node-llama-cpp 3.21.1, CPU, no flash attention). */
export async function llamaCppLogprobs(modelPath: string, tokens: number[], rs: number, adapterPath?: string): Promise<number[]> {
  const llama = await llamaCpp();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({
      contextSize: 256, threads: 1, flashAttention: false,
      // F32 KV cache: the default F16 cache rounds k/v and costs ~1e-3 in log-prob
      experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
      ...(adapterPath ? { lora: { adapters: [{ filePath: adapterPath }] } } : {}),
    });
    const seq = ctx.getSequence();
    const input = tokens.map((tok, i) =>
      i >= rs - 1 && i < tokens.length - 1
        ? ([tok, { generateNext: { probabilities: true } }] as const)
        : tok,
    );
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const res = (await seq.controlledEvaluate(input as any)) as any[];
    const out: number[] = [];
    for (let i = rs - 1; i < tokens.length - 1; i++) {
      // 3.21.1 has no logits filter (added in 3.22): use the full probability map
      out.push(Math.log(res[i].next.probabilities.get(tokens[i + 1])));
    }
    await ctx.dispose();
    return out;
  } finally {
    await model.dispose();
  }
}

/** A packed batch of 3 sequences (11 response tokens) and per-token weights with negatives. */
export const BATCH: EngineBatch = [
  { tokens: [1, 3, 290, 300, 310, 5, 320, 330, 340], responseStart: 5 },
  { tokens: [1, 301, 302, 10, 11, 303], responseStart: 2 },
  { tokens: [1, 3, 299, 4, 333, 334, 12], responseStart: 4 },
];
export const WEIGHTS = [0.7, -1.3, 0.4, 1.1, 0.9, -0.5, 0.8, 1.5, 0.3, -0.9, 2.0];

