/**
 * SVG path strings for chart lines and bands, written directly instead of
 * through d3.line/d3.area: a live update rebuilds every on-screen chart's
 * paths, and d3's generators call an accessor (and a Svelte signal read for
 * the scale) per coordinate. Same output shape as d3 with a linear curve:
 * each run of defined points starts with M, a lone point is `Mx,yZ`; a band
 * is its top edge forward and its bottom edge back, closed. Coordinates are
 * rounded to 0.01 px (shorter strings parse faster; invisible on screen).
 */
const r = (v: number) => Math.round(v * 100) / 100;

/** A point's coordinates as a path writes them: `x,y` rounded to 0.01 px. */
export const coordText = (x: number, y: number): string => r(x) + ',' + r(y);

/** `pts` are indices (−1 = a break); `px`/`py` give pixel coordinates of an index; `ok` says whether it is drawn. */
export function linePath(pts: ArrayLike<number>, px: (k: number) => number, py: (k: number) => number, ok: (k: number) => boolean): string {
  return linePathOf(pts, (k) => coordText(px(k), py(k)), ok);
}

/** linePath with each point's `x,y` text given (a caller may keep them from one redraw to the next). */
export function linePathOf(pts: ArrayLike<number>, xy: (k: number) => string, ok: (k: number) => boolean): string {
  let d = '';
  let run = 0;
  for (let j = 0; j < pts.length; j++) {
    const k = pts[j]!;
    if (k < 0 || !ok(k)) { if (run === 1) d += 'Z'; run = 0; continue; }
    d += (run === 0 ? 'M' : 'L') + xy(k);
    run++;
  }
  if (run === 1) d += 'Z';
  return d;
}

export function areaPath(pts: ArrayLike<number>, px: (k: number) => number, top: (k: number) => number, bottom: (k: number) => number, ok: (k: number) => boolean): string {
  return areaPathOf(pts, (k) => coordText(px(k), top(k)), (k) => coordText(px(k), bottom(k)), ok);
}

/** areaPath with each point's top and bottom `x,y` text given. */
export function areaPathOf(pts: ArrayLike<number>, top: (k: number) => string, bottom: (k: number) => string, ok: (k: number) => boolean): string {
  let d = '';
  let seg: number[] = [];
  const flush = () => {
    if (!seg.length) return;
    for (let j = 0; j < seg.length; j++) d += (j === 0 ? 'M' : 'L') + top(seg[j]!);
    for (let j = seg.length - 1; j >= 0; j--) d += 'L' + bottom(seg[j]!);
    d += 'Z';
    seg = [];
  };
  for (let j = 0; j < pts.length; j++) {
    const k = pts[j]!;
    if (k < 0 || !ok(k)) flush(); else seg.push(k);
  }
  flush();
  return d;
}

/**
 * Per-point `x,y` texts kept between redraws. A live update appends one step to arrays that otherwise
 * stay the same (MetricHistory appends in place; smoothing's output grows the same way), and with
 * unchanged scales every earlier point's text is what it was: formatting numbers is most of the cost of
 * writing a path, so only the new points are formatted. Keyed by the arrays the coordinates come from;
 * `scales` names the x and y mappings, and a change of either (or of the arrays) starts afresh.
 */
export class CoordTexts {
  private readonly byArrays = new WeakMap<object, WeakMap<object, { scales: string; texts: string[] }>>();

  /** The `x,y` text of index k of (xs, ys) under the scales `scales`, from px/py when not yet known. */
  of(xs: object, ys: object, scales: string, px: (k: number) => number, py: (k: number) => number): (k: number) => string {
    let inner = this.byArrays.get(xs);
    if (!inner) { inner = new WeakMap(); this.byArrays.set(xs, inner); }
    let entry = inner.get(ys);
    if (!entry || entry.scales !== scales) { entry = { scales, texts: [] }; inner.set(ys, entry); }
    const texts = entry.texts;
    return (k) => texts[k] ?? (texts[k] = coordText(px(k), py(k)));
  }
}
