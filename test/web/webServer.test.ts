// Web-mode security: the server is reachable by every page the user visits
// (localhost), so each refusal path is tested with raw HTTP requests whose
// Host/Origin headers we control (fetch would not let us set them).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiEventBus } from '../../main/api/ApiEventBus.js';
import { createAppService } from '../../main/services/appService.js';
import { createHandlers } from '../../main/services/createHandlers.js';
import { createSettingsService } from '../../main/services/settingsService.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { startWebServer, type WebServer } from '../../main/web/startWebServer.js';
import { parsePort } from '../../main/web/parsePort.js';
import { openCommand, shouldOpen } from '../../main/web/openBrowser.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

let server: WebServer;
let dir: string;
const events = new ApiEventBus();

function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${server.port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });
const call = (method: string, args: unknown, headers: Record<string, string> = auth()): Promise<Reply> =>
  send(`/api/${method}`, { method: 'POST', headers, body: JSON.stringify(args) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clipo-web-'));
  const staticDir = join(dir, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  const dataDir = join(dir, 'data');
  // Only app + settings: the other areas stay `unavailable` whatever gets wired into the defaults later.
  const handlers = createHandlers({
    app: createAppService({ mode: 'web', dataDir, appRoot: findAppRoot() }),
    settings: createSettingsService(dataDir),
  });
  server = await startWebServer({ port: 0, dataDir, handlers, events, staticDir });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('web server: API access control', () => {
  it('prints a 127.0.0.1 URL carrying a long random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers a valid call', async () => {
    const r = await call('app.info', {});
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: { mode: 'web', version: expect.any(String) } });
  });

  it('round-trips settings through the data dir', async () => {
    expect(JSON.parse((await call('settings.set', { theme: 'dark' })).body)).toMatchObject({ ok: true, value: { theme: 'dark' } });
    expect(JSON.parse((await call('settings.get', {})).body)).toMatchObject({ ok: true, value: { theme: 'dark' } });
  });

  it('refuses a missing token with 401', async () => {
    const r = await call('app.info', {}, { 'Content-Type': 'application/json' });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringContaining('npm run web') } });
  });

  it('refuses a wrong token (same length and different length) with 401', async () => {
    const wrong = server.token.replace(/./, (c) => (c === 'a' ? 'b' : 'a'));
    expect((await call('app.info', {}, { ...auth(), Authorization: `Bearer ${wrong}` })).status).toBe(401);
    expect((await call('app.info', {}, { ...auth(), Authorization: 'Bearer x' })).status).toBe(401);
    expect((await call('app.info', {}, { ...auth(), Authorization: server.token })).status).toBe(401);
  });

  it('refuses a foreign Origin with 403, even with the token', async () => {
    const r = await call('app.info', {}, { ...auth(), Origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect((await call('app.info', {}, { ...auth(), Origin: 'null' })).status).toBe(403);
    expect((await call('app.info', {}, { ...auth(), Origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
    expect((await call('app.info', {}, { ...auth(), Origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) for API and static files', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`]) {
      expect((await call('app.info', {}, { ...auth(), Host: host })).status).toBe(421);
      expect((await send('/', { headers: { Host: host } })).status).toBe(421);
    }
    expect((await call('app.info', {}, { ...auth(), Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('answers API errors as 200 + typed body, transport errors with HTTP statuses', async () => {
    const unknown = await call('runs.nope', {});
    expect(unknown.status).toBe(200);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const bad = await call('settings.set', { theme: 'purple' });
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_argument', field: 'theme' } });
    expect(JSON.parse((await call('runs.list', {})).body)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect((await send('/api/app.info', { method: 'POST', headers: auth(), body: '{oops' })).status).toBe(400);
    expect((await send('/api/app.info', { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await send('/api/app.info', { headers: auth() })).status).toBe(405);
    expect((await send('/api/app.info', { method: 'POST', headers: auth(), body: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);
  });
});

describe('web server: static files', () => {
  it('serves the renderer without a token, with strict security headers', async () => {
    const r = await send('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect((await send('/assets/app.js')).headers['content-type']).toContain('text/javascript');
  });

  it('puts the security headers on API replies too', async () => {
    const r = await call('app.info', {});
    expect(r.headers['content-security-policy']).toBeDefined();
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('refuses path traversal in every spelling', async () => {
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt', '/..%5csecret.txt', '/assets/..\\..\\secret.txt', '/%00', '/%E0%A4%A', '/etc/passwd']) {
      const r = await send(p);
      expect([400, 404], p).toContain(r.status);
      expect(r.body, p).not.toContain('SECRET');
    }
  });

  it('answers 404 for missing files and 405 for writes', async () => {
    expect((await send('/nope.js')).status).toBe(404);
    expect((await send('/', { method: 'POST' })).status).toBe(405);
  });
});

describe('web server: events WebSocket', () => {
  const wsUrl = (): string => `ws://127.0.0.1:${server.port}/api/events`;
  const protocols = (token: string): string[] => ['clipo-events.v1', `clipo-token.${token}`];

  function refusedStatus(ws: WebSocket): Promise<number> {
    return new Promise((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
  }

  it('pushes events to an authorised client', async () => {
    const ws = new WebSocket(wsUrl(), protocols(server.token), { origin: `http://127.0.0.1:${server.port}` });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('clipo-events.v1');
    const message = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    events.emit('run.status', { runId: 'r1', status: 'running', error: null });
    expect(JSON.parse(await message)).toEqual({ event: 'run.status', payload: { runId: 'r1', status: 'running', error: null } });
    ws.close();
  });

  it('refuses a missing or wrong token, a foreign Origin and a foreign Host', async () => {
    expect(await refusedStatus(new WebSocket(wsUrl(), ['clipo-events.v1']))).toBe(401);
    expect(await refusedStatus(new WebSocket(wsUrl(), protocols('0'.repeat(64))))).toBe(401);
    expect(await refusedStatus(new WebSocket(wsUrl(), protocols(server.token), { origin: 'https://evil.example' }))).toBe(403);
    expect(await refusedStatus(new WebSocket(wsUrl(), protocols(server.token), { headers: { Host: 'evil.example' } }))).toBe(421);
  });
});

describe('startWebServer defaults', () => {
  it('serves the default services over dataDir when no handlers are given', async () => {
    const dataDir = join(dir, 'defaults');
    const s = await startWebServer({ port: 0, dataDir });
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/api/app.info`, {
        method: 'POST', headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, body: '{}',
      });
      expect(await res.json()).toMatchObject({ ok: true, value: { mode: 'web', dataDir } });
      expect(s.token).not.toBe(server.token); // a fresh token per launch
    } finally {
      await s.close();
    }
  });
});

describe('parsePort', () => {
  it('reads --port, then CLIPO_PORT, else 5317', () => {
    expect(parsePort(['--port', '0'], {})).toBe(0);
    expect(parsePort(['--port=8080'], { CLIPO_PORT: '1' })).toBe(8080);
    expect(parsePort([], { CLIPO_PORT: '9000' })).toBe(9000);
    expect(parsePort([], {})).toBe(5317);
    expect(() => parsePort(['--port', 'abc'], {})).toThrow(/Invalid port/);
  });
});

describe('npm run web opens the browser', () => {
  it('on the tokenised URL unless --no-open or CLIPO_NO_OPEN=1', () => {
    expect(shouldOpen([], {})).toBe(true);
    expect(shouldOpen(['--port', '0', '--no-open'], {})).toBe(false);
    expect(shouldOpen([], { CLIPO_NO_OPEN: '1' })).toBe(false);
    const url = 'http://127.0.0.1:5317/#token=ab&x=1';
    expect(openCommand(url, 'linux')).toEqual({ cmd: 'xdg-open', args: [url] });
    expect(openCommand(url, 'darwin')).toEqual({ cmd: 'open', args: [url] });
    expect(openCommand(url, 'win32').args.at(-1)).toBe('http://127.0.0.1:5317/#token=ab^&x=1');
  });
});
