// Inspecting a file the user chose happens in a child process (issue 16): a
// FIFO is refused before any blocking open, and a child that does not answer is
// cut off after the timeout instead of blocking the caller's event loop; a header asking for a billion array entries fails
// in the child's bounded heap; a good file gives the same summary as in-process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufError, inspectGguf, inspectGgufIsolated, writeTinyModel } from '../../main/models/gguf/index.js';
import { forkToolSpawner } from '../../main/services/toolSpawner.js';
import { hugeArrayGguf } from './craftedGguf.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-isolated-'));


describe('inspectGgufIsolated', () => {
  it('gives the in-process summary for a good file', async () => {
    const p = join(dir, 'tiny.gguf');
    writeTinyModel(p, { arch: 'qwen2', seed: 1 });
    expect(await inspectGgufIsolated(p)).toEqual(inspectGguf(p));
  });

  it('a FIFO is refused at once, without blocking this process (the reader opens O_NONBLOCK and checks the file type)', async () => {
    const fifo = join(dir, 'model.gguf');
    execFileSync('mkfifo', [fifo]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const t0 = performance.now();
    const err = await inspectGgufIsolated(fifo, { timeoutMs: 20_000 }).then(() => null, (e: unknown) => e);
    clearInterval(timer);
    expect(err).toBeInstanceOf(GgufError);
    expect((err as GgufError).message).toMatch(/not a regular file/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('a child that does not answer in time is killed and the call fails with E_IO', async () => {
    const p = join(dir, 'slow.gguf');
    writeTinyModel(p, { arch: 'qwen2', seed: 2 });
    // 1 ms: no child process can start, read and answer in that time, so the timeout path runs.
    const err = await inspectGgufIsolated(p, { timeoutMs: 1 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(GgufError);
    expect((err as GgufError).code).toBe('E_IO');
    expect((err as GgufError).message).toMatch(/did not finish in/);
  });

  it('a header that asks for a billion array entries fails in the child, not here', async () => {
    const p = hugeArrayGguf(join(dir, 'huge-array.gguf'));
    const err = await inspectGgufIsolated(p, { timeoutMs: 20_000, maxHeapMb: 128 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(GgufError);
    expect((err as GgufError).code).toBe('E_FORMAT');
  }, 30_000);

  // Electron: the RunAsNode fuse is off, so the child cannot be process.execPath run as Node; the app passes
  // its utilityProcess spawner. Here the same path runs with child_process.fork (a TrainerSpawner too).
  describe('through a spawner (the Electron path)', () => {
    it('gives the in-process summary for a good file', async () => {
      const p = join(dir, 'tiny-spawn.gguf');
      writeTinyModel(p, { arch: 'llama', seed: 3 });
      expect(await inspectGgufIsolated(p, { spawn: forkToolSpawner() })).toEqual(inspectGguf(p));
    });
    it('a non-GGUF file, a FIFO and a timeout are typed GgufErrors', async () => {
      const txt = join(dir, 'notes.gguf');
      writeFileSync(txt, 'not a model\n');
      const e1 = await inspectGgufIsolated(txt, { spawn: forkToolSpawner() }).then(() => null, (e: unknown) => e);
      expect(e1).toBeInstanceOf(GgufError);
      expect((e1 as GgufError).code).toBe('E_FORMAT');
      const fifo = join(dir, 'spawn-fifo.gguf');
      execFileSync('mkfifo', [fifo]);
      const e2 = await inspectGgufIsolated(fifo, { spawn: forkToolSpawner() }).then(() => null, (e: unknown) => e);
      expect((e2 as GgufError).message).toMatch(/not a regular file/);
      const e3 = await inspectGgufIsolated(txt, { spawn: forkToolSpawner(), timeoutMs: 1 }).then(() => null, (e: unknown) => e);
      expect(e3).toBeInstanceOf(GgufError);
      expect((e3 as GgufError).message).toMatch(/did not finish in/);
    });
    it('under Electron without a spawner it refuses instead of running process.execPath (which would start the app again)', async () => {
      const versions = process.versions as Record<string, string>;
      versions.electron = '39.0.0';
      try {
        const e = await inspectGgufIsolated(join(dir, 'tiny-spawn.gguf')).then(() => null, (x: unknown) => x);
        expect((e as Error).message).toMatch(/needs a utilityProcess spawner/);
      } finally {
        delete versions.electron;
      }
    });
  });
});
