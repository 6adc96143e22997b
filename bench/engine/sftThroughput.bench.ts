/**
 * SFT throughput, engine vs PyTorch at the same shape, in one run (issue 15):
 *  (a) full-parameter SFT at the first-party reasoning model's shape (llama, a few M parameters):
 *      model.full.init, backward with prompt-masked weights (main/trainer/sft/sftBatch.ts), AdamW step;
 *      PyTorch 1.13 gets the engine's exact starting weights (model.full.params()), so the losses of
 *      the first steps must agree: step 0 checks the forward, step 1 the gradient and AdamW too.
 *  (b) LoRA SFT (rank 16, all linear layers) at Qwen2.5-0.5B's widths and vocabulary, random F32
 *      weights on both sides (depth: SFT_BENCH_QWEN_LAYERS, default 2 so the run stays short).
 * Same threads on both sides, warm-up steps excluded, median of the timed steps, wall and CPU time
 * (on a loaded shared machine CPU time is the steadier of the two). Tokens/s counts every token
 * processed (prompt + target), as the trainer's tokensPerSec metric does (main/trainer/sft/sftStep.ts).
 *
 * Run: nice -n 5 npm run bench:sft
 * Knobs: SFT_BENCH_THREADS (1), SFT_BENCH_WARMUP (1), SFT_BENCH_STEPS (5 for (a), SFT_BENCH_QWEN_STEPS 3 for (b)),
 *   (a) shape SFT_BENCH_DMODEL, _LAYERS, _HEADS, _KV_HEADS, _FF, _VOCAB; batch SFT_BENCH_SEQS (4) × SFT_BENCH_SEQ_LEN (64),
 *   prompt SFT_BENCH_PROMPT_LEN (16); (b) SFT_BENCH_QWEN_LAYERS (2; 24 = the whole model), SFT_BENCH_QWEN_SEQS (1) ×
 *   SFT_BENCH_QWEN_SEQ_LEN (64), prompt SFT_BENCH_QWEN_PROMPT_LEN (16), SFT_BENCH_RANK (16); SFT_BENCH_ONLY=full|lora.
 */
import { afterAll, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineModel } from '../../engine/index.js';
import { writeGguf, type GgufValue } from '../../main/models/gguf/index.js';
import { tinyModelTensors } from '../../main/models/gguf/writeTinyModel.js';
import { sftBatch, type SftBatch } from '../../main/trainer/sft/sftBatch.js';
import { writeRandomModel, type RandomModelShape } from './randomGguf.mjs';

const env = (k: string, d: number): number => (process.env[k] !== undefined ? Number(process.env[k]) : d);

/**
 * The first-party reasoning model's shape: the one place to change it (defaults until its shape is final).
 * Tokenizer-free file, so any vocabulary size works; weights drawn by writeTinyModel's generator.
 */
export const REASONER_SHAPE = {
  // SFT_BENCH_ARCH=qwen2 (q/k/v biases, NEOX rope) with SFT_BENCH_TIED=1 cross-checks the PyTorch code path (b) times.
  arch: (process.env.SFT_BENCH_ARCH === 'qwen2' ? 'qwen2' : 'llama') as 'llama' | 'qwen2',
  dModel: env('SFT_BENCH_DMODEL', 256),
  nLayer: env('SFT_BENCH_LAYERS', 4),
  nHead: env('SFT_BENCH_HEADS', 4),
  nHeadKv: env('SFT_BENCH_KV_HEADS', 4),
  nFf: env('SFT_BENCH_FF', 768),
  vocab: env('SFT_BENCH_VOCAB', 512),
  tiedEmbeddings: process.env.SFT_BENCH_TIED === '1',
  ropeFreqBase: 10000,
};
/** Qwen2.5-0.5B's published config.json (hidden 896, 14 heads, 2 KV heads, ff 4864, vocab 151936, 24 layers, tied). */
const QWEN_SHAPE: RandomModelShape = { arch: 'qwen2', nLayer: env('SFT_BENCH_QWEN_LAYERS', 2), d: 896, nHead: 14, nKv: 2, ff: 4864, vocab: 151936 };

