/**
 * CLIPO's "similarity fluctuation" diagnostic: mean cosine similarity over pairs i < j in
 * the same group, split into correct–correct (pos), incorrect–incorrect (neg) and mixed
 * pairs; similarities clamped to [−1, 1]. Pairs are pooled over the whole batch (each pair
 * counts once). Used for head embeddings (`embeddings/group/...`) and raw pooled states
 * (`hidden_states/group/...`). A category with no pair gives NaN (callers omit it).
 * reference: CLIPO metric_utils.py:280-381 (compute_embedding_metrics); paper Fig. 5.
 */
import { M } from '../../api/contract/metricNames.js';
import type { FloatArray } from '../types.js';

export interface SimilarityFluctuation {
  posPairSim: number;
  negPairSim: number;
  mixedPairSim: number;
  posPairs: number;
  negPairs: number;
  mixedPairs: number;
}

/** @param x [B, dim] vectors (normalised here), @param include [B] optional participation mask. */
export function similarityFluctuation(
  x: FloatArray,
  dim: number,
  labels: Uint8Array,
  groupIndex: Int32Array,
  include?: Uint8Array,
): SimilarityFluctuation {
  const B = labels.length;
  const inv = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += x[i * dim + k]! ** 2;
    inv[i] = 1 / Math.max(Math.sqrt(s), 1e-12);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < B; i++) {
    if (include && !include[i]) continue;
    const g = groupIndex[i]!;
    let l = groups.get(g);
    if (!l) groups.set(g, (l = []));
    l.push(i);
  }
  const sum = [0, 0, 0];
  const cnt = [0, 0, 0];
  for (const members of groups.values()) {
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        const i = members[a]!;
        const j = members[b]!;
        let d = 0;
        for (let k = 0; k < dim; k++) d += x[i * dim + k]! * x[j * dim + k]!;
        const sim = Math.min(Math.max(d * inv[i]! * inv[j]!, -1), 1);
        const cat = labels[i] && labels[j] ? 0 : !labels[i] && !labels[j] ? 1 : 2;
        sum[cat]! += sim;
        cnt[cat]!++;
      }
    }
  }
  const mean = (c: number): number => (cnt[c]! > 0 ? sum[c]! / cnt[c]! : NaN);
  return {
    posPairSim: mean(0),
    negPairSim: mean(1),
    mixedPairSim: mean(2),
    posPairs: cnt[0]!,
    negPairs: cnt[1]!,
    mixedPairs: cnt[2]!,
  };
}

/** The same statistics as named metrics, omitting empty categories. */
export function similarityMetrics(s: SimilarityFluctuation, source: 'embeddings' | 'hidden_states'): Record<string, number> {
  const names =
    source === 'embeddings'
      ? [M.embPosPairSim, M.embNegPairSim, M.embMixedPairSim]
      : [M.hiddenPosPairSim, M.hiddenNegPairSim, M.hiddenMixedPairSim];
  const vals = [s.posPairSim, s.negPairSim, s.mixedPairSim];
  const out: Record<string, number> = {};
  for (let k = 0; k < 3; k++) if (Number.isFinite(vals[k])) out[names[k]!] = vals[k]!;
  return out;
}
