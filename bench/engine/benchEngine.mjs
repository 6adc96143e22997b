// Engine throughput benchmark: forward and forward+backward+AdamW tokens/s of
// the native engine (engine/build/Release/clipo-engine) on a random-weight
// qwen2 model, against a plain PyTorch LoRA step at the same shape measured in
// the same run (bench/engine/torchLoraStep.py). Prints the ratio.
//
// Defaults are Qwen2.5-0.5B dims with 4 layers (full depth is slow on 2 cores):
//   BENCH_LAYERS=24 BENCH_TOKENS=512 BENCH_RANK=16 BENCH_THREADS=2 npm run bench:engine
// Other knobs: BENCH_DMODEL, BENCH_HEADS, BENCH_KV_HEADS, BENCH_FF, BENCH_VOCAB,
// BENCH_STEPS, BENCH_BACKEND (cpu|gpu|auto), BENCH_ARCH (qwen2|llama),
// BENCH_PRESET (qwen2.5-0.5b|qwen2.5-1.5b|llama-3.2-1b|qwen2.5-3b: full shapes, overriding the knobs),
// BENCH_WEIGHT_TYPE (F32|F16|Q8_0|Q4_K; Q4_K where rows are a multiple of 256, Q8_0 elsewhere, as
// llama.cpp's Q4_K_M does). With a quantised type the engine runs twice, native base (the file's type,
// dequantised per use) and the F32-copy path (frozen f32), both against PyTorch at the same shape.
// BENCH_RESERVE_ONLY=1: no training; the engine's reserve() at BENCH_TOKENS per micro-batch, peak bytes
// by category (weights, adapter+optimizer, compute), RESULT {...} with peak_bytes.
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { writeRandomModel } from './randomGguf.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = (k, d) => (process.env[k] !== undefined ? Number(process.env[k]) : d);
// published configs (config.json of each model on the Hugging Face hub)
const PRESETS = {
  'qwen2.5-0.5b': { arch: 'qwen2', nLayer: 24, d: 896, nHead: 14, nKv: 2, ff: 4864, vocab: 151936 },
  'qwen2.5-1.5b': { arch: 'qwen2', nLayer: 28, d: 1536, nHead: 12, nKv: 2, ff: 8960, vocab: 151936 },
  'llama-3.2-1b': { arch: 'llama', nLayer: 16, d: 2048, nHead: 32, nKv: 8, ff: 8192, vocab: 128256 },
  'qwen2.5-3b': { arch: 'qwen2', nLayer: 36, d: 2048, nHead: 16, nKv: 2, ff: 11008, vocab: 151936 },
};
const preset = process.env.BENCH_PRESET ? PRESETS[process.env.BENCH_PRESET] : undefined;
if (process.env.BENCH_PRESET && !preset) { console.error(`unknown BENCH_PRESET (valid: ${Object.keys(PRESETS).join(', ')})`); process.exit(2); }
const shape = preset ?? {
  arch: process.env.BENCH_ARCH ?? 'qwen2',
  nLayer: env('BENCH_LAYERS', 4), d: env('BENCH_DMODEL', 896), nHead: env('BENCH_HEADS', 14), nKv: env('BENCH_KV_HEADS', 2),
  ff: env('BENCH_FF', 4864), vocab: env('BENCH_VOCAB', 151936),
};
const reserveOnly = process.env.BENCH_RESERVE_ONLY === '1';
const tokens = env('BENCH_TOKENS', 256), rank = env('BENCH_RANK', 16), steps = env('BENCH_STEPS', 3), threads = env('BENCH_THREADS', 2);
const backend = process.env.BENCH_BACKEND ?? 'cpu';
const wtype = process.env.BENCH_WEIGHT_TYPE ?? 'F16';
if (!['F32', 'F16', 'Q8_0', 'Q4_K'].includes(wtype)) { console.error('BENCH_WEIGHT_TYPE must be F32, F16, Q8_0 or Q4_K'); process.exit(2); }

// --- run -----------------------------------------------------------------------
const cli = join(root, 'engine', 'build', 'Release', 'clipo-engine');
if (!existsSync(cli)) { console.error('engine CLI not built: run node engine/scripts/build.mjs'); process.exit(1); }
const dir = join(tmpdir(), 'clipo-bench');
mkdirSync(dir, { recursive: true });
const model = join(dir, `${shape.arch}-${shape.nLayer}x${shape.d}x${shape.ff}-${shape.vocab}-${wtype}${reserveOnly ? '-zeros' : ''}.gguf`);
if (!existsSync(model)) { console.log(`writing random model ${model}`); writeRandomModel(model, shape, { weightType: wtype, zeros: reserveOnly }); }
console.log(`shape ${JSON.stringify(shape)} tokens ${tokens} rank ${rank} threads ${threads} backend ${backend} weights ${wtype}`);
// GPU backends ship as separate libraries in node-llama-cpp's platform packages (CUDA, Vulkan)
const plat = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const gpuLibs = backend === 'cpu' ? [] : [['cuda', 'ggml-cuda'], ['vulkan', 'ggml-vulkan']]
  .map(([pkg, lib]) => join(root, 'node_modules', '@node-llama-cpp', `${plat}-${pkg}`, 'bins', `${plat}-${pkg}`,
    process.platform === 'win32' ? `${lib}.dll` : `lib${lib}.so`))
  .filter((p) => existsSync(p));
