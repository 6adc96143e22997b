/**
 * The one dispatcher both transports call: look the method up, validate the
 * raw (untrusted, JSON-decoded) arguments with its zod schema, run the
 * handler, and turn every outcome into an ApiResult. It never throws, so a
 * bad request can never take down the main process or the web server.
 */
import type { z } from 'zod';
import { API_METHOD_NAMES, type ApiErrorBody, type ApiMethodName, type ApiResult } from './contract/index.js';
import type { ApiHandlers } from './ApiHandlers.js';
import { apiArgSchemas } from './schemas.js';
import { toApiError } from './toApiError.js';

export type ApiRouter = (method: string, rawArgs: unknown) => Promise<ApiResult<unknown>>;

const METHODS: ReadonlySet<string> = new Set(API_METHOD_NAMES);

export function isApiMethodName(method: string): method is ApiMethodName {
  return METHODS.has(method);
}

/** Turns the first zod issue into `{field, message}`: "runId: must not be empty". */
export function zodToApiError(error: z.ZodError): ApiErrorBody {
  const issue = error.issues[0];
  if (!issue) return { code: 'invalid_argument', message: 'Invalid arguments' };
  let path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
    // Name the unexpected key itself so a typo ("runID") is obvious.
    path = [...path, issue.keys[0] as string];
    const field = path.join('.');
    return { code: 'invalid_argument', field, message: `${field}: unknown field` };
  }
  const field = path.join('.');
  if (!field) return { code: 'invalid_argument', message: `Invalid arguments: ${issue.message}` };
  return { code: 'invalid_argument', field, message: `${field}: ${issue.message}` };
}

export function createRouter(handlers: ApiHandlers): ApiRouter {
  return async (method, rawArgs) => {
    let validated: unknown;
    try {
      if (typeof method !== 'string' || !isApiMethodName(method)) {
        return { ok: false, error: { code: 'not_found', message: `Unknown API method: ${String(method).slice(0, 100)}` } };
      }
      // A call with no arguments arrives as undefined (IPC) or null (JSON); both mean {}.
      const args = rawArgs === undefined || rawArgs === null ? {} : rawArgs;
      const parsed = apiArgSchemas[method].safeParse(args);
      if (!parsed.success) return { ok: false, error: zodToApiError(parsed.error) };
      // The map type ties schema M to handler M; TS cannot correlate them through the union.
      validated = parsed.data;
      const handler = handlers[method] as (a: unknown) => Promise<unknown>;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (err) {
      return { ok: false, error: toApiError(err, String(method), validated) };
    }
  };
}
