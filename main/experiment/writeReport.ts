/**
 * The experiment report: report.md (setup, a summary that says only what the
 * intervals support, one table per split with the base model (before RL)
 * first, mean ± 95 % t interval per arm and the paired differences to the
 * first arm and to the base model, figures), results.json (the
 * numbers), and figures/*.svg drawn by the UI's chart layout (charts/).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartSeries } from '../../charts/chartTypes.js';
import { svgLineChart } from '../../charts/svgLineChart.js';
import { svgScatter } from '../../charts/svgScatter.js';
import { M } from '../api/contract/metricNames.js';
import type { DiffStat, ExperimentResults, ScatterData } from './collectResults.js';
import type { ExperimentSpec } from './experimentSpec.js';
import type { MeanCI } from './stats.js';

export const fmt = (v: number | null | undefined, d = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const signed = (v: number, d = 3) => (v > 0 ? '+' : '') + fmt(v, d);
/** "0.512 ± 0.034" (no interval from one seed: "0.512"). */
export const pm = (c: MeanCI): string => (c.half === null ? fmt(c.mean) : `${fmt(c.mean)} ± ${fmt(c.half)}`);
export const interval = (c: MeanCI): string => (c.lo === null || c.hi === null ? '–' : `[${fmt(c.lo)}, ${fmt(c.hi)}]`);
const slug = (t: string) => t.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export interface Figure { file: string; title: string; caption: string }

function curveSeries(res: ExperimentResults, metric: string, arms: string[], labelOf: (arm: string) => string = (a) => a): ChartSeries[] {
  return arms.flatMap((arm) => {
    const pts = res.curves[metric]?.[arm];
    if (!pts?.length) return [];
    const shown = pts.map((p) => p.step + 1); // 1-based, as the UI counts
    return [{ id: arm, label: labelOf(arm), xs: shown, ys: pts.map((p) => p.mean), min: pts.map((p) => p.min), max: pts.map((p) => p.max) }];
  });
}

export function renderFigures(res: ExperimentResults, scatter: ScatterData[], dir: string): Figure[] {
  mkdirSync(dir, { recursive: true });
  // A figure an earlier run of the report had (an arm since removed) must not linger beside the new ones.
  for (const f of readdirSync(dir)) if (f.endsWith('.svg')) rmSync(join(dir, f), { force: true });
  const figs: Figure[] = [];
  const band = res.seeds.length > 1 ? `lines: mean over ${res.seeds.length} seeds; band: lowest to highest seed at each step` : 'one seed';
  const write = (file: string, title: string, caption: string, svg: string) => { writeFileSync(join(dir, file), svg); figs.push({ file, title, caption }); };
  for (const [metric, title, yLabel] of [[M.accuracy, 'Training accuracy (sampled rollouts)', 'fraction correct'], [M.rewardMean, 'Training reward (mean per step)', 'reward']] as const) {
    const series = curveSeries(res, metric, res.arms);
    // Dynamic sampling keeps only groups with mixed rewards, so such an arm's training accuracy is pulled towards 0.5 (main/trainer/collectRollouts.ts).
    const ds = res.dynamicSamplingArms.length ? ` ${res.dynamicSamplingArms.join(', ')} trains only on groups with mixed rewards (dynamic sampling) and its curve is over those groups, so it is not comparable with the other arms here; the evaluation tables are.` : '';
    if (series.length) write(`${slug(metric)}.svg`, title, `\`${metric}\` per step, every arm; ${band}.${ds}`, svgLineChart({ title, series, yLabel }));
  }
  // Similarity fluctuation (CLIPO §1.7): mean cosine similarity of correct–correct, incorrect–incorrect and mixed pairs per group.
  for (const arm of res.arms) {
    for (const [prefix, space, names] of [
      ['embeddings', 'CLIPO head embeddings', [M.embPosPairSim, M.embNegPairSim, M.embMixedPairSim]],
      ['hidden_states', 'pooled hidden states', [M.hiddenPosPairSim, M.hiddenNegPairSim, M.hiddenMixedPairSim]],
    ] as const) {
      const labels = ['correct–correct', 'incorrect–incorrect', 'correct–incorrect'];
      const series = names.flatMap((name, i) => {
        const s = curveSeries(res, name, [arm])[0];
        return s ? [{ ...s, id: `${arm}:${name}`, label: labels[i]! }] : [];
      });
      if (series.length === 0) continue;
      write(`similarity-${prefix}-${slug(arm)}.svg`, `Similarity fluctuation, ${space}: ${arm}`,
        `mean pairwise cosine similarity within groups (\`${prefix}/group/*_pair_sim/mean\`), ${arm}; ${band}.`,
        svgLineChart({ title: `Similarity within groups (${space}): ${arm}`, series, yLabel: 'cosine similarity' }));
    }
  }
  if (scatter.length) {
    const panels = scatter.map((s) => ({ title: `${s.arm} · step ${s.step + 1} · ${s.kind === 'head' ? 'head' : 'pooled'}`, points: s.points }));
    write('embedding-scatter.svg', 'Embedding scatter', `2-D projection of each completion's embedding (CLIPO head where the arm has one, else pooled hidden states) at the chosen steps, seed ${scatter[0]!.seed} of each arm; circles correct, crosses incorrect.`,
      svgScatter('Embeddings at chosen steps (first seed of each arm)', panels, { perRow: Math.max(1, new Set(scatter.map((s) => s.step)).size) }));
  }
  return figs;
}

