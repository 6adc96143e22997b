/**
 * The verifier contract: one signature for every reward component, so the
 * trainer's verify step never branches on a verifier's name (STYLE.md §6,
 * "Registries"). Types only; the registry is verifiers.ts and the combination
 * of components is scoreCompletion.ts.
 *
 * The reward spec (a recipe's `reward` section, typed against the registry)
 * and scoreCompletion's result live here too, so the trainer imports one file.
 *
 * Deliberately not here: anything about tokenisation. Token counts arrive
 * precomputed (completionTokens, maxTokens) because main/rl is pure and does
 * not load a tokenizer.
 */

import type { RewardParamDoc } from '../../api/contract/index.js';
import type { VerifierName } from './verifiers.js';

/** What a verifier sees of one completion. */
export interface VerifierInput {
  /** The model's completion text (the prompt is not included). */
  completion: string;
  /** The ground truth from the dataset row, as stored (e.g. "42", "#### 42", "B", "\\frac{1}{2}"). */
  answer: string;
  /** Option texts for multiple-choice rows, in letter order A, B, C, ... */
  choices?: string[];
  /** Generated tokens, T in DAPO's overlong shaping (ALGORITHMS.md §3.3). */
  completionTokens?: number;
  /** The rollout's max completion length, L_max. */
  maxTokens?: number;
  /** True when generation stopped at maxTokens rather than at EOS or a stop string. */
  truncated?: boolean;
}

/** One verifier's verdict. */
export interface VerifierResult {
  /** The reward before the component weight is applied. Always finite. */
  value: number;
  /** A short human-readable explanation, shown in the rollout inspector. */
  reason: string;
  /** Present only for answer-type verifiers: whether the final answer is right. */
  correct?: boolean;
  /** The answer the verifier read from the completion, when it read one. */
  extracted?: string;
}

/**
 * A verifier. `params` is partial: every field has a documented default in
 * the verifier's file. A verifier never throws on model output; registry
 * entries are built with defineVerifier, which enforces that.
 */
export type Verifier<P extends object> = ((input: VerifierInput, params?: Partial<P>) => VerifierResult) & {
  /** The defaults that `params` is merged over. */
  readonly defaults: Readonly<P>;
  /**
   * 'answer': judges the final answer and always sets `correct` (these decide
   * scoreCompletion's `correct`, the accuracy DAPO's dynamic sampling filters on).
   * 'shaping': format and length terms; never sets `correct`.
   */
  readonly kind: VerifierKind;
  /** One-paragraph explanation and per-parameter help, shown in the wizard's Reward step. */
  readonly doc: VerifierDoc;
};

export interface VerifierDoc {
  summary: string;
  params: Record<string, RewardParamDoc>;
}

export type VerifierKind = 'answer' | 'shaping';

/** One weighted component of a reward: `weight · verifiers[name](input, params).value`. */
export interface RewardComponent {
  name: VerifierName;
  weight: number;
  /** Partial params of that verifier; omitted fields take its documented defaults. */
  params?: object;
}

/** A recipe's reward: the sum of its weighted components. */
export interface RewardSpec {
  components: RewardComponent[];
}

/** scoreCompletion's result for one completion. */
export interface CompletionScore {
  /** Σ weight · value. */
  total: number;
  /** Each component's unweighted value and reason, keyed by name (`name#2` for a repeat). */
  components: Record<string, { value: number; reason: string }>;
  /** Every answer-type component judged the answer correct (false if there is none). */
  correct: boolean;
}
