/**
 * Who may talk to the web-mode server. It listens on 127.0.0.1 only, but any
 * web page the user visits can still send requests to localhost, so every
 * API and WebSocket request must pass three checks:
 *  - Host is 127.0.0.1:<port> or localhost:<port> (defeats DNS rebinding,
 *    where evil.example resolves to 127.0.0.1 and becomes "same-origin");
 *  - Origin, when sent, is our own (browsers always send it on fetch POST
 *    and WebSocket, so a foreign page is refused even before the token);
 *  - the per-launch token matches (constant-time compare).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WEB_EVENTS_PROTOCOL, WEB_TOKEN_PROTOCOL_PREFIX } from '../api/contract/index.js';

export type GuardVerdict = { ok: true } | { ok: false; status: 401 | 403 | 421; message: string };

export const TOKEN_PROTOCOL_PREFIX = WEB_TOKEN_PROTOCOL_PREFIX;
export const EVENTS_PROTOCOL = WEB_EVENTS_PROTOCOL;

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

export function checkHost(req: IncomingMessage, port: number): GuardVerdict {
  const host = (req.headers.host ?? '').toLowerCase();
  if (allowedHosts(port).includes(host)) return { ok: true };
  return { ok: false, status: 421, message: `Refused: unexpected Host header; open http://127.0.0.1:${port}/ instead.` };
}

export function checkOrigin(req: IncomingMessage, port: number): GuardVerdict {
  const origin = req.headers.origin;
  if (origin === undefined || allowedOrigins(port).includes(origin.toLowerCase())) return { ok: true };
  return { ok: false, status: 403, message: 'Refused: requests from other web sites are not allowed.' };
}

/** The token from `Authorization: Bearer` (HTTP) or a `clipo-token.<token>` subprotocol (WebSocket). */
export function presentedToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols) {
    for (const p of protocols.split(',').map((s) => s.trim())) {
      if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) return p.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

export function checkToken(req: IncomingMessage, token: string): GuardVerdict {
  const given = presentedToken(req);
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(token);
  if (given !== null && a.length === b.length && timingSafeEqual(a, b)) return { ok: true };
  return {
    ok: false,
    status: 401,
    message: 'Missing or wrong access token: open the URL printed by `npm run web` (it ends in #token=...).',
  };
}

/** All three checks in order: Host, then Origin, then token. */
export function guardApiRequest(req: IncomingMessage, port: number, token: string): GuardVerdict {
  for (const verdict of [checkHost(req, port), checkOrigin(req, port)]) {
    if (!verdict.ok) return verdict;
  }
  return checkToken(req, token);
}
