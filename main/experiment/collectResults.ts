/**
 * An experiment's numbers, read back from the run store (never from the
 * trainer's messages): per split and metric, each arm's value per seed (the
 * evaluation rows of the run's final checkpoint), the mean ± t interval
 * across seeds and the paired difference to the first arm; the base model
 * (before RL) and each arm's paired difference to it; per arm, training
 * curves averaged across seeds; embedding points at the chosen steps. The
 * report is a rendering of this object, and results.json is this object.
 */
import { M } from '../api/contract/metricNames.js';
import type { Store } from '../store/index.js';
import { evalSpecs, splitTitle, type ExperimentSpec } from './experimentSpec.js';
import { meanCI, pairedDiff, separatesFromZero, type MeanCI } from './stats.js';

export interface CellRun { arm: string; seed: number; runId: number; name: string }

/** Metrics reported per split: the evaluations-table metric and k that hold them. */
export function reportedMetrics(spec: ExperimentSpec): { key: string; title: string; metric: string; k: number }[] {
  return [
    { key: 'pass@1', title: 'pass@1 (greedy)', metric: 'pass@1-greedy', k: 1 },
    { key: 'pass@k', title: `pass@${spec.eval.k} (n=${spec.eval.samples}, T=${spec.eval.temperature})`, metric: 'pass@k', k: spec.eval.k },
  ];
}

export interface ArmStat extends MeanCI { arm: string; values: Record<string, number> }
/**
 * The model before RL: one evaluation (n = 1, no interval) of `runId` at checkpoint 'base', paired with every seed
 * (`values` repeats it per seed): evaluation sampling seeds do not depend on the training seed, so it is the same
 * for every seed's run.
 */
export interface BaseStat extends ArmStat { arm: 'base'; runId: number; seed: number }
export interface DiffStat extends MeanCI { arm: string; baseline: string; seeds: number[]; significant: boolean }
export interface SplitResult {
  split: string;
  title: string;
  /** evaluation problems per run */
  problems: number;
  metrics: {
    key: string; title: string; arms: ArmStat[]; diffs: DiffStat[];
    /** the base model (before RL); null when the spec turns it off (eval.base false) */
    base: BaseStat | null;
    /** every arm − base on the same seed (baseline "base"); empty without a base */
    diffsVsBase: DiffStat[];
  }[];
}
/** A training curve point: mean across seeds with the lowest and highest seed (with 2–3 seeds a per-step t band is wider than the metric's range). */
export interface CurvePoint { step: number; mean: number; min: number; max: number; n: number }
export interface ExperimentResults {
  experiment: string;
  model: string;
  task: string;
  steps: number;
  seeds: number[];
  arms: string[];
  eval: ExperimentSpec['eval'];
  runs: (CellRun & { status: string; finalCheckpoint: number | null })[];
  splits: SplitResult[];
  /** arms whose runs drop zero-variance groups (DAPO dynamic sampling): their training accuracy is over mixed groups only */
  dynamicSamplingArms: string[];
  /** metric name → arm → per-step mean, min and max across seeds */
  curves: Record<string, Record<string, CurvePoint[]>>;
}

/** Training-curve metrics averaged across seeds (those a run lacks are skipped). */
export const CURVE_METRICS = [
  M.accuracy, M.rewardMean,
  M.embPosPairSim, M.embNegPairSim, M.embMixedPairSim,
  M.hiddenPosPairSim, M.hiddenNegPairSim, M.hiddenMixedPairSim,
] as const;

/** The evaluation value of a run's final checkpoint, or NaN when it has none. */
export function evalValue(store: Store, runId: number, checkpointStep: number | null, dataset: string, split: string, metric: string, k: number, problems: number): number {
  const rows = store.evaluations.ofRun(runId).filter((e) => e.checkpointStep === checkpointStep && e.dataset === dataset && e.split === split && e.metric === metric && e.k === k && e.n === problems);
  return rows.length ? rows[rows.length - 1]!.value : NaN;
}

/** The run whose checkpoint 'base' is the experiment's model before RL: the first arm's run of the first seed. */
export function baseEvalRun(spec: ExperimentSpec, runs: CellRun[]): CellRun | undefined {
  return runs.find((r) => r.arm === spec.arms[0]!.label && r.seed === spec.seeds[0]);
}

