/**
 * A line chart as standalone SVG text: the layout of lineChartLayout.ts (the
 * one LineChart.svelte draws) written out with the dashboard's light-theme
 * colours inlined, plus a legend. Used by the experiment report; pure.
 */
import type { ChartSeries } from './chartTypes.js';
import { lineChartLayout } from './lineChartLayout.js';

/** Light-theme values of the CSS variables LineChart.svelte uses (renderer/app.css). */
export const REPORT_THEME = { surface: '#ffffff', border: '#d5d9e2', muted: '#555b69', text: '#1b1d23', font: 'system-ui, -apple-system, "Segoe UI", sans-serif' } as const;

export const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number): string => String(Math.round(v * 100) / 100);

export interface SvgLineChartOptions {
  title: string;
  series: ChartSeries[];
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  smoothing?: number;
}

/** `<svg>` text with one `<path class="line" data-series=id>` per series and a `<path class="band">` where it has min/max. */
export function svgLineChart(o: SvgLineChartOptions): string {
  const width = o.width ?? 640, plotHeight = o.height ?? 260;
  const L = lineChartLayout({ series: o.series, width, height: plotHeight, xLabel: o.xLabel ?? 'step', yLabel: o.yLabel ?? '', smoothing: o.smoothing ?? 0, decimate: false });
  const T = REPORT_THEME, M = L.margin;
  const titleH = 22, legendRow = 18;
  const perRow = Math.max(1, Math.floor((width - 16) / 170));
  const legendH = Math.ceil(L.paths.length / perRow) * legendRow + 6;
  const H = titleH + plotHeight + legendH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H}" viewBox="0 0 ${width} ${H}" font-family="${esc(T.font)}" role="img" aria-label="${esc(o.title)}">`);
  out.push(`<rect width="100%" height="100%" fill="${T.surface}"/>`);
  out.push(`<text x="8" y="15" font-size="13" font-weight="600" fill="${T.text}">${esc(o.title)}</text>`);
  out.push(`<g transform="translate(${n(M.left)},${n(M.top + titleH)})">`);
  L.yTicks.forEach((t, i) => {
    out.push(`<line x1="0" x2="${n(L.plotW)}" y1="${n(L.y(t))}" y2="${n(L.y(t))}" stroke="${T.border}" stroke-width="1"/>`);
    out.push(`<text x="-6" y="${n(L.y(t))}" dy="0.32em" text-anchor="end" font-size="10" fill="${T.muted}">${esc(L.yTickLabels[i]!)}</text>`);
  });
  L.xTicks.forEach((t, i) => out.push(`<text x="${n(L.x(t))}" y="${n(L.plotH + 16)}" text-anchor="middle" font-size="10" fill="${T.muted}">${esc(L.xTickLabels[i]!)}</text>`));
  out.push(`<line x1="0" x2="${n(L.plotW)}" y1="${n(L.plotH)}" y2="${n(L.plotH)}" stroke="${T.muted}"/>`);
  out.push(`<text x="${n(L.plotW / 2)}" y="${n(L.plotH + 30)}" text-anchor="middle" font-size="10.5" fill="${T.muted}">${esc(o.xLabel ?? 'step')}</text>`);
  if (o.yLabel) out.push(`<text transform="translate(${n(-M.left + 11)},${n(L.plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="10.5" fill="${T.muted}">${esc(o.yLabel)}</text>`);
  for (const p of L.paths) {
    if (p.band) out.push(`<path class="band" data-series="${esc(p.id)}" d="${p.band}" fill="${p.colour}" opacity="0.18" stroke="none"/>`);
    if (p.raw) out.push(`<path class="raw" d="${p.raw}" stroke="${p.colour}" fill="none" stroke-width="1" opacity="0.3"/>`);
    out.push(`<path class="line" data-series="${esc(p.id)}" d="${p.d}" stroke="${p.colour}" fill="none" stroke-width="1.8"${p.dash ? ` stroke-dasharray="${p.dash}"` : ''}/>`);
    for (const d of p.dots) out.push(`<circle cx="${n(d.cx)}" cy="${n(d.cy)}" r="2.6" fill="${p.colour}" data-series="${esc(p.id)}"/>`);
  }
  out.push('</g>');
  const ly = titleH + plotHeight + 4;
  L.paths.forEach((p, i) => {
    const lx = 8 + (i % perRow) * 170, yy = ly + Math.floor(i / perRow) * legendRow;
    out.push(`<g class="legend" transform="translate(${lx},${yy})"><line x1="0" x2="22" y1="6" y2="6" stroke="${p.colour}" stroke-width="2.5"${p.dash ? ` stroke-dasharray="${p.dash}"` : ''}/><text x="28" y="6" dy="0.32em" font-size="11" fill="${T.text}">${esc(p.label)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