const common = ['--model', model, '--tokens', String(tokens), '--rank', String(rank), '--threads', String(threads), '--backend', backend,
  ...gpuLibs.flatMap((p) => ['--gpu-lib', p])];
if (reserveOnly) {
  const r = spawnSync(cli, ['reserve', ...common], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
  const res = JSON.parse(/RESULT (.*)/.exec(r.stdout)[1]);
  const gb = (b) => `${(b / 1e9).toFixed(2)} GB`;
  console.log(`peak ${gb(res.peak_bytes)} = weights ${gb(res.weights_bytes)} + adapter+optimizer ${gb(res.adapter_bytes)} + compute ${gb(res.compute_bytes)}`);
  console.log('RESULT ' + JSON.stringify({ preset: process.env.BENCH_PRESET ?? null, weights: wtype, tokens, rank, ...res }));
  process.exit(0);
}
const runEngine = (frozen) => {
  const r = spawnSync(cli, ['bench', ...common, '--steps', String(steps), '--frozen', frozen], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
  const res = JSON.parse(/RESULT (.*)/.exec(r.stdout)[1]);
  return { ...res, fb_tok_s: (res.forward_tok_s * res.train_tok_s) / (res.forward_tok_s + res.train_tok_s) }; // forward + backward per token
};
const quantised = wtype === 'Q8_0' || wtype === 'Q4_K';
const native = runEngine('native');
const f32copy = quantised ? runEngine('f32') : undefined;
if (f32copy) console.log(`native ${wtype} base ${native.fb_tok_s.toFixed(1)} tok/s (peak ${(native.peak_bytes / 2 ** 20).toFixed(0)} MiB) vs F32 copy ` +
  `${f32copy.fb_tok_s.toFixed(1)} tok/s (peak ${(f32copy.peak_bytes / 2 ** 20).toFixed(0)} MiB): ${(native.fb_tok_s / f32copy.fb_tok_s).toFixed(2)}x`);
const ours = native;
const oursTrain = native.fb_tok_s;

// The first interpreter that can import torch: $CLIPO_PYTHON, python3 on PATH, then the system one
// (Debian's python3-torch installs into /usr/bin/python3, which a pyenv/venv python3 does not see).
const python = [process.env.CLIPO_PYTHON, 'python3', '/usr/bin/python3']
  .filter(Boolean).find((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
const torchOk = python !== undefined;
if (!torchOk) {
  console.log('baseline unavailable: PyTorch is not installed (python3 -c "import torch" failed).');
  console.log('  install it with: sudo apt-get install python3-torch   (Debian; large) or pip install torch --index-url https://download.pytorch.org/whl/cpu');
  console.log(`engine forward+backward: ${oursTrain.toFixed(1)} tokens/s (no ratio)`);
  process.exit(0);
}
// BENCH_BASELINE=peft: Hugging Face transformers + PEFT (bench/engine/peftLoraStep.py), else plain PyTorch
const baselineScript = process.env.BENCH_BASELINE === 'peft' ? 'peftLoraStep.py' : 'torchLoraStep.py';
const t = spawnSync(python, [join(root, 'bench', 'engine', baselineScript), JSON.stringify({ ...shape, tokens, rank, steps, threads, device: backend === 'cpu' ? 'cpu' : 'cuda' })], { encoding: 'utf8', timeout: 300_000 });
process.stdout.write(t.stdout);
if (t.status !== 0) { process.stderr.write(t.stderr); process.exit(1); }
const base = JSON.parse(/RESULT (.*)/.exec(t.stdout)[1]);
console.log(`engine forward+backward ${oursTrain.toFixed(1)} tok/s (peak ${(ours.peak_bytes / 2 ** 20).toFixed(0)} MiB) vs PyTorch on ${base.device} ` +
  `${base.train_tok_s.toFixed(1)} tok/s${base.peak_bytes ? ` (peak ${(base.peak_bytes / 2 ** 20).toFixed(0)} MiB)` : ''}: ratio ${(oursTrain / base.train_tok_s).toFixed(2)}x`);
if (f32copy) console.log(`F32-copy path ${f32copy.fb_tok_s.toFixed(1)} tok/s: ratio ${(f32copy.fb_tok_s / base.train_tok_s).toFixed(2)}x PyTorch`);
console.log('RESULT ' + JSON.stringify({ weights: wtype, native_tok_s: native.fb_tok_s, native_peak_bytes: native.peak_bytes,
  f32copy_tok_s: f32copy?.fb_tok_s ?? null, f32copy_peak_bytes: f32copy?.peak_bytes ?? null, torch_tok_s: base.train_tok_s,
  torch_peak_bytes: base.peak_bytes, peak_bytes: native.peak_bytes }));
