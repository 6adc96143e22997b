/**
 * CLIPO contrastive head: z = normalize(f(h̄)) with f linear (W ∈ R^{D×d}, no bias, the
 * reference default) or an MLP Linear(d,d) → ReLU → Linear(d,D) (with biases, PyTorch
 * defaults). Forward and hand-written backward over flat row-major arrays; the head runs
 * in float32 storage with float64 accumulation. Init follows PyTorch's nn.Linear default
 * (kaiming_uniform(a=√5) ⇒ U(±1/√fan_in) for weights and biases) using the passed RNG.
 * reference: CLIPO ray_trainer.py:79-103 (head), F.normalize (eps 1e-12).
 */
import type { Rng } from '../random.js';
import type { FloatArray } from '../types.js';

export type HeadKind = 'linear' | 'mlp';

/** Head parameters. linear: w [D, d]. mlp: w1 [d, d], b1 [d], w2 [D, d], b2 [D]. */
export interface HeadWeights {
  kind: HeadKind;
  /** d, the pooled hidden size (d_model). */
  inDim: number;
  /** D, the embedding size (reference: 512 GSM8K, 2048 MATH). */
  outDim: number;
  tensors: Record<string, Float32Array>;
}

/** Activations kept for the backward pass. */
export interface HeadCache {
  /** [B, d] input. */
  h: FloatArray;
  /** [B, d] pre-ReLU activations (mlp only). */
  a?: Float64Array;
  /** [B, D] unnormalised output. */
  u: Float64Array;
  /** [B] ‖u_b‖ clamped below by 1e-12. */
  norm: Float64Array;
  /** [B, D] normalised embeddings. */
  z: Float64Array;
  B: number;
}

const NORM_EPS = 1e-12;

function uniformInit(n: number, fanIn: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const t = new Float32Array(n);
  for (let k = 0; k < n; k++) t[k] = rng.uniform(-bound, bound);
  return t;
}

/** PyTorch-default initialisation (weight, then bias, layer by layer). */
export function initHeadWeights(kind: HeadKind, inDim: number, outDim: number, rng: Rng): HeadWeights {
  if (kind === 'linear') return { kind, inDim, outDim, tensors: { w: uniformInit(outDim * inDim, inDim, rng) } };
  const w1 = uniformInit(inDim * inDim, inDim, rng);
  const b1 = uniformInit(inDim, inDim, rng);
  const w2 = uniformInit(outDim * inDim, inDim, rng);
  const b2 = uniformInit(outDim, inDim, rng);
  return { kind, inDim, outDim, tensors: { w1, b1, w2, b2 } };
}

/** y [B, O] = x [B, I] · Wᵀ (+ b), W [O, I]. Four rows at a time so each W row is read once per block. */
function linearForward(x: ArrayLike<number>, W: Float32Array, b: Float32Array | undefined, B: number, I: number, O: number): Float64Array {
  const y = new Float64Array(B * O);
  let r = 0;
  for (; r + 4 <= B; r += 4) {
    const x0 = r * I;
    const x1 = x0 + I;
    const x2 = x1 + I;
    const x3 = x2 + I;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = 0; k < I; k++) {
        const w = W[wo + k]!;
        a0 += w * x[x0 + k]!;
        a1 += w * x[x1 + k]!;
        a2 += w * x[x2 + k]!;
        a3 += w * x[x3 + k]!;
      }
      const bo = b ? b[o]! : 0;
      y[r * O + o] = a0 + bo;
      y[(r + 1) * O + o] = a1 + bo;
      y[(r + 2) * O + o] = a2 + bo;
      y[(r + 3) * O + o] = a3 + bo;
    }
  }
  for (; r < B; r++) {
    const xo = r * I;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let acc = b ? b[o]! : 0;
      for (let k = 0; k < I; k++) acc += W[wo + k]! * x[xo + k]!;
      y[r * O + o] = acc;
    }
  }
  return y;
}

/** dW [O, I] += dyᵀ x and db [O] += Σ_r dy (row o of dW stays hot while rows of x stream). */
function linearBackwardParams(dy: Float64Array, x: ArrayLike<number>, B: number, I: number, O: number, dW: Float64Array, db: Float64Array | undefined): void {
  for (let o = 0; o < O; o++) {
    const wo = o * I;
    let r = 0;
    for (; r + 4 <= B; r += 4) {
      const g0 = dy[r * O + o]!;
      const g1 = dy[(r + 1) * O + o]!;
      const g2 = dy[(r + 2) * O + o]!;
      const g3 = dy[(r + 3) * O + o]!;
      if (db) db[o]! += g0 + g1 + g2 + g3;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const x0 = r * I;
      const x1 = x0 + I;
      const x2 = x1 + I;
      const x3 = x2 + I;
      for (let k = 0; k < I; k++) dW[wo + k]! += g0 * x[x0 + k]! + g1 * x[x1 + k]! + g2 * x[x2 + k]! + g3 * x[x3 + k]!;
    }
    for (; r < B; r++) {
      const g = dy[r * O + o]!;
      if (db) db[o]! += g;
      if (g === 0) continue;
      const xo = r * I;
      for (let k = 0; k < I; k++) dW[wo + k]! += g * x[xo + k]!;
    }
  }
}