const THREADS = env('SFT_BENCH_THREADS', 1), WARMUP = env('SFT_BENCH_WARMUP', 1);
const ONLY = process.env.SFT_BENCH_ONLY;
const A = { seqs: env('SFT_BENCH_SEQS', 4), len: env('SFT_BENCH_SEQ_LEN', 64), prompt: env('SFT_BENCH_PROMPT_LEN', 16), steps: env('SFT_BENCH_STEPS', 5) };
const Bq = { seqs: env('SFT_BENCH_QWEN_SEQS', 1), len: env('SFT_BENCH_QWEN_SEQ_LEN', 64), prompt: env('SFT_BENCH_QWEN_PROMPT_LEN', 16), steps: env('SFT_BENCH_QWEN_STEPS', 3) };
const RANK = env('SFT_BENCH_RANK', 16);
// Optimizer of an SFT run (recipe defaults are of this order); identical on both sides.
const OPT = { lr: 1e-3, weightDecay: 0.01, maxGradNorm: 1 };

const dir = mkdtempSync(join(tmpdir(), 'clipo-sftbench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** nSeq sequences of `len` seeded random tokens, the first `prompt` masked: SFT's batch (1/N on each target token). */
function makeBatch(vocab: number, c: { seqs: number; len: number; prompt: number }): SftBatch {
  let s = 12345;
  const rnd = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const t = (): number => 5 + Math.floor(rnd() * (vocab - 5));
  return sftBatch(Array.from({ length: c.seqs }, () => ({
    promptTokens: Array.from({ length: c.prompt }, t), targetTokens: Array.from({ length: c.len - c.prompt }, t),
  })));
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

interface Timed { wall: number[]; cpu: number[]; losses: number[] }

async function engineSteps(m: EngineModel, b: SftBatch, steps: number): Promise<Timed> {
  const out: Timed = { wall: [], cpu: [], losses: [] };
  for (let i = 0; i < WARMUP + steps; i++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const bw = await m.backward(b.seqs, b.weights, { tokenBudget: b.totalTokens });
    await m.step({ lr: OPT.lr, weightDecay: OPT.weightDecay, maxGradNorm: OPT.maxGradNorm });
    const c = process.cpuUsage(c0);
    out.wall.push((performance.now() - t0) / 1000); out.cpu.push((c.user + c.system) / 1e6); out.losses.push(bw.loss);
  }
  return out;
}

// The first interpreter that imports torch: $CLIPO_PYTHON, python3, then Debian's /usr/bin/python3 (python3-torch).
const python = [process.env.CLIPO_PYTHON, 'python3', '/usr/bin/python3']
  .filter((p): p is string => !!p).find((py) => spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0);

function torchSteps(cfg: Record<string, unknown>): (Timed & { version: string }) | undefined {
  if (!python) return undefined;
  const path = join(dir, `torch-${String(cfg['mode'])}.json`);
  writeFileSync(path, JSON.stringify({ ...cfg, threads: THREADS, warmup: WARMUP, ...OPT }));
  const r = spawnSync(python, [join(dirname(fileURLToPath(import.meta.url)), 'torchSftStep.py'), path], { encoding: 'utf8', timeout: 900_000 });
  process.stdout.write(r.stdout);
  if (r.status !== 0) throw new Error(`torchSftStep.py failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  const res = JSON.parse(/RESULT (.*)/.exec(r.stdout)![1]!) as { wall_s: number[]; cpu_s: number[]; losses: number[]; version: string };
  return { wall: res.wall_s, cpu: res.cpu_s, losses: res.losses, version: res.version };
}

interface Row { name: string; tokens: number; engine: Timed; torch: Timed | undefined }
const rows: Row[] = [];
let torchVersion = 'unavailable';

function printTable(): void {
  const f = (x: number): string => (Number.isNaN(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)).padStart(7);
  const timed = (t: Timed): Timed => ({ wall: t.wall.slice(WARMUP), cpu: t.cpu.slice(WARMUP), losses: t.losses });
  console.log(`\n[sft bench] threads ${THREADS} on both sides, ${WARMUP} warm-up step(s) excluded, median of the timed steps; ` +
    `tok/s = tokens processed (prompt + target) per second of one backward + AdamW step. PyTorch ${torchVersion} (CPU, F32, eager).`);
  console.log('[sft bench] | case | tokens/step | engine tok/s wall | PyTorch tok/s wall | ratio wall | engine tok/s CPU | PyTorch tok/s CPU | ratio CPU |');
  for (const r of rows) {
    const e = timed(r.engine), t = r.torch ? timed(r.torch) : undefined;
    const ew = r.tokens / median(e.wall), ec = r.tokens / median(e.cpu);
    const tw = t ? r.tokens / median(t.wall) : NaN, tc = t ? r.tokens / median(t.cpu) : NaN;
    console.log(`[sft bench] | ${r.name} | ${r.tokens} | ${f(ew)} | ${f(tw)} | ${t ? `${(ew / tw).toFixed(2)}x` : 'n/a'} | ${f(ec)} | ${f(tc)} | ${t ? `${(ec / tc).toFixed(2)}x` : 'n/a'} |`);
  }
}

test.skipIf(ONLY === 'lora')('(a) full-parameter SFT at the reasoning model shape: engine vs PyTorch, same starting weights', { timeout: 1_800_000 }, async () => {
  const S = REASONER_SHAPE;
  const path = join(dir, 'reasoner.gguf');
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  const a = S.arch;
  writeGguf(path, {
    'general.architecture': { type: 'string', value: a },
    [`${a}.context_length`]: u32(4096), [`${a}.embedding_length`]: u32(S.dModel), [`${a}.block_count`]: u32(S.nLayer),
    [`${a}.feed_forward_length`]: u32(S.nFf), [`${a}.attention.head_count`]: u32(S.nHead), [`${a}.attention.head_count_kv`]: u32(S.nHeadKv),
    [`${a}.attention.layer_norm_rms_epsilon`]: f32(1e-6), [`${a}.rope.freq_base`]: f32(S.ropeFreqBase),
    [`${a}.rope.dimension_count`]: u32(S.dModel / S.nHead),
  }, tinyModelTensors({
    arch: a, seed: 3, nLayer: S.nLayer, dModel: S.dModel, nHead: S.nHead, nHeadKv: S.nHeadKv, nFf: S.nFf, headDim: S.dModel / S.nHead,
    contextLength: 4096, weightType: 'F32', ropeFreqBase: S.ropeFreqBase, outputNormScale: 1, tiedEmbeddings: S.tiedEmbeddings,
  }, S.vocab));
  const m = await EngineModel.open(path, { threads: THREADS });
  try {
    await m.full.init();
    const b = makeBatch(S.vocab, A);
    await m.reserve({ tokenBudget: b.totalTokens });
    // PyTorch starts from the engine's exact F32 weights.
    const weightsPath = join(dir, 'reasoner.f32');
    writeFileSync(weightsPath, await m.full.params());
    const tensors = m.full.tensors();
    const info = m.info;
    console.log(`[sft bench] (a) ${S.arch} ${S.nLayer} x d ${S.dModel}, ${S.nHead} heads (${S.nHeadKv} KV), ff ${S.nFf}, vocab ${S.vocab}${S.tiedEmbeddings ? ' tied' : ''}, ` +
      `${info.trainableParams} params; ${A.seqs} x ${A.len} tokens (prompt ${A.prompt} masked) per step`);
    const eng = await engineSteps(m, b, A.steps);
    const tor = torchSteps({
      mode: 'full', weightsPath, tensors: tensors.map((t) => ({ name: t.name, shape: t.shape })), steps: A.steps,
      shape: { arch: S.arch, nLayer: S.nLayer, d: S.dModel, nHead: S.nHead, nKv: S.nHeadKv, ff: S.nFf, vocab: S.vocab, ropeBase: S.ropeFreqBase, tied: S.tiedEmbeddings },
      batch: b.seqs.map((s) => ({ tokens: Array.from(s.tokens), responseStart: s.responseStart })), weights: Array.from(b.weights),
    });
    if (tor) torchVersion = tor.version;
    rows.push({ name: `(a) full-param ${S.arch} ${(info.trainableParams / 1e6).toFixed(2)}M`, tokens: b.totalTokens, engine: eng, torch: tor });
    if (tor) {
      // Cross-check: same weights, batch, loss and AdamW, so the loss trajectories agree (step 0: forward; step 1: gradient + AdamW).
      const d = eng.losses.map((l, i) => Math.abs(l - tor.losses[i]!));
      console.log(`[sft bench] (a) loss engine vs PyTorch: step 0 ${eng.losses[0]!.toFixed(6)} vs ${tor.losses[0]!.toFixed(6)} (|Δ| ${d[0]!.toExponential(1)}), ` +
        `step 1 ${eng.losses[1]!.toFixed(6)} vs ${tor.losses[1]!.toFixed(6)} (|Δ| ${d[1]!.toExponential(1)}), ` +
        `last ${eng.losses.at(-1)!.toFixed(4)} vs ${tor.losses.at(-1)!.toFixed(4)}`);
      expect(d[0]).toBeLessThan(1e-4);
      expect(d[1]).toBeLessThan(1e-3);
    } else {
      console.log('[sft bench] PyTorch not found (python3 -c "import torch, numpy" failed): engine numbers only. Debian: apt-get install python3-torch');
    }
    expect(eng.losses.at(-1)!).toBeLessThan(eng.losses[0]!);
  } finally {
    await m.dispose();
  }
});

test.skipIf(ONLY === 'full')('(b) LoRA SFT at Qwen2.5-0.5B widths: engine vs PyTorch', { timeout: 1_800_000 }, async () => {
  const S = QWEN_SHAPE;
  // Cached across runs (the writer is the one bench:engine uses; same name, same file).
  const cache = join(tmpdir(), 'clipo-bench');
  mkdirSync(cache, { recursive: true });
  const path = join(cache, `${S.arch}-${S.nLayer}x${S.d}x${S.ff}-${S.vocab}-F32.gguf`);
  if (!existsSync(path)) { console.log(`[sft bench] writing random model ${path}`); writeRandomModel(path, S, { weightType: 'F32' }); }
  const m = await EngineModel.open(path, { threads: THREADS, frozen: 'f32' });
  const b = makeBatch(S.vocab, Bq);
  let eng: Timed;
  try {
    await m.lora.init({ rank: RANK, alpha: 2 * RANK });
    await m.reserve({ tokenBudget: b.totalTokens });
    console.log(`[sft bench] (b) qwen2 ${S.nLayer} layers x d ${S.d}, ${S.nHead} heads (${S.nKv} KV), ff ${S.ff}, vocab ${S.vocab}, F32; ` +
      `LoRA r${RANK} alpha ${2 * RANK} on q,k,v,o,gate,up,down (${m.info.trainableParams} params); ${Bq.seqs} x ${Bq.len} tokens (prompt ${Bq.prompt} masked) per step`);
    eng = await engineSteps(m, b, Bq.steps);
  } finally {
    await m.dispose();
  }
  // One model in memory at a time: PyTorch runs after the engine has let go of its copy.
  const tor = torchSteps({
    mode: 'lora', rank: RANK, alpha: 2 * RANK, steps: Bq.steps,
    shape: { arch: S.arch, nLayer: S.nLayer, d: S.d, nHead: S.nHead, nKv: S.nKv, ff: S.ff, vocab: S.vocab, ropeBase: 1e6, tied: true },
    batch: b.seqs.map((s) => ({ tokens: Array.from(s.tokens), responseStart: s.responseStart })), weights: Array.from(b.weights),
  });
  if (tor) torchVersion = tor.version;
  rows.push({ name: `(b) LoRA r${RANK} Qwen2.5-0.5B widths, ${S.nLayer} layers`, tokens: b.totalTokens, engine: eng, torch: tor });
  expect(eng.losses.every(Number.isFinite)).toBe(true);
});

afterAll(() => printTable());