/** Mean score from which a split counts as saturated in the summary. */
export const CEILING = 0.9;

/** The label of the reference row. */
export const BASE_LABEL = 'base model (before RL)';

/** One phrase per significant difference ("**arm <how>** by +0.1 (95 % CI …)"), then one naming the arms without one. */
function diffPhrases(diffs: readonly DiffStat[], how: (d: DiffStat) => string, none: (arms: string) => string): string[] {
  const parts = diffs.filter((d) => d.significant).map((d) => `**${d.arm} ${how(d)}** by ${signed(d.mean)} (95 % CI ${interval(d)})`);
  const rest = diffs.filter((d) => !d.significant).map((d) => d.arm);
  if (rest.length) parts.push(none(rest.join(', ')));
  return parts;
}

/** Sentences that say only what the intervals support. */
export function summaryLines(res: ExperimentResults): string[] {
  const base = res.arms[0]!;
  const lines: string[] = [];
  const hasBase = res.splits.some((s) => s.metrics.some((m) => m.base !== null));
  if (res.arms.length < 2 && !hasBase) return ['Only one arm: nothing is compared.'];
  if (res.seeds.length < 2) return [`One seed per arm: no confidence interval, so no difference between arms${hasBase ? ' or from the base model' : ''} can be called significant. Rerun with 2 or more seeds.`];
  if (res.arms.length < 2) lines.push('Only one arm: no arms are compared with each other.');
  else {
    for (const s of res.splits) {
      for (const m of s.metrics) {
        const parts = diffPhrases(m.diffs, (d) => `${d.mean > 0 ? 'better' : 'worse'} than ${base}`, (rest) => `no significant difference between ${base} and ${rest}`);
        // A split every arm nearly solves cannot rank them: say so rather than let "no difference" read as "equal".
        const lowest = Math.min(...m.arms.map((a) => a.mean));
        if (lowest >= CEILING) parts.push(`every arm averages ≥ ${CEILING} here, near the ceiling, so this split cannot separate them`);
        lines.push(`${s.title}, ${m.title}: ${parts.join('; ')}.`);
      }
    }
    const anySig = res.splits.some((s) => s.metrics.some((m) => m.diffs.some((d) => d.significant)));
    const comparisons = res.splits.length * 2 * (res.arms.length - 1 + (hasBase ? res.arms.length : 0));
    lines.push(anySig
      ? `Differences are paired by seed (same data order and initialisation) and called significant only where the 95 % t interval of the paired difference excludes zero; with ${res.seeds.length} seeds these intervals are wide, and ${comparisons} comparisons${hasBase ? ' (with those against the base model)' : ''} are made without a multiple-comparison correction, so treat a single significant cell with caution.`
      : `No paired difference between arms has a 95 % interval that excludes zero: with this model, these steps and ${res.seeds.length} seeds, the experiment does not show any arm better than ${base}.`);
  }
  if (hasBase) lines.push(...baseSummaryLines(res));
  return lines;
}

