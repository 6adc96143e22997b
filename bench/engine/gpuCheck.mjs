// npm run gpu:check [-- --out report.md]: the whole GPU verification in one prepared run (issue 12),
// for the short windows in which an NVIDIA machine is lent. Builds nothing; every step has its own
// timeout and the sum stays under 8 minutes. Steps:
//   1. GPU tests against the CPU: test/engine/gpu.test.ts (forward, backward, AdamW on CUDA vs CPU,
//      no CPU fallback op, F32 and Q8_0 bases kept native).
//   2. the demo run on the GPU (test/trainer/gpuRun.test.ts).
//   3. bench:engine on CUDA at Qwen2.5-0.5B and Qwen2.5-1.5B shapes (Q4_K base, 512 tokens, rank 16)
//      against PyTorch+PEFT at the same shape (bench/engine/peftLoraStep.py), with peak memory.
//   4. reserve-only peak bytes by category at the four preset shapes, 2048 tokens, on CUDA.
//   5. the op allowlist test (no GPU needed).
// On a machine without CUDA (or without torch+peft) it dry-runs: it says what it skips and why, runs
// what needs no GPU (allowlist test, reserve-only at the 0.5B shape on the CPU) and still writes the report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 ? process.argv[outArg + 1] : process.env.CLIPO_GPU_CHECK_OUT ?? join(root, 'gpu-check-report.md'));
const started = Date.now();
const BUDGET_S = 470;  // under 8 minutes in all
const lines = [`# gpu:check report`, '', `started ${new Date(started).toISOString()} on ${process.platform}-${process.arch}`, ''];
const log = (s) => { console.log(s); lines.push(s); };
const left = () => BUDGET_S - (Date.now() - started) / 1000;

