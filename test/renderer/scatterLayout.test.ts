import { describe, expect, it } from 'vitest';
import { layoutScatter } from '../../charts/scatterLayout.js';

const pt = (sampleId: number, groupIndex: number, x: number, y: number, correct = true) => ({ sampleId, groupIndex, x, y, correct });

describe('layoutScatter', () => {
  it('maps the projection into the padded box, y up', () => {
    const placed = layoutScatter([pt(1, 0, 0, 0), pt(2, 0, 10, 10)], 200, 100, 10);
    for (const q of placed) {
      expect(q.px).toBeGreaterThanOrEqual(10);
      expect(q.px).toBeLessThanOrEqual(190);
      expect(q.py).toBeGreaterThanOrEqual(10);
      expect(q.py).toBeLessThanOrEqual(90);
    }
    expect(placed[1]!.px).toBeGreaterThan(placed[0]!.px);
    expect(placed[1]!.py).toBeLessThan(placed[0]!.py); // larger y is drawn higher
  });
  it('keys the k-th completion of a group the same way at every step, so markers move between steps', () => {
    const a = layoutScatter([pt(10, 0, 0, 0), pt(11, 0, 1, 1), pt(12, 1, 2, 2)], 100, 100);
    const b = layoutScatter([pt(50, 1, 5, 5), pt(51, 0, 3, 3), pt(52, 0, 4, 4)], 100, 100);
    expect(a.map((q) => q.key)).toEqual(['0:0', '0:1', '1:0']);
    expect(b.map((q) => q.key).sort()).toEqual(['0:0', '0:1', '1:0']);
    expect(new Set(a.map((q) => q.key)).size).toBe(3);
  });
  it('survives one point and identical points (no NaN positions)', () => {
    for (const pts of [[pt(1, 0, 3, 3)], [pt(1, 0, 2, 2), pt(2, 0, 2, 2)]]) {
      for (const q of layoutScatter(pts, 100, 100)) {
        expect(Number.isFinite(q.px)).toBe(true);
        expect(Number.isFinite(q.py)).toBe(true);
      }
    }
  });
});

describe('spreadOverlaps', () => {
  it('keeps every point, spreads identical ones apart and counts them', async () => {
    const { spreadOverlaps } = await import('../../charts/scatterLayout.js');
    const pts = [...Array.from({ length: 10 }, (_, i) => pt(i + 1, 0, 1, 1)), pt(20, 1, 5, 5)];
    const s = spreadOverlaps(layoutScatter(pts, 200, 200, 10));
    expect(s).toHaveLength(11);
    const stacked = s.filter((q) => q.p.x === 1);
    expect(stacked.every((q) => q.stack === 10)).toBe(true);
    expect(new Set(stacked.map((q) => q.slot))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // Pairwise at least ~spacing apart, and all within a small disc around the shared spot.
    for (const a of stacked) for (const b of stacked) if (a !== b) expect(Math.hypot(a.dx - b.dx, a.dy - b.dy)).toBeGreaterThan(2);
    for (const a of stacked) expect(Math.hypot(a.dx - a.px, a.dy - a.py)).toBeLessThanOrEqual(5 * 3 + 1e-9);
    const alone = s.find((q) => q.p.sampleId === 20)!;
    expect([alone.stack, alone.dx, alone.dy]).toEqual([1, alone.px, alone.py]);
  });
});
