/**
 * One IPC method's handler in the Electron main process: only our own page
 * (app://, not a frame or a page navigated elsewhere) may call, and every
 * call goes through the router (validation, typed errors) like HTTP.
 */
import type { ApiMethodName, ApiResult } from '../api/contract/index.js';
import type { ApiRouter } from '../api/router.js';

export interface IpcEventLike { senderFrame?: { url: string } | null }

export function ipcHandler(route: ApiRouter, method: ApiMethodName, isOurPage: (url: string) => boolean) {
  return (event: IpcEventLike, args: unknown): Promise<ApiResult<unknown>> | ApiResult<unknown> => {
    if (!isOurPage(event.senderFrame?.url ?? '')) {
      return { ok: false, error: { code: 'unauthorized', message: 'IPC from an unexpected page' } };
    }
    return route(method, args);
  };
}