function sh(cmd, args, { env = {}, timeout = 60 } = {}) {
  const t = Math.max(5, Math.min(timeout, left()));
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: t * 1000, env: { ...process.env, ...env } });
  return { ok: r.status === 0, status: r.status, timedOut: r.error?.code === 'ETIMEDOUT', out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
function step(title, cmd, args, opts, pick = (o) => o.split('\n').filter((l) => /RESULT|ratio|Tests |Vulkan0|CUDA0|fallback|peak|tok\/s|FAIL|×/.test(l))) {
  log(`## ${title}`);
  if (left() < 10) { log('skipped: the 8-minute budget is spent'); return null; }
  log('```');
  log(`$ ${Object.entries(opts?.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')} ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = sh(cmd, args, opts);
  for (const l of pick(r.out).slice(-40)) log(l.replace(/\x1b\[[0-9;]*m/g, ''));
  log(`-> ${r.ok ? 'ok' : r.timedOut ? 'TIMED OUT' : `exit ${r.status}`} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  log('```');
  return r;
}

// --- what this machine has ----------------------------------------------------------
const smi = sh('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'], { timeout: 15 });
const hasNvidia = smi.ok && smi.out.trim().length > 0;
const cudaLib = ['linux-x64-cuda', 'linux-x64-cuda-ext'].map((p) => join(root, 'node_modules', '@node-llama-cpp', p)).find((p) => existsSync(p));
const built = existsSync(join(root, 'engine', 'build', 'Release', 'clipo-engine')) && existsSync(join(root, 'engine', 'build', 'Release', 'clipo_engine.node'));
const python = [process.env.CLIPO_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)
  .find((py) => sh(py, ['-c', 'import torch'], { timeout: 30 }).ok);
const peft = python ? sh(python, ['-c', 'import torch, peft, transformers; print(torch.__version__, peft.__version__, transformers.__version__, torch.cuda.is_available())'], { timeout: 60 }) : null;
const torchCuda = !!peft?.ok && /True\s*$/.test(peft.out.trim());
log(`GPU: ${hasNvidia ? smi.out.trim() : 'none (nvidia-smi missing or no device)'}`);
log(`node-llama-cpp CUDA backend package: ${cudaLib ?? 'missing'}; engine built: ${built}`);
log(`PyTorch+PEFT: ${peft?.ok ? peft.out.trim() : python ? 'torch present, peft/transformers missing' : 'no torch'}`);
const cuda = hasNvidia && !!cudaLib && built;
if (!built) log('the engine is not built (node engine/scripts/build.mjs): nothing native can run');
if (!cuda) log('DRY RUN: no usable CUDA here, so the CUDA steps below are skipped and say so.');
log('');

// --- 1. GPU tests vs the CPU -----------------------------------------------------------
if (cuda) {
  step('GPU tests vs CPU (CUDA)', 'npx', ['vitest', 'run', '--project', 'unit', 'test/engine/gpu.test.ts'],
    { env: { CLIPO_TEST_GPU: '1', CLIPO_TEST_GPU_LOGP_TOL: '1e-3', CLIPO_TEST_GPU_GRAD_TOL: '1e-2' }, timeout: 120 });
} else log('## GPU tests vs CPU (CUDA)\nskipped: needs an NVIDIA GPU with node-llama-cpp\'s CUDA backend');
// --- 2. the demo on the GPU (most important after the tests: the product's own run) -----------
if (cuda) {
  step('demo run on the GPU', 'npx', ['vitest', 'run', '--project', 'unit', 'test/trainer/gpuRun.test.ts'], { env: { CLIPO_TEST_GPU: '1' }, timeout: 100 });
} else log('## demo run on the GPU\nskipped: needs CUDA');

// --- 3. bench:engine on CUDA vs PyTorch+PEFT -------------------------------------------
for (const preset of ['qwen2.5-0.5b', 'qwen2.5-1.5b']) {
  const title = `bench:engine ${preset} Q4_K 512 tokens on CUDA vs PyTorch+PEFT`;
  if (!cuda) { log(`## ${title}\nskipped: needs CUDA`); continue; }
  const env = { BENCH_PRESET: preset, BENCH_WEIGHT_TYPE: 'Q4_K', BENCH_TOKENS: '512', BENCH_RANK: '16', BENCH_STEPS: '2', BENCH_BACKEND: 'gpu',
    BENCH_BASELINE: torchCuda ? 'peft' : 'torch', BENCH_THREADS: '8' };
  step(title, 'node', ['bench/engine/benchEngine.mjs'], { env, timeout: preset === 'qwen2.5-0.5b' ? 100 : 130 });
}

// --- 4. reserve-only peak bytes --------------------------------------------------------
const presets = cuda ? ['qwen2.5-0.5b', 'llama-3.2-1b', 'qwen2.5-1.5b', 'qwen2.5-3b'] : ['qwen2.5-0.5b'];
for (const preset of presets) {
  if (!built) break;
  step(`reserve-only ${preset} Q4_K 2048 tokens rank 16 on ${cuda ? 'CUDA' : 'the CPU (dry run)'}`, 'node', ['bench/engine/benchEngine.mjs'],
    { env: { BENCH_PRESET: preset, BENCH_WEIGHT_TYPE: 'Q4_K', BENCH_TOKENS: '2048', BENCH_RANK: '16', BENCH_RESERVE_ONLY: '1', BENCH_BACKEND: cuda ? 'gpu' : 'cpu' }, timeout: 35 });
}

// --- 5. op allowlist (CPU only, also in CI): last, it needs no GPU ------------------------------
if (built) step('op allowlist (CUDA, Metal, Vulkan supports_op)', 'npx', ['vitest', 'run', '--project', 'unit', 'test/engine/opAllowlist.test.ts'], { timeout: 40 });


log('');
log(`finished in ${((Date.now() - started) / 1000).toFixed(0)} s (budget ${BUDGET_S} s)${cuda ? '' : ' — dry run'}`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join('\n') + '\n');
console.log(`report: ${out}`);
