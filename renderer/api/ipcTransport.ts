/** Electron: the preload's `window.clipo` bridge (one function per method). */
import type { ApiBridge, ApiMethodName, ApiResult } from '../../main/api/contract/index.js';
import type { Transport } from './createClient.js';

export function ipcTransport(bridge: ApiBridge): Transport {
  return {
    call: (method: ApiMethodName, args: unknown) =>
      (bridge[method] as (a: unknown) => Promise<ApiResult<unknown>>)(args),
    subscribe: (event, listener) => bridge.on(event, listener),
  };
}
