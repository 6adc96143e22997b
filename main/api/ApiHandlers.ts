/**
 * What a transport needs from the app: one async function per API method.
 * Both transports (Electron IPC, web mode) wrap the same object with
 * createRouter, so validation and error mapping cannot differ between them.
 */
import type { ApiArgs, ApiMethodName, ApiReturn } from './contract/index.js';

export type ApiHandlers = {
  [M in ApiMethodName]: (args: ApiArgs<M>) => Promise<ApiReturn<M>>;
};
