/** Shared fixtures for engine tests: tiny models on disk and llama.cpp reference log-probs. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineBatch } from '../../engine/index.js';
import { writeTinyModel, type TinyArch, type TinyModelOptions } from '../../main/models/gguf/index.js';

export const ARCHS: TinyArch[] = ['llama', 'qwen2', 'qwen3'];

/** Whether this CPU has Intel AMX (llama.cpp then keeps some weight types in its AMX buffer type, with other kernels). */
export function cpuHasAmx(): boolean {
  if (!existsSync('/proc/cpuinfo')) return false;
  return /^flags\s*:.*\bamx_tile\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
}

export function tempDir(prefix = 'clipo-engine-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tinyModel(dir: string, arch: TinyArch, extra: Partial<TinyModelOptions> = {}): string {
  const tag = Object.entries(extra).map(([k, v]) => `${k}=${String(v)}`).join(',');
  const p = join(dir, `tiny-${arch}-${tag || 'default'}.gguf`);
  writeTinyModel(p, { arch, seed: 7, ...extra });
  return p;
}

/** Teacher-forced log-probs (via probabilities, NODE-LLAMA-NOTES §3c) of tokens[rs..] from llama.cpp (node-llama-cpp 3.21.1, CPU, no flash attention). */
export async function llamaCppLogprobs(modelPath: string, tokens: number[], rs: number, adapterPath?: string): Promise<number[]> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, maxThreads: 1 });
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

