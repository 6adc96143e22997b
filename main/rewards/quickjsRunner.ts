/**
 * The JavaScript sandbox for user reward code: QuickJS-ng compiled to
 * WebAssembly (quickjs-emscripten-core + @jitl/quickjs-ng-wasmfile-release-sync,
 * pure wasm, no native code), run in a worker thread so that a wall-clock
 * limit is a hard one.
 *
 * Two layers of limits:
 * 1. inside the worker, each call gets a fresh QuickJS runtime and context
 *    with a memory limit (runtime.setMemoryLimit), a stack limit and an
 *    interrupt handler with a deadline; no host object is exposed (no require,
 *    process, fetch, fs, timers or module loader), arguments and results cross
 *    as JSON text;
 * 2. the caller blocks on Atomics.wait for at most timeoutMs + GRACE_MS. QuickJS
 *    polls its interrupt handler only every few thousand bytecodes, and near
 *    its memory limit each allocation can trigger a full GC (measured: an
 *    allocation loop at an 8 MB limit took 21 s to fail in-thread), so past
 *    that wait the worker is terminated, its wasm memory freed, and a fresh
 *    one started for the next call.
 *
 * Verifiers are synchronous (main/rl), hence the blocking wait: a call costs at
 * most its limit, and the trainer scores completions one after another anyway.
 *
 * Deliberately not here: what a result means (main/rl/verifiers/customJs.ts).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { setJsRunner, type JsCallResult, type JsLimits, type JsRunner } from '../rl/verifiers/jsSandbox.js';

/** Extra wall-clock time past a call's own limit before the worker is killed. */
export const GRACE_MS = 1000;
/** Time a fresh worker gets to load and compile the wasm module. */
const BOOT_MS = 10_000;
/** Result bytes that fit in the shared buffer (JSON). */
const RESULT_BYTES = 256 * 1024;
const STACK_BYTES = 256 * 1024;

const require = createRequire(import.meta.url);

