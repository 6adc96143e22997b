/**
 * Builds the typed ApiClient from a transport's `call` and `subscribe`:
 * one function per contract method, each rejecting with ApiError on failure.
 */
import {
  API_METHOD_NAMES, ApiError, type ApiClient, type ApiEventName, type ApiEvents, type ApiMethodName, type ApiResult,
} from '../../main/api/contract/index.js';

export interface Transport {
  call(method: ApiMethodName, args: unknown): Promise<ApiResult<unknown>>;
  subscribe(event: ApiEventName, listener: (payload: unknown) => void): () => void;
}

export function createClient(transport: Transport): ApiClient {
  const client: Record<string, unknown> = {};
  for (const method of API_METHOD_NAMES) {
    client[method] = async (args: unknown) => {
      const result = await transport.call(method, args ?? {});
      if (!result.ok) throw new ApiError(result.error);
      return result.value;
    };
  }
  client.on = <E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void) =>
    transport.subscribe(event, listener as (payload: unknown) => void);
  return client as ApiClient;
}