export function collectResults(store: Store, spec: ExperimentSpec, model: string, runs: CellRun[]): ExperimentResults {
  const arms = spec.arms.map((a) => a.label);
  const withStatus = runs.map((r) => {
    const run = store.runs.get(r.runId);
    return { ...r, status: run.status, finalCheckpoint: store.checkpoints.list(r.runId).at(-1)?.step ?? null };
  });
  const baseRun = spec.eval.base ? baseEvalRun(spec, runs) : undefined;
  const splits: SplitResult[] = evalSpecs(spec).map((ds) => {
    const split = ds.slice(spec.task.length + 1);
    return {
      split, title: splitTitle(split), problems: spec.eval.limit,
      metrics: reportedMetrics(spec).map((m) => {
        const bySeed = new Map<string, Map<number, number>>();
        for (const r of withStatus) {
          const v = r.finalCheckpoint === null ? NaN : evalValue(store, r.runId, r.finalCheckpoint, spec.task, split, m.metric, m.k, spec.eval.limit);
          if (!bySeed.has(r.arm)) bySeed.set(r.arm, new Map());
          bySeed.get(r.arm)!.set(r.seed, v);
        }
        const armStats: ArmStat[] = arms.map((arm) => {
          const vs = bySeed.get(arm) ?? new Map<number, number>();
          return { arm, values: Object.fromEntries([...vs].filter(([, v]) => Number.isFinite(v)).map(([s, v]) => [String(s), v])), ...meanCI([...vs.values()]) };
        });
        const baseline = arms[0]!;
        const diffs: DiffStat[] = arms.slice(1).map((arm) => {
          const d = pairedDiff(bySeed.get(arm) ?? new Map(), bySeed.get(baseline) ?? new Map());
          return { arm, baseline, ...d, significant: separatesFromZero(d) };
        });
        let base: BaseStat | null = null;
        let diffsVsBase: DiffStat[] = [];
        if (baseRun) {
          // checkpoint 'base' is stored with checkpoint_step NULL
          const v = evalValue(store, baseRun.runId, null, spec.task, split, m.metric, m.k, spec.eval.limit);
          const baseBySeed = new Map(spec.seeds.map((s) => [s, v]));
          base = { arm: 'base', runId: baseRun.runId, seed: baseRun.seed, values: Number.isFinite(v) ? Object.fromEntries(spec.seeds.map((s) => [String(s), v])) : {}, ...meanCI([v]) };
          diffsVsBase = arms.map((arm) => {
            const d = pairedDiff(bySeed.get(arm) ?? new Map(), baseBySeed);
            return { arm, baseline: 'base', ...d, significant: separatesFromZero(d) };
          });
        }
        return { key: m.key, title: m.title, arms: armStats, diffs, base, diffsVsBase };
      }),
    };
  });
  const curves: ExperimentResults['curves'] = {};
  for (const name of CURVE_METRICS) {
    for (const arm of arms) {
      const series = withStatus.filter((r) => r.arm === arm).map((r) => store.metrics.series(r.runId, name));
      const byStep = new Map<number, number[]>();
      for (const s of series) for (const p of s) if (p.value !== null && Number.isFinite(p.value)) {
        const a = byStep.get(p.step);
        if (a) a.push(p.value); else byStep.set(p.step, [p.value]);
      }
      if (byStep.size === 0) continue;
      const pts = [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, vs]) => {
        return { step, mean: vs.reduce((x, y) => x + y, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), n: vs.length };
      });
      (curves[name] ??= {})[arm] = pts;
    }
  }
  return {
    experiment: spec.name, model, task: spec.task, steps: spec.steps, seeds: spec.seeds, arms, eval: spec.eval,
    runs: withStatus, splits, curves,
    dynamicSamplingArms: arms.filter((arm) => withStatus.some((r) => r.arm === arm && (JSON.parse(store.runs.get(r.runId).recipeJson) as { algorithm?: { dynamicSampling?: boolean } }).algorithm?.dynamicSampling === true)),
  };
}

export interface ScatterData { arm: string; seed: number; runId: number; kind: 'head' | 'pooled'; step: number; points: { sampleId: number; groupIndex: number; correct: boolean; x: number; y: number }[] }

/**
 * Embedding points of each arm's first-seed run at the stored step nearest to
 * each chosen (1-based) step: the CLIPO head's projection where the run has
 * one (else pooled hidden states), as the run page's scatter shows them.
 */
export function collectScatter(store: Store, spec: ExperimentSpec, runs: CellRun[]): ScatterData[] {
  const out: ScatterData[] = [];
  for (const arm of spec.arms) {
    const r = runs.find((x) => x.arm === arm.label && x.seed === spec.seeds[0]);
    if (!r) continue;
    for (const shown of spec.figures.scatterSteps) {
      let kind: 'head' | 'pooled' = spec.figures.embedding;
      const step = nearest(store.embeddings.stepsWithEmbeddings(r.runId), shown - 1);
      let pts = step === null ? [] : store.embeddings.ofStep(r.runId, step, kind);
      if (pts.length === 0 && kind === 'head') { kind = 'pooled'; pts = step === null ? [] : store.embeddings.ofStep(r.runId, step, kind); }
      if (step === null || pts.length === 0) continue;
      out.push({ arm: arm.label, seed: r.seed, runId: r.runId, kind, step, points: pts.map((e) => ({ sampleId: e.sampleId, groupIndex: e.promptIndex, correct: e.correct ?? false, x: e.x, y: e.y })) });
    }
  }
  return out;
}

function nearest(steps: number[], target: number): number | null {
  let best: number | null = null;
  for (const s of steps) if (best === null || Math.abs(s - target) < Math.abs(best - target)) best = s;
  return best;
}
