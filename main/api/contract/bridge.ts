/**
 * What the Electron preload exposes on `window.clipo` (added by the app shell;
 * the existing contract shapes are unchanged). Calls resolve to ApiResult
 * rather than throwing, because errors crossing contextBridge lose their class
 * and fields; the renderer's client turns `{ok:false}` into an ApiError.
 */
import type { ApiResult } from './errors.js';
import type { ApiArgs, ApiEventName, ApiEvents, ApiMethodName, ApiReturn } from './methods.js';

export type ApiBridge = {
  [M in ApiMethodName]: (args: ApiArgs<M>) => Promise<ApiResult<ApiReturn<M>>>;
} & {
  /** Subscribes to a pushed event; throws on an unknown event name. Returns the unsubscribe function. */
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
};

/** The global the preload defines: `window.clipo`. */
export const BRIDGE_GLOBAL = 'clipo';
/** IPC channel of a method: `clipo:runs.list`. */
export const ipcChannel = (method: ApiMethodName): string => `clipo:${method}`;
/** The one channel pushed events travel on, as `{event, payload}`. */
export const IPC_EVENT_CHANNEL = 'clipo:event';

/** Web mode: WebSocket subprotocols of GET /api/events. Browsers cannot set an
 *  Authorization header on a WebSocket, so the token rides in a subprotocol
 *  (never the URL, which ends up in logs); the server answers with the events one. */
export const WEB_EVENTS_PROTOCOL = 'clipo-events.v1';
export const WEB_TOKEN_PROTOCOL_PREFIX = 'clipo-token.';
