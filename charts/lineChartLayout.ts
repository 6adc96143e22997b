/**
 * The geometry of a line chart: smoothed or stacked values, visible and
 * decimated points, domains, nice ticks with their labels, margins that fit
 * them, d3 scales, and each series' line, band and lone-point dots as path
 * data. Pure (d3 only): the UI's LineChart.svelte draws it into the page, and
 * svgLineChart.ts serialises the same layout into a standalone SVG for
 * reports (`clipo experiment`), so a figure in docs/RESULTS.md is drawn by the
 * code that draws the dashboard.
 */
import { scaleLinear, type ScaleLinear } from 'd3';
import { stepsOf } from './alignByStep.js';
import type { ChartSeries, XDomain } from './chartTypes.js';
import { minMaxIndices } from './downsample.js';
import { areaPathOf, coordText, linePathOf, type CoordTexts } from './pathStrings.js';
import { rangeIndices } from './nearest.js';
import { seriesColour, seriesDash } from './palette.js';
import { emaSmoothGrowing } from './smoothing.js';
import { chartDomain, niceTicks, tickLabels } from './ticks.js';

export interface LineChartInput {
  series: ChartSeries[];
  width: number;
  height: number;
  xLabel?: string;
  yLabel?: string;
  smoothing?: number;
  stacked?: boolean;
  dark?: boolean;
  /** false draws every point; true keeps a few per pixel column. */
  decimate?: boolean;
  zoom?: XDomain;
  /**
   * The series grow (a live run): the x axis ends a little past the last point, at a rounded step
   * (growingEnd), and decimation buckets are fixed to the axis, so appending a step leaves the scales
   * and all but the last bucket as they were.
   */
  growX?: boolean;
  /** Point texts kept from the previous layout (the dashboard's charts): only new points are formatted. */
  coords?: CoordTexts;
}

export interface PreparedSeries { s: ChartSeries; ys: ArrayLike<number>; base: number[] | null }

export interface SeriesPaths {
  id: string;
  label: string;
  colour: string;
  dash: string;
  /** the line (smoothed when smoothing > 0) */
  d: string;
  /** the faint raw line behind a smoothed one */
  raw: string | null;
  /** min/max envelope, or the stacked area */
  band: string | null;
  /** points with no drawn neighbour (invisible as a line) */
  dots: { cx: number; cy: number }[];
}

export interface LineChartLayout {
  prepared: PreparedSeries[];
  fullX: [number, number];
  xDomain: [number, number];
  yDomain: [number, number];
  margin: { top: number; right: number; bottom: number; left: number };
  plotW: number;
  plotH: number;
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
  xTicks: number[];
  xTickLabels: string[];
  yTicks: number[];
  yTickLabels: string[];
  paths: SeriesPaths[];
  pointCount: number;
  drawnCount: number;
}

/** Smoothed (and stacked) y values over the full history. */
export function prepareSeries(series: ChartSeries[], smoothing: number, stacked: boolean): PreparedSeries[] {
  if (!stacked) {
    return series.map((s) => ({ s, ys: (smoothing > 0 ? emaSmoothGrowing(s.ys, smoothing) : s.ys) as ArrayLike<number>, base: null }));
  }
  // Stacked: each series on top of the ones before it at the same step (series can miss steps).
  const byStep = series.map((s) => {
    const m = new Map<number, number>();
    const st = stepsOf(s);
    for (let k = 0; k < st.length; k++) m.set(st[k]!, Number.isFinite(s.ys[k]!) ? s.ys[k]! : 0);
    return m;
  });
  return series.map((s, i) => {
    const st = stepsOf(s);
    const base = new Array<number>(st.length), cum = new Array<number>(st.length);
    for (let k = 0; k < st.length; k++) {
      let b = 0;
      for (let j = 0; j < i; j++) b += byStep[j]!.get(st[k]!) ?? 0;
      base[k] = b;
      cum[k] = b + (Number.isFinite(s.ys[k]!) ? s.ys[k]! : NaN);
    }
    return { s, ys: cum as ArrayLike<number>, base };
  });
}

/** The drawn indices with -1 where the line must break: a step this series missed lies between two neighbours. */
function withBreaks(idx: number[], gaps: ArrayLike<number> | undefined): number[] {
  if (!gaps) return idx;
  const out: number[] = [];
  for (let i = 0; i < idx.length; i++) {
    if (i > 0 && gaps[idx[i]!] !== gaps[idx[i - 1]!]) out.push(-1);
    out.push(idx[i]!);
  }
  return out;
}

