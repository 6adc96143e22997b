/** An error whose message is meant for the user as is (no stack trace), with an exit code and an API error code for --json. */
import type { ApiErrorCode, FieldError } from '../api/contract/index.js';

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2, readonly code: ApiErrorCode = 'invalid_argument', readonly errors?: FieldError[]) {
    super(message);
    this.name = 'CliError';
  }
}
