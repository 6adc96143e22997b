/**
 * Shared data layout of the RL math core (pure: typed arrays and plain objects).
 *
 * A rollout batch holds B sequences (responses), drawn from Q prompts ("groups") with
 * G rollouts each (G may vary per group). Per-token arrays hold ONLY response tokens,
 * flattened sequence after sequence: tokens of sequence i live at
 * [tokenOffsets[i], tokenOffsets[i+1]), so T_i = tokenOffsets[i+1] − tokenOffsets[i]
 * and the response mask m_{i,t} is implicit (every stored token counts). A zero-length
 * response (T_i = 0) is allowed and always gets zero weight (ALGORITHMS §7.5).
 *
 * Sign convention: every objective returns w_{i,t} = ∂J/∂ℓ_{i,t} for an objective J that
 * is MAXIMISED; the engine minimises L = −Σ sg(w)·ℓ.
 */

/** A float array the math core accepts for per-token quantities. */
export type FloatArray = Float32Array | Float64Array;

/** One rollout batch (or one optimizer-step mini-batch; keep whole groups together). */
export interface RolloutBatch {
  /** [B+1] token offsets into the flat per-token arrays; tokenOffsets[0] = 0. */
  tokenOffsets: Int32Array;
  /** [N_tok] ℓ = log π_θ(o_t | …) under the current policy (the variable we differentiate). */
  logp: FloatArray;
  /** [N_tok] ℓ^old, log-probs under the rollout policy π_old (constant). */
  oldLogp: FloatArray;
  /** [N_tok] ℓ^ref under the reference policy (adapter off); needed only when KL is on. */
  refLogp?: FloatArray;
  /** [B] advantages A_i (from an `advantages` estimator); unused by ConSPO/DisCO. */
  advantages: Float64Array;
  /** [B] group (prompt) index of each sequence, in 0..numGroups−1. */
  groupIndex: Int32Array;
  /** Q, the number of groups (prompts) in this batch, valid or not. */
  numGroups: number;
  /** [B] correctness labels y_i ∈ {0,1} (rule reward > 0); needed by ConSPO/DisCO. */
  labels?: Uint8Array;
  /** [N_tok] per-token entropy from the engine, passed through to metrics when given. */
  entropy?: FloatArray;
}

/** Names of the aggregation modes (see `aggregations`). */
export type AggregationName =
  | 'token-mean'
  | 'seq-mean-token-mean'
  | 'seq-mean-token-sum'
  | 'constant-normalised';

/** Per-step context shared by all objectives. */
export interface ObjectiveContext {
  /** Current optimizer step (0- or 1-based, used only as step/totalSteps for schedules). */
  step: number;
  /** Total planned steps (for ConSPO's margin schedule). */
  totalSteps: number;
  /** Aggregation mode chosen by the recipe; a variant may override it via params.aggregation. */
  aggregation: AggregationName;
  /** L_max for 'constant-normalised' (Dr.GRPO); defaults to the longest response in the batch. */
  maxResponseLength?: number;
  /**
   * Where stop-gradient quantities (CISPO's ĉ, DisCO's KL-hinge coefficient) are
   * evaluated; defaults to batch.logp. Finite-difference tests pin it to the base point.
   */
  frozenLogp?: FloatArray;
}

/** What every objective returns. */
export interface ObjectiveResult {
  /** [N_tok] w_{i,t} = ∂J/∂ℓ_{i,t}. */
  weights: Float32Array;
  /** The scalar J (maximised), consistent with `weights` for finite-difference tests. */
  objective: number;
  /** Namespaced metrics (see main/api/contract/metricNames.ts). */
  metrics: Record<string, number>;
}

/** One objective variant: typed params with documented defaults, and one compute signature. */
export interface Objective<P extends object> {
  /** Registry key. */
  readonly name: string;
  /** Paper / code reference. */
  readonly reference: string;
  /** Documented defaults; `compute` merges user params over them. */
  readonly defaults: Readonly<P>;
  compute(batch: RolloutBatch, params: Partial<P>, ctx: ObjectiveContext): ObjectiveResult;
}

/** Input of an advantage estimator. */
export interface AdvantageInput {
  /** [B] scalar rewards R_i (rule reward + shaping + CLIPO's r_cl). */
  rewards: Float64Array;
  /** [B] group index of each sequence. */
  groupIndex: Int32Array;
  /** Q. */
  numGroups: number;
}

/** Output of an advantage estimator. */
export interface AdvantageResult {
  /** [B] A_i. */
  advantages: Float64Array;
  metrics: Record<string, number>;
}

/** One advantage estimator (all share this signature). */
export interface AdvantageEstimator<P extends object> {
  readonly name: string;
  readonly reference: string;
  readonly defaults: Readonly<P>;
  compute(input: AdvantageInput, params: Partial<P>): AdvantageResult;
}

/** Number of sequences B of a batch. */
export function numSequences(batch: { tokenOffsets: Int32Array }): number {
  return batch.tokenOffsets.length - 1;
}
