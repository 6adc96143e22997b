/**
 * Web mode: the renderer and the API over HTTP + WebSocket on 127.0.0.1.
 *  - GET /...                  the built renderer (no token; static files only)
 *  - POST /api/<method>        JSON body = args, JSON reply = ApiResult
 *  - GET /api/events (upgrade) WebSocket of `{event, payload}` messages
 * API and WebSocket requests pass requestGuard (Host, Origin, token). The
 * token is random per launch and travels in the URL fragment, which browsers
 * never send to the server or put in Referer headers.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorBody, ApiErrorCode, ApiResult } from '../api/contract/index.js';
import type { ApiHandlers } from '../api/ApiHandlers.js';
import { ApiEventBus } from '../api/ApiEventBus.js';
import { createRouter, type ApiRouter } from '../api/router.js';
import { createDefaultServices } from '../services/createDefaultServices.js';
import { findAppRoot } from '../services/findAppRoot.js';
import { contentSecurityPolicy } from './contentSecurityPolicy.js';
import { EVENTS_PROTOCOL, checkHost, guardApiRequest, type GuardVerdict } from './requestGuard.js';
import { serveStatic } from './staticFiles.js';
import { DEFAULT_MAX_UPLOAD_BYTES, UPLOAD_PATH, handleUpload } from './uploadDataset.js';
import { DEFAULT_MAX_MODEL_UPLOAD_BYTES, MODEL_UPLOAD_PATH, handleModelUpload } from './uploadModel.js';
import { EXPORT_DOWNLOAD_PATH, handleExportDownload } from './exportDownload.js';

export interface WebServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  dataDir: string;
  /** The API; when omitted, the default services (createDefaultServices) over `dataDir`. */
  handlers?: ApiHandlers;
  /** Events to push to connected clients; a private bus when omitted. */
  events?: ApiEventBus;
  /** The built renderer; defaults to <app root>/dist/renderer. Static requests 404 when it does not exist. */
  staticDir?: string;
  /** Fixed token for tests; random (32 bytes, hex) otherwise. */
  token?: string;
  /** Largest dataset upload accepted (POST /api/datasets.upload); default 4 GiB. */
  maxUploadBytes?: number;
  /** Largest model upload accepted (POST /api/models.upload); default 32 GiB. */
  maxModelUploadBytes?: number;
  /** Called once per finished HTTP response (a request log; tests use it to see refusals). */
  onResponse?: (entry: { method: string; path: string; status: number; origin: string | null }) => void;
}

