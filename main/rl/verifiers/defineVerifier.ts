/**
 * Builds a registry entry from a plain verifier function: merges params over
 * the documented defaults and turns any exception or non-finite value into a
 * zero reward with a reason, so a bad completion can never stop a training
 * step. The verifier bodies still bound their own work (input sizes, mathjs
 * whitelist); this is the last line of defence, not the first.
 *
 * Deliberately not here: time limits. main/rl has no clock (DESIGN.md), so
 * bounded time comes from bounded input sizes and linear-time scans.
 */
import type { Verifier, VerifierDoc, VerifierInput, VerifierKind, VerifierResult } from './types.js';

export function defineVerifier<P extends object>(
  name: string,
  kind: VerifierKind,
  defaults: P,
  body: (input: VerifierInput, params: P) => VerifierResult,
  doc: { summary: string; params: { [K in keyof P]: VerifierDoc['params'][string] } },
): Verifier<P> {
  const frozen = Object.freeze({ ...defaults });
  const run = (input: VerifierInput, params?: Partial<P>): VerifierResult => {
    try {
      const safe: VerifierInput = {
        ...input,
        completion: typeof input.completion === 'string' ? input.completion : String(input.completion ?? ''),
        answer: typeof input.answer === 'string' ? input.answer : String(input.answer ?? ''),
      };
      const result = body(safe, { ...frozen, ...(params ?? {}) } as P);
      if (kind === 'answer' && result.correct === undefined) result.correct = false;
      if (!Number.isFinite(result.value)) {
        return { ...result, value: 0, reason: `${name}: non-finite value replaced by 0 (${result.reason})` };
      }
      return result;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const failed: VerifierResult = { value: 0, reason: `${name}: verifier error: ${message.slice(0, 200)}` };
      if (kind === 'answer') failed.correct = false;
      return failed;
    }
  };
  return Object.assign(run, { defaults: frozen, kind, doc: doc as VerifierDoc });
}
