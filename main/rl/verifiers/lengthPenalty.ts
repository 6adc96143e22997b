/**
 * A plain linear length cost, for recipes that want shorter answers
 * everywhere rather than only near the budget (overlong.ts does the latter):
 *
 *   r = −coefficient · clamp((T − freeTokens) / (L_max − freeTokens), 0, 1)
 *
 * T = completionTokens, L_max = maxTokens. A truncated completion gets the
 * full −coefficient whatever its count. Without token counts the value is 0.
 *
 * Deliberately not here: group-relative length rewards (Kimi k1.5's length
 * penalty needs the whole group's lengths, which a per-completion verifier
 * does not see; that belongs with the advantage estimators).
 */
import { defineVerifier } from './defineVerifier.js';

export interface LengthPenaltyParams {
  /** The penalty at L_max. Default 0.1, small beside a 0/1 answer reward. */
  coefficient: number;
  /** Tokens that cost nothing. Default 0. */
  freeTokens: number;
  /** Apply the full penalty when input.truncated is true. Default true. */
  penalizeTruncated: boolean;
}

export const lengthPenalty = defineVerifier<LengthPenaltyParams>(
  'lengthPenalty',
  'shaping',
  { coefficient: 0.1, freeTokens: 0, penalizeTruncated: true },
  (input, p) => {
    if (p.penalizeTruncated && input.truncated === true) {
      return { value: -p.coefficient + 0, reason: 'length: truncated, full penalty' };
    }
    const lMax = input.maxTokens;
    const t = input.completionTokens;
    if (lMax === undefined || t === undefined || !(t >= 0) || !(lMax > p.freeTokens)) {
      return { value: 0, reason: 'length: no token counts, no penalty' };
    }
    const frac = Math.min(1, Math.max(0, (t - p.freeTokens) / (lMax - p.freeTokens)));
    return { value: -p.coefficient * frac + 0, reason: `length: ${t}/${lMax} tokens` };
  },
  {
    summary: 'A linear length cost over the whole budget: -coefficient at the maximum length, 0 for the first freeTokens tokens.',
    params: {
      coefficient: { type: 'number', help: 'The penalty at the maximum length.' },
      freeTokens: { type: 'number', min: 0, help: 'Tokens that cost nothing.' },
      penalizeTruncated: { type: 'boolean', help: 'A truncated completion gets the full penalty.' },
    },
  },
);