/** The worker's code: CommonJS, loading the two packages by resolved path (works from dist/ and from vitest). */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const core = require(workerData.core);
const variant = require(workerData.variant);
const state = new Int32Array(workerData.shared, 0, 2);
const bytes = new Uint8Array(workerData.shared, 8);
const encoder = new TextEncoder();
function reply(obj) {
  let data = encoder.encode(JSON.stringify(obj));
  if (data.length > bytes.length) data = encoder.encode(JSON.stringify({ ok: false, error: 'the result is too large (' + data.length + ' bytes of JSON)' }));
  bytes.set(data);
  Atomics.store(state, 1, data.length);
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
}
function describe(d) {
  if (d && typeof d === 'object') return (typeof d.name === 'string' ? d.name : 'Error') + ': ' + (typeof d.message === 'string' ? d.message : JSON.stringify(d));
  return String(d);
}
function call(mod, job) {
  const runtime = mod.newRuntime();
  runtime.setMemoryLimit(job.limits.memoryBytes);
  runtime.setMaxStackSize(${STACK_BYTES});
  const vm = runtime.newContext();
  const deadline = performance.now() + job.limits.timeoutMs;
  runtime.setInterruptHandler(() => performance.now() > deadline);
  try {
    const argText = vm.newString(JSON.stringify(job.args));
    vm.setProp(vm.global, '__clipoArgs', argText);
    argText.dispose();
    const loaded = vm.evalCode(job.source, 'reward.js');
    if (loaded.error) { const e = describe(vm.dump(loaded.error)); loaded.error.dispose(); return { ok: false, error: e }; }
    loaded.value.dispose();
    const invoke = '(() => { const f = globalThis[' + JSON.stringify(job.fn) + '];' +
      " if (typeof f !== 'function') throw new TypeError('the code must define function " + job.fn + "(...)');" +
      ' const r = f(...JSON.parse(globalThis.__clipoArgs));' +
      " return r === undefined ? 'undefined' : JSON.stringify(r); })()";
    const out = vm.evalCode(invoke, 'call.js');
    if (out.error) { const e = describe(vm.dump(out.error)); out.error.dispose(); return { ok: false, error: e }; }
    const text = vm.typeof(out.value) === 'string' ? vm.getString(out.value) : 'undefined';
    out.value.dispose();
    return text === 'undefined' ? { ok: true } : { ok: true, json: text };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    try { vm.dispose(); runtime.dispose(); } catch { /* a runtime that hit its limits may not free cleanly; the worker is recycled */ }
  }
}
core.newQuickJSWASMModuleFromVariant(variant.default ?? variant).then((mod) => {
  // Warm the wasm code paths so a first real call is not charged for tier-up.
  for (let i = 0; i < 20; i++) call(mod, { source: 'function reward(a) { return JSON.stringify([a, /x+/.test(a)]).length; }', fn: 'reward', args: ['xx'], limits: { timeoutMs: 1000, memoryBytes: 1 << 24 } });
  parentPort.on('message', (job) => {
    Atomics.store(state, 0, 2); // started: the caller's time limit runs from here
    Atomics.notify(state, 0);
    reply(call(mod, job));
  });
  parentPort.postMessage('ready');
}, (e) => parentPort.postMessage('failed: ' + (e && e.message)));
`;

interface Live { worker: Worker; state: Int32Array; bytes: Uint8Array; fresh: boolean }

let live: Live | null = null;
let loading: Promise<JsRunner> | null = null;

function spawn(): Live {
  const shared = new SharedArrayBuffer(8 + RESULT_BYTES);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { shared, core: require.resolve('quickjs-emscripten-core'), variant: require.resolve('@jitl/quickjs-ng-wasmfile-release-sync') },
  });
  worker.unref(); // never keeps a process alive
  worker.on('error', () => { if (live?.worker === worker) live = null; });
  return { worker, state: new Int32Array(shared, 0, 2), bytes: new Uint8Array(shared, 8), fresh: true };
}

/** Stops a worker and starts its replacement at once, so it boots while the caller goes on. */
function kill(l: Live): void {
  void l.worker.terminate();
  if (live === l) live = spawn();
}

const decoder = new TextDecoder();

function call(source: string, fn: string, args: unknown[], limits: JsLimits): JsCallResult {
  if (!/^[A-Za-z_$][\w$]*$/.test(fn)) return { ok: false, error: `invalid function name ${JSON.stringify(fn)}` };
  const l = (live ??= spawn());
  Atomics.store(l.state, 0, 0);
  l.worker.postMessage({ source, fn, args, limits });
  // A worker still booting gets BOOT_MS to start the job; the job itself gets its limit plus GRACE_MS.
  if (Atomics.wait(l.state, 0, 0, l.fresh ? BOOT_MS : limits.timeoutMs + GRACE_MS) === 'timed-out') {
    kill(l);
    return { ok: false, error: l.fresh ? 'the JavaScript sandbox did not start in time' : `InternalError: interrupted (time limit ${limits.timeoutMs} ms; the sandbox was stopped)` };
  }
  l.fresh = false;
  if (Atomics.load(l.state, 0) === 2 && Atomics.wait(l.state, 0, 2, limits.timeoutMs + GRACE_MS) === 'timed-out') {
    kill(l);
    return { ok: false, error: `InternalError: interrupted (time limit ${limits.timeoutMs} ms; the sandbox was stopped)` };
  }
  const text = decoder.decode(l.bytes.slice(0, Atomics.load(l.state, 1)));
  const r = JSON.parse(text) as { ok: true; json?: string } | { ok: false; error: string };
  if (!r.ok) {
    // Out of memory may leave the wasm heap grown: start afresh (the new worker boots in the background).
    if (/out of memory/i.test(r.error)) kill(l);
    return { ok: false, error: r.error.slice(0, 300) };
  }
  return { ok: true, value: r.json === undefined ? undefined : JSON.parse(r.json) };
}

const runner: JsRunner = { call };

/**
 * Starts the sandbox worker (loading and compiling the wasm module) and installs
 * it as the verifiers' runner. Idempotent; call it before scoring.
 */
export function loadRewardSandbox(): Promise<JsRunner> {
  loading ??= new Promise<JsRunner>((resolve, reject) => {
    const l = (live ??= spawn());
    l.worker.once('message', (m) => {
      if (m === 'ready') {
        l.fresh = false;
        setJsRunner(runner);
        resolve(runner);
      } else {
        loading = null;
        reject(new Error(`the JavaScript sandbox did not start: ${String(m)}`));
      }
    });
  });
  return loading;
}

/** Stops the worker (tests, shutdown); the next call starts a new one. */
export async function closeRewardSandbox(): Promise<void> {
  const l = live;
  live = null;
  if (l) await l.worker.terminate();
}

/** Components that run in the sandbox; a spec without them never starts the worker. */
const SANDBOXED = new Set(['customJs', 'customJsShaping', 'regexMatch']);

/** Starts the sandbox when `spec` needs it (trainer, evaluation, the reward tester). */
export async function prepareRewardSpec(spec: { components: { name: string }[] }): Promise<void> {
  if (spec.components.some((c) => SANDBOXED.has(c.name))) await loadRewardSandbox();
}
