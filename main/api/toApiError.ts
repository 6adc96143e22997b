/**
 * Maps anything a handler throws to a typed ApiErrorBody. Errors that already
 * carry a contract code (ApiError, or any error with `code: 'not_found'` etc.)
 * keep it; the store's upper-case codes are translated; everything else is
 * `internal`. Only the message's first line crosses the boundary, never a
 * stack trace: the full error is logged in the main process instead.
 */
import { API_ERROR_CODES, type ApiErrorBody, type ApiErrorCode } from './contract/index.js';

/** Codes used by other parts (main/store's StoreError) that have a clear contract equivalent. */
const FOREIGN_CODES: Record<string, ApiErrorCode> = {
  NOT_FOUND: 'not_found',
  INVALID_ARGUMENT: 'invalid_argument',
  DUPLICATE_STEP: 'conflict',
  LEASE_HELD: 'conflict',
  LEASE_LOST: 'conflict',
  CORRUPT: 'unavailable',
  DISK_FULL: 'unavailable',
  READ_ONLY: 'unavailable',
  BUSY: 'unavailable',
  CANNOT_OPEN: 'unavailable',
  IO_ERROR: 'unavailable',
  ENOENT: 'not_found',
  EACCES: 'unavailable',
  EPERM: 'unavailable',
  ENOSPC: 'unavailable',
  EDQUOT: 'unavailable',
  EFBIG: 'unavailable',
  EROFS: 'unavailable',
  EIO: 'unavailable',
  EBUSY: 'unavailable',
  EMFILE: 'unavailable',
  // A path of the wrong kind is the caller's input at fault.
  EISDIR: 'invalid_argument',
  ENOTDIR: 'invalid_argument',
  ENAMETOOLONG: 'invalid_argument',
  ELOOP: 'invalid_argument',
  EEXIST: 'conflict',
  // main/models/gguf's GgufError: a corrupt or non-GGUF file vs. a read failure.
  E_FORMAT: 'invalid_argument',
  E_IO: 'unavailable',
  // The engine's EngineError (engine/src/engine.h; E_FORMAT and E_IO above): a checkpoint or adapter of
  // another model, or values the engine refuses, are the files' fault; a backend failure is the machine's.
  E_MISMATCH: 'invalid_argument',
  E_INVALID: 'invalid_argument',
  E_UNSUPPORTED: 'unsupported',
  E_BACKEND: 'unavailable',
  E_CANCELLED: 'unavailable',
  // Network (undici's cause codes; Node's AbortSignal.timeout).
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
  ETIMEDOUT: 'unavailable',
  UND_ERR_CONNECT_TIMEOUT: 'unavailable',
  ABORT_ERR: 'unavailable',
};

const MAX_MESSAGE = 1000;

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > MAX_MESSAGE ? line.slice(0, MAX_MESSAGE) + '…' : line;
}

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Node's own file-system messages ("EISDIR: illegal operation on a directory, read") name a system
 * call, not a fix: say what happened to which path and what to do instead.
 */
const ERRNO_TEXT: Record<string, (path: string) => string> = {
  EISDIR: (p) => `${p} is a folder, not a file: choose the file inside it`,
  ENOTDIR: (p) => `${p}: part of this path is a file where a folder is needed; check the path`,
  ENOENT: (p) => `${p} does not exist (moved or deleted?): choose it again`,
  EACCES: (p) => `${p} cannot be opened (permission denied): choose a file or folder you can read and write`,
  EPERM: (p) => `${p} cannot be opened (not permitted): choose a file or folder you can read and write`,
  ENOSPC: () => 'the disk is full: free some space and try again',
  EROFS: (p) => `${p} is on a read-only disk: choose a folder on a writable disk`,
  ENAMETOOLONG: (p) => `${p.slice(0, 80)}…: the path is too long; choose a shorter one`,
  ELOOP: (p) => `${p}: too many symbolic links; choose the real file`,
  EMFILE: () => 'too many files are open: close some programs and try again',
};

function humanErrno(code: string, message: string, path: unknown): string | null {
  const text = ERRNO_TEXT[code];
  if (!text || !message.startsWith(`${code}:`)) return null;
  return text(typeof path === 'string' && path ? path : 'the path');
}

/** `args`: the call's validated arguments; their `path`/`outDir` names the path when the error has none (a read on an fd). */
export function toApiError(err: unknown, method: string, args?: unknown): ApiErrorBody {
  const rec = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown; field?: unknown; path?: unknown };
  const raw = typeof rec.message === 'string' && rec.message.trim() ? firstLine(rec.message) : '';
  const a = (typeof args === 'object' && args !== null ? args : {}) as { path?: unknown; outDir?: unknown };
  const message = (typeof rec.code === 'string' ? humanErrno(rec.code, raw, rec.path ?? a.path ?? a.outDir) : null) ?? raw;
  const field = typeof rec.field === 'string' ? rec.field : undefined;
  const mapped = isApiErrorCode(rec.code)
    ? rec.code
    : typeof rec.code === 'string' ? FOREIGN_CODES[rec.code] : undefined;
  if (mapped) {
    return { code: mapped, message: message || `${method} failed (${mapped})`, ...(field ? { field } : {}) };
  }
  console.error(`[api] ${method} failed with an unexpected error:`, err);
  return {
    code: 'internal',
    message: message
      ? `${method} failed unexpectedly: ${message}`
      : `${method} failed unexpectedly; the details are in the app's log`,
  };
}
