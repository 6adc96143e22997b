/**
 * The web server survives what a client holding the token can send (issue 16):
 * malformed WebSocket frames (over 64 KiB, invalid UTF-8, a reserved opcode)
 * used to crash it (no error listener on the socket), and datasets.preview of
 * /dev/zero or of a file with one enormous line ran readline into a RangeError.
 * The server runs in a child process so a crash shows as its exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_MAX_ROW_BYTES as MAX_LINE_BYTES } from '../../main/data/readRecords.js';
import { call, frame, rawWebSocket, startServerChild, type ServerChild } from './webServerChild.js';

const dir = mkdtempSync(join(tmpdir(), 'web-hostile-'));
let s: ServerChild;
beforeAll(async () => { s = await startServerChild(join(dir, 'data')); });
afterAll(async () => { await s?.stop(); rmSync(dir, { recursive: true, force: true }); });

const stillServes = async () => {
  expect(s.exited(), 'the server died').toBeNull();
  expect(await call(s, 'app.info', {})).toMatchObject({ ok: true });
};
const closed = (sock: import('node:net').Socket, ms = 5000) => new Promise<boolean>((r) => {
  const t = setTimeout(() => r(false), ms);
  sock.on('close', () => { clearTimeout(t); r(true); });
  sock.on('error', () => undefined);
  sock.resume();
});

describe('bad WebSocket frames close that socket only', () => {
  it('a message over 64 KiB', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/events`, ['clipo-events.v1', `clipo-token.${s.token}`]);
    await new Promise<void>((r, j) => { ws.on('open', () => r()); ws.on('error', j); });
    const code = await new Promise<number>((r) => { ws.on('close', (c) => r(c)); ws.on('error', () => undefined); ws.send(Buffer.alloc(70 * 1024, 0x61)); });
    expect(code).toBe(1009); // RFC 6455 7.4.1: message too big
    await stillServes();
  });

  it('a text frame that is not UTF-8', async () => {
    const sock = await rawWebSocket(s);
    sock.write(frame(0x1, Buffer.from([0xc3, 0x28, 0xff, 0xfe])));
    expect(await closed(sock)).toBe(true);
    await stillServes();
  });

  it('a reserved opcode, and a frame with reserved bits set', async () => {
    const a = await rawWebSocket(s);
    a.write(frame(0x3, Buffer.from('x')));
    expect(await closed(a)).toBe(true);
    const b = await rawWebSocket(s);
    const f = frame(0x1, Buffer.from('hi'));
    f[0] = f[0]! | 0x40; // RSV1 without a negotiated extension
    b.write(f);
    expect(await closed(b)).toBe(true);
    await stillServes();
  });
});

describe('datasets.preview reads are bounded', () => {
  const jsonl = (path: string) => ({ source: { kind: 'jsonl', path, fields: { question: 'q', answer: 'a' } } });

  it('/dev/zero, a folder and a FIFO are refused at once with invalid_argument', async () => {
    const fifo = join(dir, 'pipe.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const p of ['/dev/zero', dir, fifo]) {
      const t0 = Date.now();
      const r = await call(s, 'datasets.preview', jsonl(p), 10_000);
      expect(Date.now() - t0, p).toBeLessThan(5000);
      expect(r.error?.code, `${p}: ${r.error?.message}`).toBe('invalid_argument');
      expect(r.error?.message).toMatch(/folder|not a regular file/);
    }
    await stillServes();
  });

  it(`a line over ${MAX_LINE_BYTES} bytes is reported as too long; the other rows import`, async () => {
    const p = join(dir, 'long-line.jsonl');
    const fd = openSync(p, 'w');
    writeSync(fd, JSON.stringify({ q: 'first', a: '1' }) + '\n');
    writeSync(fd, '{"q":"');
    const chunk = Buffer.alloc(1 << 20, 0x78);
    for (let i = 0; i < Math.ceil((MAX_LINE_BYTES * 3) / chunk.length); i++) writeSync(fd, chunk);
    writeSync(fd, '","a":"2"}\n');
    writeSync(fd, JSON.stringify({ q: 'third', a: '3' }) + '\n');
    writeSync(fd, Buffer.from([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a])); // {"q":"\xff"} invalid UTF-8
    closeSync(fd);
    const r = await call(s, 'datasets.preview', jsonl(p));
    expect(r.ok, r.error?.message).toBe(true);
    const v = r.value as { total: number; rows: { question: string }[]; malformed: { line: number; reason: string }[] };
    expect(v.rows.map((x) => x.question)).toEqual(['first', 'third']);
    expect(v.malformed).toEqual([
      { line: 2, reason: expect.stringMatching(/^too-long: line is \d+ MB, over the 8 MB limit/) },
      { line: 4, reason: expect.stringMatching(/^invalid-utf8/) },
    ]);
    writeFileSync(p, '');
    await stillServes();
  });
});
