// Inspecting a file the user chose happens in a child process (issue 16): a
// FIFO is refused before any blocking open, and a child that does not answer is
// cut off after the timeout instead of blocking the caller's event loop; a header asking for a billion array entries fails
// in the child's bounded heap; a good file gives the same summary as in-process.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufError, inspectGguf, inspectGgufIsolated, writeTinyModel } from '../../main/models/gguf/index.js';

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
    const p = join(dir, 'huge-array.gguf');
    // GGUF v3, 0 tensors, 1 kv: key "a", type array (9) of u8 (0), count 2^30, backed by a sparse 1 GiB file.
    const h = Buffer.alloc(4 + 4 + 8 + 8 + 8 + 1 + 4 + 4 + 8);
    let o = 0;
    o = h.writeUInt32LE(0x46554747, o); o = h.writeUInt32LE(3, o);
    o = h.writeBigUInt64LE(0n, o); o = h.writeBigUInt64LE(1n, o);
    o = h.writeBigUInt64LE(1n, o); o = h.write('a', o);
    o = h.writeUInt32LE(9, o); o = h.writeUInt32LE(0, o); h.writeBigUInt64LE(BigInt(2 ** 30), o);
    const fd = openSync(p, 'w');
    writeSync(fd, h);
    closeSync(fd);
    execFileSync('truncate', ['-s', String(2 ** 30 + 64), p]);
    const err = await inspectGgufIsolated(p, { timeoutMs: 20_000, maxHeapMb: 128 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(GgufError);
    expect((err as GgufError).code).toBe('E_FORMAT');
  }, 30_000);
});
