/**
 * The verifier registry: every reward component a recipe can name. One
 * signature for all entries (types.ts), so the trainer calls
 * `getVerifier(name)(input, params)` and never branches on the name
 * (STYLE.md §6, "Registries"; verl's register_* pattern without its silent
 * overwrite: a duplicate key here is a compile error).
 *
 * Deliberately not here: combining components (scoreCompletion.ts).
 */
import { boxedMath } from './boxedMath.js';
import { customJs, customJsShaping } from './customJs.js';
import { exactMatch } from './exactMatch.js';
import { format } from './format.js';
import { gsm8k } from './gsm8k.js';
import { jsonSchema } from './jsonSchema.js';
import { lengthPenalty } from './lengthPenalty.js';
import { lengthRange } from './lengthRange.js';
import { multipleChoice } from './multipleChoice.js';
import { overlong } from './overlong.js';
import { regexMatch } from './regexMatch.js';
import type { Verifier } from './types.js';

export const verifiers = {
  boxedMath,
  gsm8k,
  multipleChoice,
  exactMatch,
  format,
  overlong,
  lengthPenalty,
  length: lengthRange,
  regexMatch,
  jsonSchema,
  customJs,
  customJsShaping,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own params type
} satisfies Record<string, Verifier<any>>;

export type VerifierName = keyof typeof verifiers;

export function isVerifierName(name: string): name is VerifierName {
  return Object.prototype.hasOwnProperty.call(verifiers, name);
}

/** The verifier registered as `name`; throws, listing the valid names, for an unknown one. */
export function getVerifier(name: string): (typeof verifiers)[VerifierName] {
  if (!isVerifierName(name)) {
    throw new Error(`Unknown verifier "${name}". Valid verifiers: ${Object.keys(verifiers).join(', ')}`);
  }
  return verifiers[name];
}
