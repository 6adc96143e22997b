/**
 * How a failed `clipo` command ends: the message on stderr (no stack for an
 * expected failure) and, with --json, one `{ok: false, error}` object on
 * stdout in the API's error shape, so scripts read the reason instead of an
 * empty stdout. Returns the exit code: 2 for a typed failure, 1 for a bug.
 */
import { toApiError } from '../api/toApiError.js';
import { CliError } from './CliError.js';

export function reportFailure(err: unknown, json: boolean): number {
  const body = err instanceof CliError
    ? { code: err.code, message: err.message, ...(err.errors ? { errors: err.errors } : {}) }
    : toApiError(err, 'clipo');
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: body }) + '\n');
  if (body.code === 'internal' && !(err instanceof CliError)) {
    if (!json) console.error(err);
    return 1;
  }
  console.error(`clipo: ${body.message}`);
  return err instanceof CliError ? err.exitCode : 2;
}
