/**
 * Typed errors that cross a process boundary (IPC, HTTP, trainer messages).
 * Every handler turns a failure into one of these codes; the renderer shows
 * `message` as is, so messages say what went wrong and what to do about it.
 */
export const API_ERROR_CODES = [
  'invalid_argument', // the request failed validation; `field` names the path
  'not_found',
  'conflict', // e.g. run already running, file exists and overwrite not allowed
  'unauthorized', // web mode: missing/wrong token or foreign origin
  'unsupported', // e.g. model architecture or quantisation the engine cannot train
  'unavailable', // a resource is busy or missing (GPU, disk full, read-only dir)
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** Dotted path of the offending input field, when the error is about one. */
  field?: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

/** Thrown by clients when a call fails, so `await api.x()` rejects with the typed body. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.field = body.field;
  }
}
