/**
 * Embedding scatter panels as standalone SVG text: each panel laid out by
 * layoutScatter (the layout EmbeddingScatter.svelte uses) with the same
 * markers (d3 symbols: correct = blue circle, incorrect = vermilion cross).
 * Used by the experiment report; pure.
 */
import { symbol, symbolCircle, symbolCross } from 'd3';
import { CORRECT_COLOUR, INCORRECT_COLOUR } from './palette.js';
import { layoutScatter, type ProjectedPoint } from './scatterLayout.js';
import { esc, REPORT_THEME } from './svgLineChart.js';

export interface ScatterPanel { title: string; points: ProjectedPoint[] }

/** Marker path data, as in EmbeddingScatter.svelte. */
export const CORRECT_MARKER = symbol(symbolCircle, 48)() ?? '';
export const INCORRECT_MARKER = symbol(symbolCross, 60)() ?? '';

/** Panels side by side (wrapping after `perRow`), one `<g class="panel">` each. */
export function svgScatter(title: string, panels: ScatterPanel[], o: { panelWidth?: number; panelHeight?: number; perRow?: number } = {}): string {
  const W = o.panelWidth ?? 260, H = o.panelHeight ?? 220, perRow = Math.max(1, o.perRow ?? 4), T = REPORT_THEME;
  const titleH = 22, capH = 18, gap = 10;
  const rows = Math.max(1, Math.ceil(panels.length / perRow));
  const width = Math.min(panels.length || 1, perRow) * (W + gap) + gap, height = titleH + rows * (capH + H + gap) + 20;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(T.font)}" role="img" aria-label="${esc(title)}">`);
  out.push(`<rect width="100%" height="100%" fill="${T.surface}"/>`);
  out.push(`<text x="8" y="15" font-size="13" font-weight="600" fill="${T.text}">${esc(title)}</text>`);
  panels.forEach((panel, i) => {
    const px = gap + (i % perRow) * (W + gap), py = titleH + Math.floor(i / perRow) * (capH + H + gap);
    const nCorrect = panel.points.filter((p) => p.correct).length;
    out.push(`<g class="panel" transform="translate(${px},${py})" data-points="${panel.points.length}">`);
    out.push(`<text x="0" y="12" font-size="11" fill="${T.text}">${esc(panel.title)} (${nCorrect}/${panel.points.length} correct)</text>`);
    out.push(`<g transform="translate(0,${capH})"><rect width="${W}" height="${H}" fill="${T.surface}" stroke="${T.border}"/>`);
    for (const { p, px: x, py: y } of layoutScatter(panel.points, W, H)) {
      out.push(`<path d="${p.correct ? CORRECT_MARKER : INCORRECT_MARKER}" transform="translate(${x.toFixed(1)},${y.toFixed(1)})" fill="${p.correct ? CORRECT_COLOUR : INCORRECT_COLOUR}" stroke="${T.surface}" stroke-width="0.8"/>`);
    }
    out.push('</g></g>');
  });
  const ly = height - 14;
  out.push(`<g transform="translate(10,${ly})"><path d="${CORRECT_MARKER}" transform="translate(5,0)" fill="${CORRECT_COLOUR}"/><text x="14" y="0" dy="0.32em" font-size="11" fill="${T.text}">correct</text>`);
  out.push(`<path d="${INCORRECT_MARKER}" transform="translate(80,0)" fill="${INCORRECT_COLOUR}"/><text x="89" y="0" dy="0.32em" font-size="11" fill="${T.text}">incorrect</text></g>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
