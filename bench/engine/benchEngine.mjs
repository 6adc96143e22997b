// Engine throughput benchmark: forward and forward+backward+AdamW tokens/s of
// the native engine (engine/build/Release/clipo-engine) on a random-weight
// qwen2 model, against a plain PyTorch LoRA step at the same shape measured in
// the same run (bench/engine/torchLoraStep.py). Prints the ratio.
//
// Defaults are Qwen2.5-0.5B dims with 4 layers (full depth is slow on 2 cores):
//   BENCH_LAYERS=24 BENCH_TOKENS=512 BENCH_RANK=16 BENCH_THREADS=2 npm run bench:engine
// Other knobs: BENCH_DMODEL, BENCH_HEADS, BENCH_KV_HEADS, BENCH_FF, BENCH_VOCAB,
// BENCH_STEPS, BENCH_BACKEND (cpu|gpu|auto), BENCH_WEIGHT_TYPE (F16|F32).
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = (k, d) => (process.env[k] !== undefined ? Number(process.env[k]) : d);
const shape = {
  nLayer: env('BENCH_LAYERS', 4), d: env('BENCH_DMODEL', 896), nHead: env('BENCH_HEADS', 14), nKv: env('BENCH_KV_HEADS', 2),
  ff: env('BENCH_FF', 4864), vocab: env('BENCH_VOCAB', 151936),
};
const tokens = env('BENCH_TOKENS', 256), rank = env('BENCH_RANK', 16), steps = env('BENCH_STEPS', 3), threads = env('BENCH_THREADS', 2);
const backend = process.env.BENCH_BACKEND ?? 'cpu';
const wtype = process.env.BENCH_WEIGHT_TYPE ?? 'F16';

// --- minimal streaming GGUF writer (F16/F32 random weights, no tokenizer) -------
function writeRandomQwen2(path) {
  const { nLayer, d, nHead, nKv, ff, vocab } = shape;
  const hd = d / nHead;
  const tensors = [['token_embd.weight', [d, vocab], 1], ['output_norm.weight', [d], 0]];
  for (let l = 0; l < nLayer; l++) {
    const b = `blk.${l}.`;
    tensors.push([`${b}attn_norm.weight`, [d], 0], [`${b}attn_q.weight`, [d, d], 1], [`${b}attn_k.weight`, [d, hd * nKv], 1],
      [`${b}attn_v.weight`, [d, hd * nKv], 1], [`${b}attn_q.bias`, [d], 0], [`${b}attn_k.bias`, [hd * nKv], 0], [`${b}attn_v.bias`, [hd * nKv], 0],
      [`${b}attn_output.weight`, [d, d], 1], [`${b}ffn_norm.weight`, [d], 0], [`${b}ffn_gate.weight`, [d, ff], 1],
      [`${b}ffn_up.weight`, [d, ff], 1], [`${b}ffn_down.weight`, [ff, d], 1]);
  }
  const kv = [['general.architecture', 8, 'qwen2'], ['qwen2.context_length', 4, 32768], ['qwen2.embedding_length', 4, d],
    ['qwen2.block_count', 4, nLayer], ['qwen2.feed_forward_length', 4, ff], ['qwen2.attention.head_count', 4, nHead],
    ['qwen2.attention.head_count_kv', 4, nKv], ['qwen2.attention.layer_norm_rms_epsilon', 6, 1e-6], ['qwen2.rope.freq_base', 6, 1e6]];
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s) => { u64(Buffer.byteLength(s)); parts.push(Buffer.from(s)); };
  u32(0x46554747); u32(3); u64(tensors.length); u64(kv.length);
  for (const [k, t, v] of kv) {
    str(k); u32(t);
    if (t === 8) str(v); else if (t === 6) { const b = Buffer.alloc(4); b.writeFloatLE(v); parts.push(b); } else u32(v);
  }
  let off = 0;
  const sizes = [];
  for (const [name, dims, isMat] of tensors) {
    const type = isMat && wtype === 'F16' ? 1 : 0;
    const n = dims.reduce((a, b) => a * b, 1);
    const size = n * (type === 1 ? 2 : 4);
    str(name); u32(dims.length); for (const x of dims) u64(x); u32(type); u64(off);
    sizes.push([n, type, dims]);
    off += Math.ceil(size / 32) * 32;
  }
  let head = Buffer.concat(parts);
  head = Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32)]);
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  let seed = 12345;
  for (const [n, type, dims] of sizes) {
    const std = dims.length === 2 ? 1 / Math.sqrt(dims[0]) : 0;
    const chunk = 1 << 20;
    for (let i = 0; i < n; i += chunk) {
      const m = Math.min(chunk, n - i);
      const buf = Buffer.alloc(m * (type === 1 ? 2 : 4));
      for (let j = 0; j < m; j++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const x = dims.length === 1 ? 1 : ((seed / 4294967296) * 2 - 1) * std * 1.7;
        if (type === 1) buf.writeUInt16LE(f16(x), j * 2); else buf.writeFloatLE(x, j * 4);
      }
      writeSync(fd, buf);
    }
    const size = n * (type === 1 ? 2 : 4);
    writeSync(fd, Buffer.alloc((32 - (size % 32)) % 32));
  }
  closeSync(fd);
}
const f32b = new Float32Array(1), u32b = new Uint32Array(f32b.buffer);
function f16(x) {
  f32b[0] = x;
  const b = u32b[0], s = (b >>> 16) & 0x8000, e = ((b >>> 23) & 0xff) - 127 + 15, m = b & 0x7fffff;
  if (e <= 0) return s;
  if (e >= 31) return s | 0x7c00;
  return s | (e << 10) | (m >>> 13);
}

