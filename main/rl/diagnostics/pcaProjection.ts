/**
 * 2-D PCA projection of embeddings for the scatter view, with an orientation that stays
 * stable from step to step. The top-2 principal axes come from power iteration with
 * Gram–Schmidt deflation (deterministic start: the previous axes when given). Without
 * previous axes, each axis' sign makes its largest-|.| component positive. With previous
 * axes, the new pair is turned by the 2×2 orthogonal matrix R (rotation or reflection)
 * maximising tr(Rᵀ·A_newᵀ·A_prev), i.e. the orthogonal Procrustes fit onto the previous
 * axes, so points do not jump when eigenvectors swap sign or (near-degenerate) rotate.
 *
 * Explained variance: λ₁, λ₂ are the top two eigenvalues of the covariance C = XcᵀXc/n
 * (Rayleigh quotients vᵀCv of the converged eigenvectors, before the Procrustes turn, which
 * mixes them), and the ratios are λᵢ / tr(C), tr(C) being the total variance (the sum of all
 * eigenvalues), as scikit-learn's PCA.explained_variance_ratio_ (with 1/n, not 1/(n−1): the
 * ratio is the same).
 */
import type { FloatArray } from '../types.js';

export interface PcaProjection {
  /** [n, 2] projected coordinates. */
  coords: Float32Array;
  /** [2, dim] unit axes (rows), to pass as prevAxes next step. */
  axes: Float64Array;
  /** [dim] the mean that was subtracted. */
  mean: Float64Array;
  /** Variance along each returned axis. */
  variance: [number, number];
  /** The top two eigenvalues of the covariance, largest first. */
  eigenvalues: [number, number];
  /** Total variance: the covariance's trace. */
  totalVariance: number;
  /** eigenvalues / totalVariance (0 when all points coincide). */
  explained: [number, number];
}

function covTimes(xc: Float64Array, n: number, dim: number, v: Float64Array): Float64Array {
  const out = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += xc[r * dim + k]! * v[k]!;
    for (let k = 0; k < dim; k++) out[k]! += (s * xc[r * dim + k]!) / n;
  }
  return out;
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k]! ** 2;
  const n = Math.sqrt(s);
  if (n > 0) for (let k = 0; k < v.length; k++) v[k]! /= n;
  return n;
}

function dotv(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[k]! * b[k]!;
  return s;
}

function topAxis(xc: Float64Array, n: number, dim: number, start: Float64Array, orth?: Float64Array): Float64Array {
  let v: Float64Array = start.slice();
  const project = (u: Float64Array): void => {
    if (!orth) return;
    const d = dotv(u, orth, dim);
    for (let k = 0; k < dim; k++) u[k]! -= d * orth[k]!;
  };
  project(v);
  if (normalise(v) === 0) v = Float64Array.from({ length: dim }, (_, k) => Math.sin(k + 1.5)), project(v), normalise(v);
  for (let it = 0; it < 1000; it++) {
    const u = covTimes(xc, n, dim, v);
    project(u);
    if (normalise(u) === 0) return v;
    const change = 1 - Math.abs(dotv(u, v, dim));
    v = u;
    if (change < 1e-14) break;
  }
  return v;
}

/** @param x [n, dim], @param prevAxes [2, dim] from the previous step, if any. */
export function pcaProject2d(x: FloatArray, n: number, dim: number, prevAxes?: Float64Array): PcaProjection {
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) mean[k]! += x[r * dim + k]! / n;
  const xc = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) for (let k = 0; k < dim; k++) xc[r * dim + k] = x[r * dim + k]! - mean[k]!;
  const seed = (a: number): Float64Array =>
    prevAxes ? prevAxes.slice(a * dim, (a + 1) * dim) : Float64Array.from({ length: dim }, (_, k) => Math.cos(k * (a + 1) + 0.3));
  const a0 = topAxis(xc, n, dim, seed(0));
  const a1 = topAxis(xc, n, dim, seed(1), a0);
  const eigenvalues: [number, number] = [dotv(covTimes(xc, n, dim, a0), a0, dim), dotv(covTimes(xc, n, dim, a1), a1, dim)];
  let totalVariance = 0;
  for (let i = 0; i < n * dim; i++) totalVariance += (xc[i]! * xc[i]!) / n;
  const explained: [number, number] = totalVariance > 0 ? [eigenvalues[0] / totalVariance, eigenvalues[1] / totalVariance] : [0, 0];
  let axes = [a0, a1];
  if (prevAxes) {
    const m = (a: number, b: number): number => dotv(axes[a]!, prevAxes.subarray(b * dim, (b + 1) * dim), dim);
    const [m11, m12, m21, m22] = [m(0, 0), m(0, 1), m(1, 0), m(1, 1)];
    const rot = Math.hypot(m11 + m22, m21 - m12);
    const ref = Math.hypot(m11 - m22, m12 + m21);
    let R: [number, number, number, number]; // row-major [r11, r12, r21, r22]
    if (rot >= ref) {
      const t = Math.atan2(m21 - m12, m11 + m22);
      R = [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)];
    } else {
      const t = Math.atan2(m12 + m21, m11 - m22);
      R = [Math.cos(t), Math.sin(t), Math.sin(t), -Math.cos(t)];
    }
    const b0 = new Float64Array(dim);
    const b1 = new Float64Array(dim);
    for (let k = 0; k < dim; k++) {
      b0[k] = a0[k]! * R[0] + a1[k]! * R[2];
      b1[k] = a0[k]! * R[1] + a1[k]! * R[3];
    }
    axes = [b0, b1];
  } else {
    for (const a of axes) {
      let best = 0;
      for (let k = 0; k < dim; k++) if (Math.abs(a[k]!) > Math.abs(a[best]!)) best = k;
      if (a[best]! < 0) for (let k = 0; k < dim; k++) a[k] = -a[k]!;
    }
  }
  const coords = new Float32Array(n * 2);
  const variance: [number, number] = [0, 0];
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < 2; a++) {
      const c = dotv(xc.subarray(r * dim, (r + 1) * dim), axes[a]!, dim);
      coords[r * 2 + a] = c;
      variance[a] = variance[a]! + (c * c) / Math.max(n, 1);
    }
  }
  const out = new Float64Array(2 * dim);
  out.set(axes[0]!, 0);
  out.set(axes[1]!, dim);
  return { coords, axes: out, mean, variance, eigenvalues, totalVariance, explained };
}