/** Which arms moved away from the model before RL, split by split: only where the paired interval excludes zero. */
function baseSummaryLines(res: ExperimentResults): string[] {
  const lines: string[] = [];
  for (const s of res.splits) {
    for (const m of s.metrics) {
      if (!m.base) continue;
      const parts = diffPhrases(m.diffsVsBase, (d) => `${d.mean > 0 ? 'above' : 'below'} the base model`, (rest) => `no significant change from the base model for ${rest}`);
      lines.push(`${s.title}, ${m.title}, against the ${BASE_LABEL} at ${fmt(m.base.mean)}: ${parts.join('; ')}.`);
    }
  }
  const all = res.splits.flatMap((s) => s.metrics.flatMap((m) => (m.base ? m.diffsVsBase : [])));
  const sig = all.filter((d) => d.significant);
  const anySig = sig.length > 0;
  const up = sig.filter((d) => d.mean > 0).length;
  // Each cell is its own 95 % test: among M cells with no real change, about M/20 exclude zero by chance.
  const chance = `${sig.length} of these ${all.length} differences from the base model exclude zero (${up} above, ${sig.length - up} below); ` +
    `with no real change about ${(all.length * 0.05).toFixed(1)} would by chance at the 95 % level (no multiple-comparison correction), so read a scattered handful as noise and a consistent sign across splits as a finding.`;
  const zeroWidth = res.splits.some((s) => s.metrics.some((m) => m.diffsVsBase.some((d) => d.significant && d.half === 0)));
  lines.push(anySig
    ? `The base model is evaluated once (evaluation sampling does not depend on the training seed), so the interval of a difference from it reflects only that arm's variation across seeds.${zeroWidth ? ` An interval of zero width means every seed moved by exactly the same amount; with ${res.seeds.length} seeds that is thin evidence, not certainty.` : ''} ${chance}`
    : `No arm's paired difference from the base model has a 95 % interval that excludes zero: with this model, these steps and ${res.seeds.length} seeds, the experiment does not show that RL training changed the evaluation scores.`);
  return lines;
}

export interface ReportOptions {
  spec: ExperimentSpec;
  res: ExperimentResults;
  figures: Figure[];
  /** figure links relative to the markdown file */
  figurePrefix: string;
  /** hand-written setup text placed before the generated sections */
  intro?: string;
  /** wall-clock of the whole command (seconds), when known */
  seconds?: number;
  /** summed wall-clock of the runs' training (store start/end times) */
  trainingSeconds?: number;
  /** the command that regenerates this report */
  command?: string;
}

