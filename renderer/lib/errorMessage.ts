/** What to show for a failed call: ApiError messages are written for users already. */
import { ApiError } from '../../main/api/contract/index.js';

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isUnavailable(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'unavailable';
}
