/**
 * Aggregation coefficients c_{i,t} (ALGORITHMS §0): J = Σ_{i,t} c_{i,t}·J_{i,t}, so the
 * per-token weight of a term is c_{i,t}·∂J_{i,t}/∂ℓ. All modes here give one value per
 * sequence, returned as c [B]. Computed over the optimizer-step mini-batch (not the
 * micro-batch): that is the global token-mean, not legacy verl 0.6's per-micro-batch
 * approximation. Zero-length responses get c = 0 and are not counted in B.
 * reference: verl core_algos.py:1025-1081 (agg_loss); TRL dr_grpo.
 */
import { lookup } from './registry.js';
import type { AggregationName } from './types.js';

/** (tokenOffsets [B+1], L_max) → c [B]. */
export type AggregationFn = (tokenOffsets: Int32Array, maxResponseLength?: number) => Float64Array;

function lengths(tokenOffsets: Int32Array): { T: Int32Array; nTok: number; nSeq: number; maxT: number } {
  const B = tokenOffsets.length - 1;
  const T = new Int32Array(B);
  let nTok = 0;
  let nSeq = 0;
  let maxT = 0;
  for (let i = 0; i < B; i++) {
    const t = tokenOffsets[i + 1]! - tokenOffsets[i]!;
    T[i] = t;
    nTok += t;
    if (t > 0) nSeq++;
    if (t > maxT) maxT = t;
  }
  return { T, nTok, nSeq, maxT };
}

function perSeq(tokenOffsets: Int32Array, f: (T: number, s: ReturnType<typeof lengths>) => number): Float64Array {
  const s = lengths(tokenOffsets);
  const c = new Float64Array(s.T.length);
  for (let i = 0; i < c.length; i++) c[i] = s.T[i]! > 0 ? f(s.T[i]!, s) : 0;
  return c;
}

export const aggregations = {
  /** c = 1/N_tok (DAPO, CLIPO scripts, verl default). */
  'token-mean': (off) => perSeq(off, (_T, s) => 1 / s.nTok),
  /** c = 1/(B·T_i) (original GRPO, TRL `grpo`). */
  'seq-mean-token-mean': (off) => perSeq(off, (T, s) => 1 / (s.nSeq * T)),
  /** c = 1/B. */
  'seq-mean-token-sum': (off) => perSeq(off, (_T, s) => 1 / s.nSeq),
  /** c = 1/(B·L_max), Dr.GRPO (TRL `dr_grpo`); L_max defaults to the longest response. */
  'constant-normalised': (off, maxLen) =>
    perSeq(off, (_T, s) => 1 / (s.nSeq * Math.max(maxLen ?? s.maxT, 1))),
} satisfies Record<AggregationName, AggregationFn>;

/** The aggregation function for a name; throws listing valid names. */
export function getAggregation(name: string): AggregationFn {
  return lookup('aggregation', aggregations, name);
}
