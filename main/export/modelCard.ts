/**
 * The exported adapter's model card (README.md): what it is, how it was
 * trained (recipe, data, algorithm, steps), final training metrics, and the
 * evaluation table (base vs checkpoints, side by side). Pure.
 */
import { shownStep, type Recipe } from '../api/contract/index.js';

export interface CardEvaluation { checkpoint: 'base' | number; dataset: string; split: string; metric: string; k: number | null; value: number; n: number }

export interface ModelCardInput {
  runName: string;
  runId: number;
  step: number;
  format: string;
  baseModelName: string;
  baseModelFile: string;
  baseModelSha256: string | null;
  arch: string;
  recipe: Recipe;
  finalMetrics: Record<string, number>;
  evaluations: CardEvaluation[];
  files: string[];
  usage: string[];
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(3));

function dataLabel(r: Recipe): string {
  if (r.data.kind === 'dataset') return `dataset \`${r.data.name}\` (${r.data.split} split, ${r.data.format}; question: \`${r.data.fields.question}\`, answer: \`${r.data.fields.answer}\`)`;
  return r.data.kind === 'builtin' ? `built-in task \`${r.data.task}\` (${r.data.split ?? 'train'} split)` : `JSONL \`${r.data.path.split(/[\\/]/).pop()}\` (question: \`${r.data.fields.question}\`, answer: \`${r.data.fields.answer}\`)`;
}

/** Evaluation table: one row per (dataset, split, metric), one column per checkpoint (base first). */
export function evaluationTable(evals: CardEvaluation[]): string {
  if (evals.length === 0) return '_No evaluation recorded yet: run `npx clipo eval <run> --dataset …`._';
  const cols = [...new Set(evals.map((e) => e.checkpoint))].sort((a, b) => (a === 'base' ? -1 : b === 'base' ? 1 : a - b));
  const key = (e: CardEvaluation) => `${e.dataset}\u0000${e.split}\u0000${e.metric}\u0000${e.metric === 'pass@1' ? '' : e.k ?? ''}`;
  const rows = new Map<string, Map<'base' | number, CardEvaluation>>();
  for (const e of evals) {
    const m = rows.get(key(e)) ?? new Map();
    m.set(e.checkpoint, e); // later rows (newer) win
    rows.set(key(e), m);
  }
  // Steps as people count them (stored + 1), like the app and `clipo show`.
  const head = `| dataset | split | metric | ${cols.map((c) => (c === 'base' ? 'base' : `step ${shownStep(c)}`)).join(' | ')} |`;
  const sep = `|---|---|---|${cols.map(() => '---').join('|')}|`;
  const body = [...rows.entries()].map(([k, m]) => {
    const [dataset, split, metric] = k.split('\u0000');
    const any = [...m.values()][0]!;
    const label = metric!.replace('@k', `@${any.k ?? 'k'}`);
    return `| ${dataset} | ${split} | ${label} | ${cols.map((c) => { const e = m.get(c); return e ? `${fmt(e.value)} (n=${e.n})` : '–'; }).join(' | ')} |`;
  });
  return [head, sep, ...body].join('\n');
}

export function modelCard(c: ModelCardInput): string {
  const r = c.recipe;
  const a = r.algorithm;
  const clipo = a.clipo.enabled
    ? `CLIPO contrastive reward on: ${a.clipo.head} head, output ${a.clipo.outputSize}, ${a.clipo.loss}, τ=${a.clipo.temperature}, λ=${a.clipo.lambda}, head lr ${a.clipo.lr}, warmup ${a.clipo.warmupSteps} steps${a.clipo.frozenHead ? ', frozen head (CLIPO-fixed)' : ''}`
    : 'CLIPO off';
  const metrics = Object.entries(c.finalMetrics).filter(([k]) => /^(reward|train|clipo|kl|policy)\//.test(k)).slice(0, 24);
  return `---
base_model: ${JSON.stringify(c.baseModelName)}
library_name: ${c.format === 'peft' ? 'peft' : 'gguf'}
tags: [lora, rl, ${a.objective}${a.clipo.enabled ? ', clipo' : ''}, clipo-workbench]
---

# ${c.runName} (step ${c.step})

A LoRA adapter trained with reinforcement learning by Clipo Workbench (run ${c.runId}, checkpoint at step ${c.step}), exported as **${c.format}**.

| | |
|---|---|
| base model | ${c.baseModelName} (\`${c.baseModelFile}\`, arch \`${c.arch}\`) |
| base model sha256 | ${c.baseModelSha256 ?? 'not computed'} |
| LoRA | rank ${r.lora.rank}, alpha ${r.lora.alpha} (scale ${fmt(r.lora.alpha / r.lora.rank)}), targets ${r.lora.targets.join(', ')} |
| data | ${dataLabel(r)} |
| prompt | chat template: ${r.prompt.chatTemplate}; system: ${r.prompt.systemPrompt ? JSON.stringify(r.prompt.systemPrompt) : 'none'}; suffix: ${r.prompt.suffix ? JSON.stringify(r.prompt.suffix) : 'none'} |
| reward | ${r.reward.components.map((x) => `${x.name}×${x.weight}`).join(' + ')} |
| algorithm | ${a.objective} (advantage ${a.advantage}, aggregation ${a.aggregation}, clip ${a.clipLow}/${a.clipHigh}, dual-clip ${a.dualClip}, KL ${a.klCoef} ${a.klEstimator}${a.dynamicSampling ? ', dynamic sampling' : ''}); ${clipo} |
| optimiser | AdamW lr ${r.optim.lr}, betas (${r.optim.beta1}, ${r.optim.beta2}), wd ${r.optim.weightDecay}, clip ${r.optim.maxGradNorm}, ${r.optim.schedule} schedule, warmup ${r.optim.warmupSteps} |
| rollouts | group ${r.rollout.groupSize} × ${r.rollout.promptsPerStep} prompts per step, T=${r.rollout.temperature}, top-p ${r.rollout.topP}, max ${r.rollout.maxTokens} tokens |
| steps | ${c.step + 1} of ${(r.sft.enabled ? r.sft.steps : 0) + r.training.steps}${r.sft.enabled ? ` (${r.sft.steps} SFT: ${r.sft.batchSize} rows per step, lr ${r.sft.lr}, ${r.sft.schedule}, target ${r.sft.target}; then ${r.training.steps} RL)` : ''} (seed ${r.training.seed}) |

## Final training metrics (step ${c.step})

${metrics.length ? `| metric | value |\n|---|---|\n${metrics.map(([k, v]) => `| ${k} | ${fmt(v)} |`).join('\n')}` : '_none recorded_'}

## Evaluation

pass@k uses the unbiased estimator of Chen et al. (2021); pass@1 is the mean correctness over the k samples (avg@k), or greedy decoding when the temperature is 0.

${evaluationTable(c.evaluations)}

## Files

${c.files.map((f) => `- \`${f}\``).join('\n')}

## Use

${c.usage.join('\n')}

## Recipe (verbatim)

\`\`\`json
${JSON.stringify(r, null, 2)}
\`\`\`
`;
}
