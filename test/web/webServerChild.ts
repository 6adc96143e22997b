/**
 * The real web server (dist/main/web/serve.js, default services over a fresh
 * data folder) in a child process, so a test can see it die: a crash ends the
 * child instead of the test runner. Raw HTTP and WebSocket helpers talk to it
 * with the token, as a client holding the URL would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';

export interface ServerChild { port: number; token: string; proc: ChildProcess; exited: () => string | null; stop: () => Promise<void> }

export async function startServerChild(dataDir: string): Promise<ServerChild> {
  const entry = resolve('dist/main/web/serve.js');
  if (!existsSync(entry)) throw new Error('run `npm run build` first');
  const proc = spawn(process.execPath, [entry, '--port', '0'], { env: { ...process.env, CLIPO_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let exit: string | null = null;
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  proc.on('exit', (code, signal) => { exit = `exit ${code} ${signal ?? ''}: ${out.slice(-2000)}`; });
  const t0 = Date.now();
  while (!/#token=[0-9a-f]+/.test(out)) {
    if (exit) throw new Error(`server did not start: ${exit}`);
    if (Date.now() - t0 > 20_000) { proc.kill('SIGKILL'); throw new Error(`server did not start in 20 s: ${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = /127\.0\.0\.1:(\d+)\/#token=([0-9a-f]+)/.exec(out)!;
  return {
    port: Number(m[1]), token: m[2]!, proc, exited: () => exit,
    stop: async () => {
      if (exit) return;
      proc.kill('SIGTERM');
      const t = Date.now();
      while (!exit && Date.now() - t < 10_000) await new Promise((r) => setTimeout(r, 50));
      if (!exit) proc.kill('SIGKILL');
    },
  };
}

export interface Reply { status: number; body: string }

/** POST /api/<method> with a raw body string (so tests can send anything), bounded by `timeoutMs`. */
export function post(s: ServerChild, method: string, body: string, timeoutMs = 10_000): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request({
      host: '127.0.0.1', port: s.port, path: `/api/${method}`, method: 'POST', timeout: timeoutMs,
      headers: { Host: `127.0.0.1:${s.port}`, Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export const call = async (s: ServerChild, method: string, args: unknown, timeoutMs?: number) =>
  JSON.parse((await post(s, method, JSON.stringify(args), timeoutMs)).body) as { ok: boolean; value?: unknown; error?: { code: string; message: string; field?: string } };

/** A WebSocket upgrade on a raw socket (so any frame can be written), resolved once the server answers 101. */
export function rawWebSocket(s: ServerChild): Promise<Socket> {
  return new Promise((res, rej) => {
    const sock = connect(s.port, '127.0.0.1');
    let head = '';
    sock.on('error', rej);
    sock.on('data', function onData(c: Buffer) {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) res(sock); else rej(new Error(head.split('\r\n')[0]));
    });
    sock.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Protocol: clipo-events.v1, clipo-token.${s.token}\r\n\r\n`);
  });
}

/** One masked client frame (RFC 6455 §5.2) with any opcode and payload, the mask all zero. */
export function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const header = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff])
      : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(len)); return b; })()]);
  return Buffer.concat([header, Buffer.alloc(4), payload]);
}