export function lineChartLayout(o: LineChartInput): LineChartLayout {
  const { series, width, height } = o;
  const xLabel = o.xLabel ?? 'step', yLabel = o.yLabel ?? '';
  const smoothing = o.smoothing ?? 0, stacked = o.stacked ?? false, dark = o.dark ?? false, decimate = o.decimate ?? true;
  const prepared = prepareSeries(series, smoothing, stacked);

  let lo = Infinity, hi = -Infinity;
  for (const s of series) if (s.xs.length) { lo = Math.min(lo, s.xs[0]!); hi = Math.max(hi, s.xs[s.xs.length - 1]!); }
  const fullX: [number, number] = Number.isFinite(lo) ? (lo === hi ? [lo - 1, hi + 1] : [lo, o.growX ? growingEnd(lo, hi) : hi]) : [0, 1];
  const xDomain: [number, number] = o.zoom ?? fullX;

  // Visible, decimated points per series (indices into the full arrays).
  const visible = prepared.map(({ s, ys, base }) => {
    const [a, b] = rangeIndices(s.xs, xDomain[0], xDomain[1]);
    const from = Math.max(0, a - 1), to = Math.min(s.xs.length - 1, b + 1);
    // About two points per pixel column (a bucket keeps its first, min, max and last): spikes stay, the path stays short.
    const idx = decimate
      ? minMaxIndices(s.xs, ys, Math.ceil(Math.max(20, (width - 80) / 2)), from, to, o.growX ? xDomain : undefined)
      : Array.from({ length: Math.max(0, to - from + 1) }, (_, k) => k + from);
    return { s, ys, base, idx };
  });

  const yTickCount = Math.max(2, Math.floor((height - 44) / 40));
  // Only the extremes matter: scan without collecting (a live update redoes this for every chart on screen).
  const sm = !stacked && smoothing > 0;
  let ylo = Infinity, yhi = -Infinity;
  const see = (a: number) => { if (Number.isFinite(a)) { if (a < ylo) ylo = a; if (a > yhi) yhi = a; } };
  for (const v of visible) {
    const ys = v.ys, raw = v.s.ys, mn = stacked ? undefined : v.s.min, mx = stacked ? undefined : v.s.max, idx = v.idx;
    for (let j = 0; j < idx.length; j++) {
      const k = idx[j]!;
      see(ys[k]!);
      if (mn && mx) { see(mn[k]!); see(mx[k]!); }
      if (sm) see(raw[k]!);
    }
  }
  if (stacked) { ylo = Math.min(ylo, 0); yhi = Math.max(yhi, 0); }
  const yDomain = chartDomain(ylo <= yhi ? [ylo, yhi] : [], yTickCount);

  // Margins follow the tick labels, so "0.004999" is never clipped: the left margin is as wide as the longest label.
  const yTicks = niceTicks(yDomain[0], yDomain[1], yTickCount);
  const yTickLabels = tickLabels(yTicks);
  const margin = { top: 8, right: 12, bottom: 34, left: Math.max(30, 10 + 6.2 * Math.max(1, ...yTickLabels.map((l) => l.length))) + (yLabel ? 14 : 0) };
  const plotW = Math.max(40, width - margin.left - margin.right);
  const plotH = Math.max(40, height - margin.top - margin.bottom);
  const x = scaleLinear().domain(xDomain).range([0, plotW]);
  const y = scaleLinear().domain(yDomain).range([plotH, 0]);

  // Path strings written directly (pathStrings.ts), not through d3.line: a live update rebuilds every on-screen
  // chart's paths. With `coords`, a point's text is formatted once per scale (see CoordTexts).
  const scales = `${xDomain[0]},${xDomain[1]},${plotW};${yDomain[0]},${yDomain[1]},${plotH}`;
  const texts = (xs: ArrayLike<number>, ys: ArrayLike<number>): ((k: number) => string) => {
    const px = (k: number) => x(xs[k]!), py = (k: number) => y(ys[k]!);
    return o.coords ? o.coords.of(xs, ys, scales, px, py) : (k) => coordText(px(k), py(k));
  };
  const paths = visible.map((v, i): SeriesPaths => {
    const xs = v.s.xs, ys = v.ys, rawYs = v.s.ys;
    const finite = (k: number) => k >= 0 && Number.isFinite(ys[k]!);
    const pts = withBreaks(v.idx, v.s.gaps);
    const raw = sm ? linePathOf(pts, texts(xs, rawYs), (k) => Number.isFinite(rawYs[k]!)) : null;
    // A point with no drawn neighbour would be invisible on a line: draw it as a dot.
    const dots: number[] = [];
    for (let j = 0; j < pts.length; j++) {
      const k = pts[j]!;
      if (finite(k) && !finite(pts[j - 1] ?? -1) && !finite(pts[j + 1] ?? -1)) dots.push(k);
    }
    let band: string | null = null;
    if (stacked && v.base) {
      band = areaPathOf(pts, texts(xs, ys), texts(xs, v.base), finite);
    } else if (v.s.min && v.s.max) {
      const mn = v.s.min, mx = v.s.max;
      band = areaPathOf(pts, texts(xs, mx), texts(xs, mn), (k) => Number.isFinite(mn[k]!) && Number.isFinite(mx[k]!));
    }
    return {
      id: v.s.id, label: v.s.label, colour: seriesColour(i, dark), dash: seriesDash(i), d: linePathOf(pts, texts(xs, ys), finite), raw, band,
      dots: dots.map((k) => ({ cx: x(xs[k]!), cy: y(ys[k]!) })),
    };
  });

  // Steps are whole numbers: no 1.5-step ticks on a short run. Labels are kept distinct.
  const xTicks = niceTicks(xDomain[0], xDomain[1], Math.max(2, Math.floor(plotW / 80)), xLabel === 'step');
  return {
    prepared, fullX, xDomain, yDomain, margin, plotW, plotH, x, y,
    xTicks, xTickLabels: tickLabels(xTicks), yTicks, yTickLabels,
    paths,
    pointCount: series.reduce((n, s) => n + s.xs.length, 0),
    drawnCount: visible.reduce((n, v) => n + v.idx.length, 0),
  };
}

/**
 * Where the x axis of a growing series ends: past `hi`, rounded up to a fiftieth of the span's power of ten
 * (10,009 steps from 1 end at 10,201), so the axis stays put for the next steps and at most ~2% of the
 * plot is empty on the right.
 */
export function growingEnd(lo: number, hi: number): number {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return hi;
  const g = Math.pow(10, Math.floor(Math.log10(span))) / 50;
  return lo + Math.ceil(span / g - 1e-9) * g;
}