// --- run -----------------------------------------------------------------------
const cli = join(root, 'engine', 'build', 'Release', 'clipo-engine');
if (!existsSync(cli)) { console.error('engine CLI not built: run node engine/scripts/build.mjs'); process.exit(1); }
const dir = join(tmpdir(), 'clipo-bench');
mkdirSync(dir, { recursive: true });
const model = join(dir, `qwen2-${shape.nLayer}x${shape.d}-${shape.vocab}-${wtype}.gguf`);
if (!existsSync(model)) { console.log(`writing random model ${model}`); writeRandomQwen2(model); }
console.log(`shape ${JSON.stringify(shape)} tokens ${tokens} rank ${rank} threads ${threads} backend ${backend} weights ${wtype}`);
// GPU backends ship as separate libraries in node-llama-cpp's platform packages (CUDA, Vulkan)
const plat = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const gpuLibs = backend === 'cpu' ? [] : [['cuda', 'ggml-cuda'], ['vulkan', 'ggml-vulkan']]
  .map(([pkg, lib]) => join(root, 'node_modules', '@node-llama-cpp', `${plat}-${pkg}`, 'bins', `${plat}-${pkg}`,
    process.platform === 'win32' ? `${lib}.dll` : `lib${lib}.so`))
  .filter((p) => existsSync(p));
const r = spawnSync(cli, ['bench', '--model', model, '--tokens', String(tokens), '--rank', String(rank), '--steps', String(steps),
  '--threads', String(threads), '--backend', backend, ...gpuLibs.flatMap((p) => ['--gpu-lib', p])], { encoding: 'utf8' });
process.stdout.write(r.stdout);
if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
const ours = JSON.parse(/RESULT (.*)/.exec(r.stdout)[1]);
const oursTrain = (ours.forward_tok_s * ours.train_tok_s) / (ours.forward_tok_s + ours.train_tok_s); // forward + backward per token

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
const t = spawnSync(python, [join(root, 'bench', 'engine', 'torchLoraStep.py'), JSON.stringify({ ...shape, tokens, rank, steps, threads, device: backend === 'cpu' ? 'cpu' : 'cuda' })], { encoding: 'utf8' });
process.stdout.write(t.stdout);
if (t.status !== 0) { process.stderr.write(t.stderr); process.exit(1); }
const base = JSON.parse(/RESULT (.*)/.exec(t.stdout)[1]);
console.log(`engine forward+backward ${oursTrain.toFixed(1)} tok/s (peak ${(ours.peak_bytes / 2 ** 20).toFixed(0)} MiB) vs PyTorch on ${base.device} ` +
  `${base.train_tok_s.toFixed(1)} tok/s${base.peak_bytes ? ` (peak ${(base.peak_bytes / 2 ** 20).toFixed(0)} MiB)` : ''}: ratio ${(oursTrain / base.train_tok_s).toFixed(2)}x`);
