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

/** `pts` are indices (−1 = a break); `px`/`py` give pixel coordinates of an index; `ok` says whether it is drawn. */
export function linePath(pts: ArrayLike<number>, px: (k: number) => number, py: (k: number) => number, ok: (k: number) => boolean): string {
  let d = '';
  let run = 0;
  for (let j = 0; j < pts.length; j++) {
    const k = pts[j]!;
    if (k < 0 || !ok(k)) { if (run === 1) d += 'Z'; run = 0; continue; }
    d += (run === 0 ? 'M' : 'L') + r(px(k)) + ',' + r(py(k));
    run++;
  }
  if (run === 1) d += 'Z';
  return d;
}

export function areaPath(pts: ArrayLike<number>, px: (k: number) => number, top: (k: number) => number, bottom: (k: number) => number, ok: (k: number) => boolean): string {
  let d = '';
  let seg: number[] = [];
  const flush = () => {
    if (!seg.length) return;
    for (let j = 0; j < seg.length; j++) d += (j === 0 ? 'M' : 'L') + r(px(seg[j]!)) + ',' + r(top(seg[j]!));
    for (let j = seg.length - 1; j >= 0; j--) d += 'L' + r(px(seg[j]!)) + ',' + r(bottom(seg[j]!));
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
