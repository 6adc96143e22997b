/**
 * Minimal reproduction of node-llama-cpp 3.21.1's wrong-logits-row fault (docs/ENGINE.md,
 * "Sampler vs trainer"), with node-llama-cpp alone. S sequences each evaluate a prompt (queued in
 * ascending sequence id), then each decodes its sampled token, queued either in ascending id or as
 * 0,2,4,…,1,3,5,…. The second order makes llama.cpp's ubatch split emit outputs out of batch order
 * (llama-batch.cpp split_equal takes runs of consecutive sequence ids), so the batch's logits rows
 * need swapping, which llama.cpp does lazily on first access (llama-context.cpp output_reorder()),
 * unlocked; node-llama-cpp's per-sequence sampleToken workers then race on it in the libuv pool.
 * Each run is compared with a reference run in ascending order (same seeds, same batch). Prints
 * the wrong rows per order; with UV_THREADPOOL_SIZE=1 (samplers serialised) both are 0.
 *   REPRO_TRIALS=300 npx vitest run --project bench bench/sampler/wrongRowRepro
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';

const S = 16;
const TRIALS = Number(process.env.REPRO_TRIALS ?? 300);

/** Second sampled token and its reported probability for each sequence, step 2 queued in `order`. */
async function run(seqs: LlamaContextSequence[], trial: number, order: number[]): Promise<[number, number][]> {
  await Promise.all(seqs.map((s) => s.clearHistory()));
  const gens = seqs.map((s, i) => s.evaluateWithMetadata([1, 261 + (i % 7), 272 + ((i * 3) % 11), 296, 316] as Token[], { confidence: true },
    { temperature: 1, topK: 0, topP: 1, minP: 0, seed: trial * S + i + 1, yieldEogToken: true }));
  await Promise.all(gens.map((g) => g.next()));
  const second = new Array<Promise<IteratorResult<{ token: Token; confidence?: number }>>>(S);
  for (const i of order) second[i] = gens[i]!.next(); // node-llama-cpp queues decodes in call order
  const r = await Promise.all(second);
  await Promise.all(gens.map((g) => g.return(undefined)));
  return r.map((x) => [x.value!.token, x.value!.confidence!]);
}

test('wrong logits row: decodes queued out of sequence order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clipo-repro-'));
  const modelPath = join(dir, 'm.gguf');
  writeTinyModel(modelPath, { ...TINY_DEMO_MODEL });
  const llama = await loadLlama('cpu', 1);
  const model = await llama.loadModel({ modelPath });
  const ctx = await model.createContext({ contextSize: 64, sequences: S, threads: 1, flashAttention: false, experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' });
  try {
    const seqs = Array.from({ length: S }, () => ctx.getSequence());
    const asc = [...Array(S).keys()];
    const interleaved = [...asc.filter((i) => i % 2 === 0), ...asc.filter((i) => i % 2 === 1)];
    let wrongAsc = 0, wrongInterleaved = 0;
    const differs = (a: [number, number], b: [number, number]) => a[0] !== b[0] || Math.abs(a[1] - b[1]) > 1e-4;
    for (let t = 0; t < TRIALS; t++) {
      const ref = await run(seqs, t, asc);
      const a = await run(seqs, t, asc);
      const p = await run(seqs, t, interleaved);
      for (let i = 0; i < S; i++) {
        if (differs(a[i]!, ref[i]!)) wrongAsc++;
        if (differs(p[i]!, ref[i]!)) wrongInterleaved++;
      }
    }
    console.log(`wrong rows over ${TRIALS * S} second tokens (UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default 4'}): ` +
      `ascending order ${wrongAsc}, interleaved order ${wrongInterleaved}`);
  } finally {
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
