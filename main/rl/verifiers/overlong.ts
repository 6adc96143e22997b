/**
 * DAPO overlong reward shaping (Yu et al. 2025, "DAPO", §3.4; verl
 * `reward_manager/dapo.py:116-122`; ALGORITHMS.md §3.3):
 *
 *   r = min(−(T − (L_max − L_buf)) / L_buf · penaltyFactor, 0)
 *
 * with T = completionTokens and L_max = maxTokens. Zero until the last L_buf
 * tokens of the budget, then a linear ramp down to −penaltyFactor at L_max.
 * Like verl there is no lower clamp: T > L_max (a caller passing the wrong
 * L_max) gives less than −penaltyFactor, visibly.
 *
 * The paper's L_buf = 4096 at L_max = 20480 (20 %). Desktop budgets are
 * 256–2048 tokens, so the default buffer is that same 20 % of maxTokens
 * rather than an absolute 4096, which would exceed L_max.
 *
 * Deliberately not here: masking truncated completions (TRL's
 * mask_truncated_completions) — that is a loss-side choice, not a reward.
 */
import { defineVerifier } from './defineVerifier.js';

export interface OverlongParams {
  /** L_buf in tokens; when 0 (default), bufferFraction · L_max is used. */
  bufferTokens: number;
  /** L_buf as a fraction of L_max when bufferTokens is 0. Default 0.2 (the paper's 4096/20480). */
  bufferFraction: number;
  /** The penalty at T = L_max. Default 1 (the paper). */
  penaltyFactor: number;
  /** Overrides input.maxTokens when > 0. Default 0 (use the input). */
  maxTokens: number;
}

export const overlong = defineVerifier<OverlongParams>(
  'overlong',
  'shaping',
  { bufferTokens: 0, bufferFraction: 0.2, penaltyFactor: 1, maxTokens: 0 },
  (input, p) => {
    const lMax = p.maxTokens > 0 ? p.maxTokens : input.maxTokens;
    const t = input.completionTokens;
    if (lMax === undefined || t === undefined || !(lMax > 0) || !(t >= 0)) {
      return { value: 0, reason: 'overlong: no token counts, no penalty' };
    }
    const lBuf = p.bufferTokens > 0 ? p.bufferTokens : Math.round(p.bufferFraction * lMax);
    if (!(lBuf > 0)) return { value: 0, reason: 'overlong: empty buffer, no penalty' };
    const exceed = t - (lMax - lBuf);
    const value = Math.min((-exceed / lBuf) * p.penaltyFactor, 0);
    // `+ 0` turns -0 into 0 so exact-value tests and charts see a plain zero.
    return { value: value + 0, reason: exceed > 0 ? `overlong: ${exceed} tokens into the ${lBuf}-token buffer` : 'overlong: within budget' };
  },
  {
    summary: 'DAPO overlong shaping: 0 until the last L_buf tokens of the budget, then a linear penalty down to -penaltyFactor at the maximum length.',
    params: {
      bufferTokens: { type: 'number', min: 0, help: 'L_buf in tokens; 0 uses bufferFraction of the maximum.' },
      bufferFraction: { type: 'number', min: 0, max: 1, help: 'L_buf as a fraction of the maximum length (paper: 0.2).' },
      penaltyFactor: { type: 'number', min: 0, help: 'The penalty at the maximum length.' },
      maxTokens: { type: 'number', min: 0, help: 'Overrides the rollout\'s max tokens when above 0.' },
    },
  },
);
