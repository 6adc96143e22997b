/**
 * Full-parameter training step of a ~2M-parameter llama (the size of a from-scratch reasoning model)
 * on the CPU: backward + AdamW over every tensor, against a LoRA (rank 16, all targets) step on the
 * same model and batch measured in the same run (the ratio is what to compare across machines).
 * Also prints the bytes of weights, gradients, moments and compute (reserve).
 * Run: npx vitest run --project bench bench/engine/fullParam.bench.ts
 * Knobs: BENCH_THREADS (1; with 2 on a loaded 2-core machine ggml's spinning worker threads cost 4-5x wall), BENCH_STEPS (4), BENCH_SEQS (8), BENCH_SEQ_LEN (64).
 */
import { afterAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineModel, type EngineBatch } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';

const env = (k: string, d: number): number => (process.env[k] !== undefined ? Number(process.env[k]) : d);
const THREADS = env('BENCH_THREADS', 1), STEPS = env('BENCH_STEPS', 4), SEQS = env('BENCH_SEQS', 8), LEN = env('BENCH_SEQ_LEN', 64);
const dir = mkdtempSync(join(tmpdir(), 'clipo-fullbench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function batch(vocab: number): { b: EngineBatch; w: Float32Array } {
  let s = 12345;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const b: EngineBatch = [];
  let n = 0;
  for (let i = 0; i < SEQS; i++) {
    const tokens = Array.from({ length: LEN }, () => 5 + Math.floor(rnd() * (vocab - 5)));
    b.push({ tokens, responseStart: LEN / 4 });
    n += LEN - LEN / 4;
  }
  return { b, w: new Float32Array(n).fill(1 / n) };
}

async function timeSteps(path: string, mode: 'full' | 'lora'): Promise<{ ms: number; cpuMs: number; loss0: number; loss1: number; m: EngineModel }> {
  const m = await EngineModel.open(path, { threads: THREADS });
  if (mode === 'full') await m.full.init();
  else await m.lora.init({ rank: 16, alpha: 32 });
  await m.reserve({ tokenBudget: SEQS * LEN });
  const { b, w } = batch(m.info.vocab);
  const lr = mode === 'full' ? 1e-3 : 1e-3;
  const first = await m.backward(b, w, { tokenBudget: SEQS * LEN });
  await m.step({ lr, maxGradNorm: 1 });   // warm-up (first graph build, buffer growth)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let last = first.loss;
  for (let i = 0; i < STEPS; i++) {
    last = (await m.backward(b, w, { tokenBudget: SEQS * LEN })).loss;
    await m.step({ lr, maxGradNorm: 1 });
  }
  const c = process.cpuUsage(c0);
  return { ms: (performance.now() - t0) / STEPS, cpuMs: (c.user + c.system) / 1000 / STEPS, loss0: first.loss, loss1: last, m };
}

test('full-parameter step vs LoRA step, ~2M-parameter llama', { timeout: 600_000 }, async () => {
  const path = join(dir, 'llama-2m.gguf');
  writeTinyModel(path, { arch: 'llama', seed: 3, nLayer: 5, dModel: 192, nHead: 6, nHeadKv: 2, nFf: 512, contextLength: 1024 });
  const lora = await timeSteps(path, 'lora');
  await lora.m.dispose();
  const full = await timeSteps(path, 'full');
  try {
    const info = full.m.info;
    const r = await full.m.reserve({ tokenBudget: SEQS * LEN });
    const mib = (x: number): string => (x / 2 ** 20).toFixed(1);
    const tok = SEQS * LEN;
    console.log(`[fullParam bench] llama ${info.nLayer}x${info.dModel} ff ${info.nFf} vocab ${info.vocab}: ${info.trainableParams} params, ` +
      `${SEQS}x${LEN} tokens/step, ${THREADS} threads`);
    console.log(`[fullParam bench] full step ${full.ms.toFixed(1)} ms wall / ${full.cpuMs.toFixed(1)} ms CPU (${(tok / full.ms * 1000).toFixed(0)} tok/s wall), ` +
      `LoRA r16 step ${lora.ms.toFixed(1)} ms wall / ${lora.cpuMs.toFixed(1)} ms CPU: full/LoRA ${(full.ms / lora.ms).toFixed(2)}x wall, ` +
      `${(full.cpuMs / lora.cpuMs).toFixed(2)}x CPU`);
    console.log(`[fullParam bench] loss ${full.loss0.toFixed(3)} -> ${full.loss1.toFixed(3)} over ${STEPS + 1} full steps (same batch)`);
    console.log(`[fullParam bench] bytes MiB: weights ${mib(r.bytes.weights)}, grads ${mib(r.bytes.grads)}, moments ${mib(r.bytes.moments)}, ` +
      `compute ${mib(r.bytes.compute)}, peak ${mib(r.peakBytes)}`);
    expect(full.loss1).toBeLessThan(full.loss0);
  } finally {
    await full.m.dispose();
  }
});
