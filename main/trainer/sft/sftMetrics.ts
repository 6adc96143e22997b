/** Metric names an SFT step writes (main/api/contract/metricNames.ts holds them; this maps the trainer's view). */
import { M } from '../../api/contract/metricNames.js';

export const S = {
  loss: M.sftLoss,
  heldoutAccuracy: M.sftHeldoutAccuracy,
  targetTokens: M.sftTargetTokens,
  targetTokensPerSec: M.sftTargetTokensPerSec,
  tokensPerSec: M.tokensPerSec,
  optimLoss: M.loss,
  gradNorm: M.gradNorm,
  lr: M.lr,
  peakBytes: M.peakBytes,
  phase: M.phase,
} as const;
