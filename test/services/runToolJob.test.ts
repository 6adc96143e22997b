// runToolJob (what `clipo eval` runs its evaluation through, issue 16): whatever the tool
// process does (answers, aborts like llama.cpp's GGML_ASSERT, hangs ignoring SIGTERM, ignores
// a stop), the caller gets the answer or a typed error in bounded time, and no process is left.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToolJob, type ToolJobError } from '../../main/services/runToolJob.js';
import { forkToolSpawner } from '../../main/services/toolSpawner.js';
import type { TrainerSpawner } from '../../main/trainer/Supervisor.js';
import type { ToolJob } from '../../main/trainer/toolProtocol.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-tooljob-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const JOB = { type: 'promptStats', modelPath: '/nonexistent', chatTemplate: 'none', prompts: [] } as ToolJob;

/** A stand-in tool process from `body` (it gets the job as its first message); records its pid. */
function tool(name: string, body: string): { spawn: TrainerSpawner; entry: string; pid: () => number } {
  const entry = join(dir, `${name}.mjs`);
  writeFileSync(entry, body);
  let pid = 0;
  const fork = forkToolSpawner();
  return { entry, pid: () => pid, spawn: (e) => { const h = fork(e); pid = h.pid ?? 0; return h; } };
}
const failureOf = (p: Promise<unknown>) => p.then(() => { throw new Error('resolved'); }, (e: unknown) => e as ToolJobError);

describe('runToolJob', () => {
  it('resolves with the result and passes progress on', async () => {
    const t = tool('ok', `process.on('message', () => { process.send({ type: 'progress', done: 1, total: 2, correct: 1, samples: 1 });
      process.send({ type: 'result', value: { answer: 42 } }, () => process.exit(0)); });`);
    const seen: number[] = [];
    const r = await runToolJob<{ answer: number }>(JOB, { what: 'the job', spawn: t.spawn, entry: t.entry, onProgress: (p) => seen.push(p.done) });
    expect(r).toEqual({ answer: 42 });
    expect(seen).toEqual([1]);
  });

  it('a tool error keeps its code', async () => {
    const t = tool('err', `process.on('message', () => process.send({ type: 'error', message: 'bad model', code: 'invalid_argument' }, () => process.exit(0)));`);
    const e = await failureOf(runToolJob(JOB, { what: 'the job', spawn: t.spawn, entry: t.entry }));
    expect(e).toMatchObject({ code: 'invalid_argument', message: 'bad model' });
  });

  it('an abort in the tool (SIGABRT, as GGML_ASSERT raises) is a typed error here, not the end of this process', async () => {
    const t = tool('abort', `process.on('message', () => process.abort());`);
    const e = await failureOf(runToolJob(JOB, { what: 'the evaluation', spawn: t.spawn, entry: t.entry }));
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/the evaluation process ended unexpectedly \(SIGABRT\); the model, adapter or checkpoint may be damaged/);
  });

  it('a tool that sends nothing (blocked, ignoring SIGTERM) is killed with its group after the idle limit', async () => {
    const t = tool('hung', `process.on('SIGTERM', () => {}); process.on('message', () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });`);
    const t0 = performance.now();
    const e = await failureOf(runToolJob(JOB, { what: 'the evaluation', spawn: t.spawn, entry: t.entry, idleTimeoutMs: 1500 }));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/sent nothing for 2 s and was stopped/);
    expect(alive(t.pid())).toBe(false);
  });

  it('cancel asks the tool to stop; one that ignores it is killed after the grace period', async () => {
    const t = tool('deaf', `process.on('message', () => {}); setInterval(() => process.send({ type: 'progress', done: 0, total: null, correct: 0, samples: 0 }), 100);`);
    const ac = new AbortController();
    const p = failureOf(runToolJob(JOB, { what: 'the evaluation', spawn: t.spawn, entry: t.entry, signal: ac.signal, stopGraceMs: 500 }));
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const e = await p;
    expect(e.message).toMatch(/ended unexpectedly \(SIGKILL\)/);
    expect(alive(t.pid())).toBe(false);
  });
});