/** dx [B, I] = dy [B, O] · W [O, I], four rows at a time so each W row is read once per block. */
function linearBackwardInput(dy: Float64Array, W: Float32Array, B: number, I: number, O: number): Float64Array {
  const dx = new Float64Array(B * I);
  let r = 0;
  for (; r + 4 <= B; r += 4) {
    const x0 = r * I;
    const x1 = x0 + I;
    const x2 = x1 + I;
    const x3 = x2 + I;
    for (let o = 0; o < O; o++) {
      const g0 = dy[r * O + o]!;
      const g1 = dy[(r + 1) * O + o]!;
      const g2 = dy[(r + 2) * O + o]!;
      const g3 = dy[(r + 3) * O + o]!;
      if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0) continue;
      const wo = o * I;
      for (let k = 0; k < I; k++) {
        const w = W[wo + k]!;
        dx[x0 + k]! += g0 * w;
        dx[x1 + k]! += g1 * w;
        dx[x2 + k]! += g2 * w;
        dx[x3 + k]! += g3 * w;
      }
    }
  }
  for (; r < B; r++) {
    const xo = r * I;
    for (let o = 0; o < O; o++) {
      const g = dy[r * O + o]!;
      if (g === 0) continue;
      const wo = o * I;
      for (let k = 0; k < I; k++) dx[xo + k]! += g * W[wo + k]!;
    }
  }
  return dx;
}

/** Forward: h [B, d] → z [B, D] (L2-normalised rows), with the cache for backward. */
export function headForward(head: HeadWeights, h: FloatArray, B: number): HeadCache {
  const { inDim: d, outDim: D, tensors: t } = head;
  if (h.length !== B * d) throw new Error(`headForward: expected ${B}×${d} inputs, got ${h.length}`);
  let u: Float64Array;
  let a: Float64Array | undefined;
  if (head.kind === 'linear') u = linearForward(h, t.w!, undefined, B, d, D);
  else {
    a = linearForward(h, t.w1!, t.b1!, B, d, d);
    const relu = a.map((x) => (x > 0 ? x : 0));
    u = linearForward(relu, t.w2!, t.b2!, B, d, D);
  }
  const norm = new Float64Array(B);
  const z = new Float64Array(B * D);
  for (let r = 0; r < B; r++) {
    let s = 0;
    for (let o = 0; o < D; o++) s += u[r * D + o]! ** 2;
    const n = Math.max(Math.sqrt(s), NORM_EPS);
    norm[r] = n;
    for (let o = 0; o < D; o++) z[r * D + o] = u[r * D + o]! / n;
  }
  return a ? { h, a, u, norm, z, B } : { h, u, norm, z, B };
}

/** Backward: ∂L/∂z [B, D] → ∂L/∂θ per tensor (float64, same keys as head.tensors). */
export function headBackward(head: HeadWeights, cache: HeadCache, dz: Float64Array): Record<string, Float64Array> {
  const { inDim: d, outDim: D, tensors: t } = head;
  const { B, z, norm } = cache;
  // normalize backward: du = (dz − z·(z·dz)) / ‖u‖ (when ‖u‖ > eps)
  const du = new Float64Array(B * D);
  for (let r = 0; r < B; r++) {
    let dot = 0;
    for (let o = 0; o < D; o++) dot += z[r * D + o]! * dz[r * D + o]!;
    const n = norm[r]!;
    const clamped = n <= NORM_EPS;
    for (let o = 0; o < D; o++) {
      du[r * D + o] = clamped ? dz[r * D + o]! / n : (dz[r * D + o]! - z[r * D + o]! * dot) / n;
    }
  }
  if (head.kind === 'linear') {
    const dw = new Float64Array(D * d);
    linearBackwardParams(du, cache.h, B, d, D, dw, undefined);
    return { w: dw };
  }
  const a = cache.a!;
  const relu = a.map((x) => (x > 0 ? x : 0));
  const dw2 = new Float64Array(D * d);
  const db2 = new Float64Array(D);
  linearBackwardParams(du, relu, B, d, D, dw2, db2);
  const dr = linearBackwardInput(du, t.w2!, B, d, D);
  for (let k = 0; k < dr.length; k++) if (!(a[k]! > 0)) dr[k] = 0;
  const dw1 = new Float64Array(d * d);
  const db1 = new Float64Array(d);
  linearBackwardParams(dr, cache.h, B, d, d, dw1, db1);
  return { w1: dw1, b1: db1, w2: dw2, b2: db2 };
}
