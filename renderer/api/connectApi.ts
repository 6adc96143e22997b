/**
 * Picks the transport: the Electron preload's bridge when present, otherwise
 * web mode (fetch + WebSocket), which needs the token from the printed URL.
 */
import type { ApiBridge, ApiClient } from '../../main/api/contract/index.js';
import { createClient } from './createClient.js';
import { ipcTransport } from './ipcTransport.js';
import { webTransport } from './webTransport.js';
import { takeWebToken } from './webToken.js';

export type Connection =
  | { kind: 'ready'; mode: 'electron' | 'web'; client: ApiClient }
  | { kind: 'no-token' };

export function connectApi(onUnauthorized: (message: string) => void): Connection {
  const bridge = (window as unknown as { clipo?: ApiBridge }).clipo;
  if (bridge) return { kind: 'ready', mode: 'electron', client: createClient(ipcTransport(bridge)) };
  const token = takeWebToken();
  if (!token) return { kind: 'no-token' };
  return { kind: 'ready', mode: 'web', client: createClient(webTransport({ token, onUnauthorized })) };
}
