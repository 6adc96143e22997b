/**
 * Web mode: POST /api/<method> with the per-launch token as a Bearer header,
 * and pushed events over one WebSocket (/api/events) that reconnects with
 * backoff while anyone is listening. A 401 calls `onUnauthorized` so the app
 * can explain how to get a valid URL instead of failing call by call.
 */
import {
  API_EVENT_NAMES, WEB_EVENTS_PROTOCOL, WEB_TOKEN_PROTOCOL_PREFIX,
  type ApiEventName, type ApiMethodName, type ApiResult,
} from '../../main/api/contract/index.js';
import type { Transport } from './createClient.js';

export interface WebTransportOptions {
  token: string;
  onUnauthorized: (message: string) => void;
}

export function webTransport(opts: WebTransportOptions): Transport {
  const listeners = new Map<ApiEventName, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let retryMs = 500;
  let unauthorized = false;
  // The socket opens only after a call has proved the token good, so a stale link
  // fails once (with the explanation screen) instead of also retrying a refused socket.
  let tokenAccepted = false;

  async function call(method: ApiMethodName, args: unknown): Promise<ApiResult<unknown>> {
    let res: Response;
    try {
      res = await fetch(`./api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${opts.token}` },
        body: JSON.stringify(args ?? {}),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      return { ok: false, error: { code: 'unavailable', message: 'Cannot reach the workbench server. Is `npm run web` still running?' } };
    }
    const body = (await res.json().catch(() => null)) as ApiResult<unknown> | null;
    if (res.status === 401) {
      unauthorized = true;
      opts.onUnauthorized(body && !body.ok ? body.error.message : 'Unauthorized');
    }
    if (res.ok && !tokenAccepted) {
      tokenAccepted = true;
      connect();
    }
    if (body && typeof body === 'object' && 'ok' in body) return body;
    return { ok: false, error: { code: 'internal', message: `The server answered ${res.status} without a result.` } };
  }

  function connect(): void {
    if (socket || unauthorized || !tokenAccepted || listeners.size === 0) return;
    const url = new URL('./api/events', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    const ws = new WebSocket(url, [WEB_EVENTS_PROTOCOL, WEB_TOKEN_PROTOCOL_PREFIX + opts.token]);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
    };
    ws.onmessage = (msg) => {
      let data: { event?: unknown; payload?: unknown };
      try {
        data = JSON.parse(String(msg.data)) as typeof data;
      } catch {
        return;
      }
      if (typeof data.event !== 'string' || !(API_EVENT_NAMES as readonly string[]).includes(data.event)) return;
      for (const l of listeners.get(data.event as ApiEventName) ?? []) l(data.payload);
    };
    ws.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }

  function subscribe(event: ApiEventName, listener: (payload: unknown) => void): () => void {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    connect();
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(event);
      if (listeners.size === 0) socket?.close();
    };
  }

  return { call, subscribe };
}
