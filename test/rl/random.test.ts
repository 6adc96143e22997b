import { describe, expect, test } from 'vitest';
import { Rng } from '../../main/rl/random.js';

describe('Rng (xoshiro128**)', () => {
  test('save/restore reproduces the stream', () => {
    const a = Rng.fromSeed(42);
    for (let i = 0; i < 17; i++) a.nextUint32();
    const saved = a.getState();
    const first = Array.from({ length: 50 }, () => a.nextUint32());
    const b = Rng.fromState(JSON.parse(JSON.stringify(saved)));
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(first);
  });

  test('same seed same stream, different seeds differ', () => {
    const s = (seed: number) => Array.from({ length: 8 }, ((r) => () => r.nextUint32())(Rng.fromSeed(seed)));
    expect(s(7)).toEqual(s(7));
    expect(s(7)).not.toEqual(s(8));
  });

  test('floats in [0,1) with mean ≈ 1/2; nextInt in range and roughly uniform', () => {
    const r = Rng.fromSeed(1);
    let sum = 0;
    let outside = 0;
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 50_000; i++) {
      const x = r.nextFloat();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
      counts[r.nextInt(5)]!++;
    }
    expect(outside).toBe(0);
    expect(sum / 50_000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c / 10_000 - 1)).toBeLessThan(0.05);
  });

  test('nextInt rejects invalid n', () => {
    expect(() => Rng.fromSeed(1).nextInt(0)).toThrow();
  });
});
