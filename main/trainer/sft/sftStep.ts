/**
 * One SFT step inside a run (docs/DESIGN.md "Supervised fine-tuning"): draw
 * `sft.batchSize` rows from the run's data cursor, render each prompt exactly
 * as RL does (renderPrompt), append the target text's tokens and the model's
 * end-of-turn token, then one engine backward (token-mean NLL of the targets,
 * prompts masked) and one AdamW step at the SFT learning-rate schedule.
 */
import { performance } from 'node:perf_hooks';
import type { EngineModel } from '../../../engine/index.js';
import type { Recipe } from '../../api/contract/index.js';
import type { TaskRow } from '../../data/types.js';
import { lrAt } from '../lrSchedule.js';
import type { PromptCursor } from '../PromptCursor.js';
import { S } from './sftMetrics.js';
import { sftBatch } from './sftBatch.js';
import { sftTargetText } from './sftTarget.js';

export interface SftStepDeps {
  recipe: Recipe;
  rows: TaskRow[];
  cursor: PromptCursor;
  engine: EngineModel;
  promptTokens: (row: TaskRow) => number[];
  /** Target text → tokens (no BOS), then the end-of-turn token appended. */
  targetTokens: (text: string) => number[];
}

export interface SftStepResult { metrics: Record<string, number>; warning: string | null; engineMs: number }

export async function sftStep(d: SftStepDeps, local: number): Promise<SftStepResult> {
  const { recipe: r, engine } = d;
  const items = d.cursor.take(r.sft.batchSize).map((i) => {
    const row = d.rows[i]!;
    return { promptTokens: d.promptTokens(row), targetTokens: d.targetTokens(sftTargetText(row, r)) };
  });
  const b = sftBatch(items);
  const lr = lrAt(local, r.sft.steps, r.sft);
  const metrics: Record<string, number> = { [S.lr]: lr, [S.targetTokens]: b.targetTokens };
  if (b.targetTokens === 0) return { metrics, warning: `SFT step ${local}: no target tokens in the batch, nothing to learn`, engineMs: 0 };
  const t0 = performance.now();
  const bw = await engine.backward(b.seqs, b.weights, { tokenBudget: r.training.tokenBudget });
  if (!Number.isFinite(bw.loss)) {
    await engine.zeroGrad();
    return { metrics, warning: `SFT step ${local}: the loss was not finite (NaN or ±∞), so this update was skipped; if it repeats, lower sft.lr`, engineMs: performance.now() - t0 };
  }
  const gradNorm = await engine.step({
    lr, beta1: r.optim.beta1, beta2: r.optim.beta2, eps: r.optim.eps, weightDecay: r.optim.weightDecay, maxGradNorm: r.optim.maxGradNorm,
  });
  const engineMs = performance.now() - t0;
  Object.assign(metrics, {
    [S.loss]: bw.loss, [S.optimLoss]: bw.loss, [S.gradNorm]: gradNorm, [S.peakBytes]: bw.peakBytes,
    // Tokens through forward+backward per second of engine time (prompt tokens cost compute too).
    [S.tokensPerSec]: b.totalTokens / Math.max(1e-9, engineMs / 1000),
    [S.targetTokensPerSec]: b.targetTokens / Math.max(1e-9, engineMs / 1000),
  });
  return { metrics, warning: null, engineMs };
}