export function reportMarkdown(o: ReportOptions): string {
  const { spec, res } = o;
  const base = res.arms[0]!;
  const L: string[] = [];
  L.push(`# Experiment: ${res.experiment}`, '');
  if (o.intro) L.push(o.intro.trim(), '');
  if (spec.description) L.push(`**This experiment.** ${spec.description.trim()}`, '');
  L.push('## Setup', '');
  L.push(`- model: \`${res.model}\`; task: \`${res.task}\`; ${res.steps} training steps per run; seeds ${res.seeds.join(', ')} (${res.seeds.length} per arm)`);
  L.push(`- arms: ${spec.arms.map((a) => `**${a.label}** (\`${JSON.stringify(a.recipe)}\`)`).join('; ')}`);
  L.push(`- evaluation of each run's final checkpoint: ${res.eval.limit} problems per split (the same problems for every run); pass@1 greedy; pass@${res.eval.k} from n=${res.eval.samples} samples at temperature ${res.eval.temperature} (unbiased estimator, Chen et al. 2021)`);
  const baseStat = res.splits[0]?.metrics[0]?.base ?? null;
  if (baseStat) L.push(`- ${BASE_LABEL}: run #${baseStat.runId} (${base}, seed ${baseStat.seed}) evaluated at checkpoint \`base\` (its model, prompt and reward, no adapter) on the same problems; evaluation sampling seeds do not depend on the training seed, so this one evaluation is the reference of every seed (no interval of its own); Δ vs base: arm − base on each seed, with its 95 % t interval`);
  L.push(`- intervals: mean ± half-width of the two-sided 95 % Student's t interval across seeds (n − 1 degrees of freedom); Δ: paired difference to **${base}** on the same seed, with its 95 % t interval`);
  L.push(`- runs (ordinary runs in the store; the app's Compare view shows them): ${res.runs.map((r) => `#${r.runId} ${r.arm}/seed ${r.seed} (${r.status})`).join(', ')}`);
  if (o.command) L.push(`- regenerate: \`${o.command}\`; training took ${Math.round(o.trainingSeconds ?? 0)} s in all (the runs' durations in the store)${o.seconds !== undefined ? `, and this invocation (skipping finished runs and evaluations) ${Math.round(o.seconds)} s` : ''}`);
  L.push('', '## Summary', '');
  for (const l of summaryLines(res)) L.push(`- ${l}`);
  L.push('', '## Results per split', '');
  for (const s of res.splits) {
    L.push(`### ${s.title}`, '');
    const withBase = s.metrics.some((m) => m.base !== null);
    const heads = s.metrics.flatMap((m) => [`${m.title}: mean ± 95 % CI`, `Δ vs ${base} [95 % CI]`, ...(withBase ? ['Δ vs base [95 % CI]'] : [])]);
    L.push(`| arm | seeds | ${heads.join(' | ')} |`, `|---|---|${heads.map(() => '---').join('|')}|`);
    const diffCell = (d: DiffStat) => `${fmt(d.mean)} ${interval(d)}${d.significant ? ' *' : ''}`;
    // The reference row first: one evaluation, no interval, nothing to differ from.
    if (withBase) L.push(`| *${BASE_LABEL}* | one evaluation, every seed | ${s.metrics.flatMap((m) => [m.base ? fmt(m.base.mean) : '–', '–', '(reference)']).join(' | ')} |`);
    for (const arm of res.arms) {
      const cells = s.metrics.flatMap((m) => {
        const a = m.arms.find((x) => x.arm === arm)!;
        const d = m.diffs.find((x) => x.arm === arm);
        const b = m.diffsVsBase.find((x) => x.arm === arm);
        return [pm(a), d ? diffCell(d) : '(baseline)', ...(withBase ? [b ? diffCell(b) : '–'] : [])];
      });
      const n = s.metrics[0]!.arms.find((x) => x.arm === arm)!.n;
      L.push(`| ${arm} | ${n} | ${cells.join(' | ')} |`);
    }
    L.push('', '<details><summary>per-seed values</summary>', '');
    L.push(`| arm | metric | ${res.seeds.map((x) => `seed ${x}`).join(' | ')} |`, `|---|---|${res.seeds.map(() => '---').join('|')}|`);
    for (const m of s.metrics) if (m.base) L.push(`| *${BASE_LABEL}* | ${m.key} | ${res.seeds.map((x) => fmt(m.base!.values[String(x)])).join(' | ')} |`);
    for (const m of s.metrics) for (const a of m.arms) L.push(`| ${a.arm} | ${m.key} | ${res.seeds.map((x) => fmt(a.values[String(x)])).join(' | ')} |`);
    L.push('', '</details>', '');
  }
  L.push('`*`: the interval of the paired difference excludes zero.', '');
  if (o.figures.length) {
    L.push('## Figures', '');
    for (const f of o.figures) L.push(`### ${f.title}`, '', `![${f.title}](${o.figurePrefix}${f.file})`, '', f.caption, '');
  }
  return L.join('\n');
}
