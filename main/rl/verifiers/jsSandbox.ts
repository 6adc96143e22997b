/**
 * The seam between pure verifiers and the JavaScript sandbox that runs user
 * reward code and user regular expressions (QuickJS compiled to WebAssembly,
 * main/rewards/quickjsRunner.ts). main/rl has no I/O, so it cannot load the
 * wasm module itself: the host installs a runner once (loadRewardSandbox)
 * before scoring, and every call here is synchronous and bounded by the
 * runner's time and memory limits.
 *
 * Without an installed runner a sandboxed component scores 0 with a reason,
 * like any other failure: it never throws and never runs user code unsandboxed.
 */

export interface JsLimits {
  /** Wall-clock budget of one call, interrupting loops. */
  timeoutMs: number;
  /** Heap limit of the sandbox for one call. */
  memoryBytes: number;
}

export type JsCallResult = { ok: true; value: unknown } | { ok: false; error: string };

export interface JsRunner {
  /**
   * Evaluates `source` in a fresh sandbox (no file system, network, process,
   * require or import), then calls the global function `fn` with `args`
   * (copied in as JSON) and returns its result copied out as JSON.
   */
  call(source: string, fn: string, args: unknown[], limits: JsLimits): JsCallResult;
}

let runner: JsRunner | null = null;

export function setJsRunner(r: JsRunner | null): void {
  runner = r;
}

export function runSandboxed(source: string, fn: string, args: unknown[], limits: JsLimits): JsCallResult {
  if (!runner) return { ok: false, error: 'the JavaScript sandbox is not loaded in this process' };
  return runner.call(source, fn, args, limits);
}

/** Bounds the user may set (milliseconds, megabytes): one completion never costs more. */
export const MAX_TIMEOUT_MS = 1000;
export const MAX_MEMORY_MB = 64;

export function limitsOf(p: { timeoutMs: number; memoryMB: number }): JsLimits {
  const t = Number.isFinite(p.timeoutMs) ? Math.min(Math.max(p.timeoutMs, 1), MAX_TIMEOUT_MS) : 50;
  const m = Number.isFinite(p.memoryMB) ? Math.min(Math.max(p.memoryMB, 1), MAX_MEMORY_MB) : 16;
  return { timeoutMs: t, memoryBytes: Math.round(m * 1024 * 1024) };
}
