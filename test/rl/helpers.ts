/** Test helpers for the RL core: batch builders and a central finite-difference check. */
import { Rng } from '../../main/rl/random.js';
import type { RolloutBatch } from '../../main/rl/types.js';

export interface SeqSpec {
  /** Per-token Δ = ℓ − ℓ^old. */
  delta: number[];
  adv?: number;
  group?: number;
  label?: 0 | 1;
  /** Per-token ℓ (default −1 − 0.1·t). */
  logp?: number[];
}

/** Builds a batch from per-sequence specs (float64 arrays, so FD perturbations are exact). */
export function makeBatch(seqs: SeqSpec[], numGroups?: number): RolloutBatch {
  const off = new Int32Array(seqs.length + 1);
  seqs.forEach((s, i) => (off[i + 1] = off[i]! + s.delta.length));
  const n = off[seqs.length]!;
  const logp = new Float64Array(n);
  const oldLogp = new Float64Array(n);
  seqs.forEach((s, i) => {
    s.delta.forEach((d, t) => {
      const l = s.logp?.[t] ?? -1 - 0.1 * t;
      logp[off[i]! + t] = l;
      oldLogp[off[i]! + t] = l - d;
    });
  });
  const groupIndex = Int32Array.from(seqs.map((s) => s.group ?? 0));
  return {
    tokenOffsets: off,
    logp,
    oldLogp,
    advantages: Float64Array.from(seqs.map((s) => s.adv ?? 0)),
    groupIndex,
    numGroups: numGroups ?? Math.max(...groupIndex) + 1,
    labels: Uint8Array.from(seqs.map((s) => s.label ?? 0)),
  };
}

/** A random batch: Q groups of G, lengths 1..maxLen (some 0 if zeroLen), Δ ~ U(±spread). */
export function randomBatch(seed: number, Q: number, G: number, maxLen: number, spread: number, zeroLen = false): RolloutBatch {
  const rng = Rng.fromSeed(seed);
  const seqs: SeqSpec[] = [];
  for (let g = 0; g < Q; g++) {
    for (let j = 0; j < G; j++) {
      const T = zeroLen && j === 0 && g === 0 ? 0 : 1 + rng.nextInt(maxLen);
      seqs.push({
        delta: Array.from({ length: T }, () => rng.uniform(-spread, spread)),
        logp: Array.from({ length: T }, () => rng.uniform(-3, -0.05)),
        adv: rng.uniform(-1.5, 1.5),
        group: g,
        label: j % 2 === 0 || rng.nextFloat() < 0.3 ? 1 : 0,
      });
    }
  }
  const b = makeBatch(seqs, Q);
  const ref = new Float64Array(b.logp.length);
  for (let k = 0; k < ref.length; k++) ref[k] = b.logp[k]! + rng.uniform(-0.5, 0.5);
  b.refLogp = ref;
  return b;
}

/**
 * Central finite differences of f w.r.t. each logp[k]. Tokens where the left and right
 * one-sided differences disagree (a clip kink within ±h) are reported as NaN.
 */
export function fdGrad(batch: RolloutBatch, f: (b: RolloutBatch) => number, h = 1e-6): Float64Array {
  const out = new Float64Array(batch.logp.length);
  const base = f(batch);
  for (let k = 0; k < out.length; k++) {
    const lp = Float64Array.from(batch.logp);
    lp[k] = batch.logp[k]! + h;
    const fp = f({ ...batch, logp: lp });
    lp[k] = batch.logp[k]! - h;
    const fm = f({ ...batch, logp: lp });
    const right = (fp - base) / h;
    const left = (base - fm) / h;
    const scale = Math.max(Math.abs(right), Math.abs(left), 1e-6);
    out[k] = Math.abs(right - left) > 1e-3 * scale + 1e-7 ? NaN : (fp - fm) / (2 * h);
  }
  return out;
}