export interface WebServer {
  port: number;
  token: string;
  /** http://127.0.0.1:<port>/#token=<token>: the URL to open. */
  url: string;
  events: ApiEventBus;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const HOST = '127.0.0.1';

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const events = opts.events ?? new ApiEventBus();
  const appRoot = findAppRoot();
  const services = opts.handlers ? null : createDefaultServices({ mode: 'web', dataDir: opts.dataDir, appRoot, events });
  const handlers = opts.handlers ?? services!.handlers;
  const staticDir = opts.staticDir ?? join(appRoot, 'dist', 'renderer');
  const route = createRouter(handlers);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    // Echo our protocol, never the token-bearing one.
    handleProtocols: (protocols) => (protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false),
  });
  let port = opts.port;
  let headers: Record<string, string> = {};

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (opts.onResponse) {
      const log = opts.onResponse;
      res.on('finish', () => log({
        method: req.method ?? '', path: (req.url ?? '').split('?', 1)[0] ?? '', status: res.statusCode,
        origin: req.headers.origin ?? null,
      }));
    }
    handleRequest(req, res, { port, token, route, staticDir, dataDir: opts.dataDir, maxUploadBytes: opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES, maxModelUploadBytes: opts.maxModelUploadBytes ?? DEFAULT_MAX_MODEL_UPLOAD_BYTES }).catch((err) => {
      console.error('[web] request failed:', err);
      if (!res.headersSent) sendJson(res, 500, failure('internal', 'The server failed to answer; see its log.'));
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket) => {
    // A raw socket with no 'error' listener throws its error (ECONNRESET mid-handshake) out of the
    // event loop and takes the process, Electron's main included, down.
    socket.on('error', () => socket.destroy());
    const verdict = checkUpgrade(req, port, token);
    if (!verdict.ok) return refuseUpgrade(socket, verdict);
    wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => wss.emit('connection', ws, req));
  });
  // Ignore what clients send: the socket is push-only. ws reports a bad frame (over maxPayload,
  // invalid UTF-8, a reserved opcode or RSV bit: RFC 6455 5.2/8.1) as an 'error' event on that
  // client, after closing it with the right code; unheard, that event would crash the server.
  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('message', () => undefined);
  });
  wss.on('error', (err) => console.error('[web] WebSocket server error:', err));
  const unsubscribe = events.onAny((event, payload) => {
    const message = JSON.stringify({ event, payload });
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(message);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  headers = securityHeaders(port);

  return {
    port,
    token,
    url: `http://${HOST}:${port}/#token=${token}`,
    events,
    async close() {
      unsubscribe();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services?.dispose(); // trainers stop after their current step (checkpointed); the store closes
    },
  };
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}

interface RequestContext { port: number; token: string; route: ApiRouter; staticDir: string; dataDir: string; maxUploadBytes: number; maxModelUploadBytes: number }

async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const host = checkHost(req, ctx.port);
  if (!host.ok) return refuse(res, host);
  const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
  if (path !== '/api' && !path.startsWith('/api/')) return serveStatic(ctx.staticDir, req, res, path);

  res.setHeader('Cache-Control', 'no-store');
  const verdict = guardApiRequest(req, ctx.port, ctx.token);
  if (!verdict.ok) return refuse(res, verdict);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendJson(res, 405, failure('invalid_argument', 'API calls are POST /api/<method> with a JSON body.'));
  }
  if (path === UPLOAD_PATH || path === MODEL_UPLOAD_PATH) {
    const r = path === UPLOAD_PATH
      ? await handleUpload(req, { dataDir: ctx.dataDir, route: ctx.route, maxBytes: ctx.maxUploadBytes })
      : await handleModelUpload(req, { dataDir: ctx.dataDir, route: ctx.route, maxBytes: ctx.maxModelUploadBytes });
    if (r.close) {
      res.setHeader('Connection', 'close');
      res.on('finish', () => req.destroy());
    }
    return sendJson(res, r.status, r.body);
  }
  // Requiring JSON also rules out HTML form posts, which cannot set this type.
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    return sendJson(res, 415, failure('invalid_argument', 'Send the arguments as application/json.'));
  }
  const body = await readBody(req);
  if (body === null) return sendJson(res, 413, failure('invalid_argument', 'The request body is too large.'));
  let args: unknown;
  try {
    args = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(res, 400, failure('invalid_argument', 'The request body is not valid JSON.'));
  }
  // The API's own outcomes (including typed errors) are 200 + ApiResult: HTTP statuses are
  // kept for transport problems (auth, bad JSON), so expected failures such as `unavailable`
  // do not show up as network errors in the browser console.
  if (path === EXPORT_DOWNLOAD_PATH) return handleExportDownload(args, res, { dataDir: ctx.dataDir, route: ctx.route }, (status, value) => sendJson(res, status, value));
  const result = await ctx.route(decodeMethod(path.slice('/api/'.length)), args);
  sendJson(res, 200, result);
}

function decodeMethod(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function checkUpgrade(req: IncomingMessage, port: number, token: string): GuardVerdict {
  const path = (req.url ?? '').split('?', 1)[0];
  if (path !== '/api/events') return { ok: false, status: 403, message: 'No WebSocket here; use /api/events.' };
  return guardApiRequest(req, port, token);
}

const REASONS = { 401: 'Unauthorized', 403: 'Forbidden', 421: 'Misdirected Request' } as const;

function refuseUpgrade(socket: Duplex, verdict: Exclude<GuardVerdict, { ok: true }>): void {
  const body = verdict.message + '\n';
  socket.end(
    `HTTP/1.1 ${verdict.status} ${REASONS[verdict.status]}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function refuse(res: ServerResponse, verdict: Exclude<GuardVerdict, { ok: true }>): void {
  sendJson(res, verdict.status, failure('unauthorized', verdict.message));
}

function failure(code: ApiErrorCode, message: string): ApiResult<never> {
  const error: ApiErrorBody = { code, message };
  return { ok: false, error };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Reads the whole body, or null once it passes MAX_BODY_BYTES. An oversized
 * body is drained (not cut off) so the client gets the 413 instead of a
 * reset; one far beyond the limit is dropped outright.
 */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > 16 * MAX_BODY_BYTES) req.destroy();
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('close', () => resolve(null));
    req.on('error', reject);
  });
}
