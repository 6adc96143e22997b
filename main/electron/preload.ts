/**
 * The sandboxed preload: exposes `window.clipo`, one function per API method
 * (each bound to its own IPC channel) plus `on(event, cb)`. No ipcRenderer,
 * no generic `invoke(channel)`: the renderer can reach exactly the contract.
 * Bundled by esbuild into a single CommonJS file (sandboxed preloads cannot
 * load other modules): dist/main/electron/preload.cjs.
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  API_EVENT_NAMES, API_METHOD_NAMES, BRIDGE_GLOBAL, IPC_EVENT_CHANNEL, ipcChannel,
  type ApiBridge, type ApiEventName, type ApiMethodName, type ApiResult,
} from '../api/contract/index.js';

type Listener = (payload: unknown) => void;
const listeners = new Map<ApiEventName, Set<Listener>>();
const eventNames: ReadonlySet<string> = new Set(API_EVENT_NAMES);

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, message: { event?: unknown; payload?: unknown }) => {
  if (typeof message?.event !== 'string' || !eventNames.has(message.event)) return;
  for (const listener of listeners.get(message.event as ApiEventName) ?? []) {
    try {
      listener(message.payload);
    } catch (err) {
      console.error(`clipo: a listener for ${message.event} threw`, err);
    }
  }
});

function method(name: ApiMethodName): (args: unknown) => Promise<ApiResult<unknown>> {
  const channel = ipcChannel(name);
  // Each exposed function is its own closure over one fixed channel.
  return (args) => ipcRenderer.invoke(channel, args ?? {}) as Promise<ApiResult<unknown>>;
}

const bridge: Record<string, unknown> = {};
for (const name of API_METHOD_NAMES) bridge[name] = method(name);
bridge.on = (event: string, listener: Listener): (() => void) => {
  if (!eventNames.has(event)) throw new Error(`Unknown event "${event}"; known: ${API_EVENT_NAMES.join(', ')}`);
  if (typeof listener !== 'function') throw new Error('on(event, listener): listener must be a function');
  const set = listeners.get(event as ApiEventName) ?? new Set<Listener>();
  listeners.set(event as ApiEventName, set);
  set.add(listener);
  return () => {
    set.delete(listener);
  };
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge as ApiBridge);
