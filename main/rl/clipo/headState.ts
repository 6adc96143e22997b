/**
 * CLIPO head state for checkpoints: weights, AdamW moments, step count and the RNG state
 * (InfoNCE positive sampling), as a plain object; `serializeHeadState` turns it into
 * JSON-safe arrays and `restoreHeadState` back.
 */
import { Rng, type RngState } from '../random.js';
import { type HeadKind, type HeadWeights, initHeadWeights } from './head.js';

export interface ClipoHeadState {
  head: HeadWeights;
  /** AdamW first moments, same keys/shapes as head.tensors. */
  adamM: Record<string, Float32Array>;
  /** AdamW second moments. */
  adamV: Record<string, Float32Array>;
  /** Number of optimizer steps taken. */
  step: number;
  /** RNG state after the last use. */
  rng: RngState;
}

export interface HeadInitConfig {
  kind: HeadKind;
  /** d_model of the pooled hidden state. */
  inDim: number;
  /** Embedding size D (default 512 in the reference GSM8K scripts). */
  outDim: number;
  /** Seed for initialisation and later InfoNCE sampling. */
  seed: number;
}

/**
 * A fresh head (PyTorch-default init) with zero Adam moments. The RNG is `rng` when passed
 * (e.g. split from the trainer's RNG), else one seeded from `c.seed`; the head keeps its
 * state afterwards for InfoNCE sampling.
 */
export function initClipoHead(c: HeadInitConfig, rng: Rng = Rng.fromSeed(c.seed)): ClipoHeadState {
  const head = initHeadWeights(c.kind, c.inDim, c.outDim, rng);
  const zeros = (): Record<string, Float32Array> =>
    Object.fromEntries(Object.entries(head.tensors).map(([k, t]) => [k, new Float32Array(t.length)]));
  return { head, adamM: zeros(), adamV: zeros(), step: 0, rng: rng.getState() };
}

/** Deep copy (the step function returns new state, never mutating its input). */
export function cloneHeadState(s: ClipoHeadState): ClipoHeadState {
  const copy = (r: Record<string, Float32Array>): Record<string, Float32Array> =>
    Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.slice()]));
  return {
    head: { ...s.head, tensors: copy(s.head.tensors) },
    adamM: copy(s.adamM),
    adamV: copy(s.adamV),
    step: s.step,
    rng: [...s.rng] as RngState,
  };
}

/** JSON-safe form of the head state. */
export interface SerializedHeadState {
  version: 1;
  kind: HeadKind;
  inDim: number;
  outDim: number;
  tensors: Record<string, number[]>;
  adamM: Record<string, number[]>;
  adamV: Record<string, number[]>;
  step: number;
  rng: RngState;
}

const toArrays = (r: Record<string, Float32Array>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Array.from(t)]));
const toTyped = (r: Record<string, number[]>): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Float32Array.from(t)]));

export function serializeHeadState(s: ClipoHeadState): SerializedHeadState {
  return {
    version: 1,
    kind: s.head.kind,
    inDim: s.head.inDim,
    outDim: s.head.outDim,
    tensors: toArrays(s.head.tensors),
    adamM: toArrays(s.adamM),
    adamV: toArrays(s.adamV),
    step: s.step,
    rng: [...s.rng] as RngState,
  };
}

export function restoreHeadState(o: SerializedHeadState): ClipoHeadState {
  if (o.version !== 1) throw new Error(`unsupported CLIPO head state version ${String(o.version)}`);
  return {
    head: { kind: o.kind, inDim: o.inDim, outDim: o.outDim, tensors: toTyped(o.tensors) },
    adamM: toTyped(o.adamM),
    adamV: toTyped(o.adamV),
    step: o.step,
    rng: [...o.rng] as RngState,
  };
}
