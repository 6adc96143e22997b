// Seeded, pure randomness for procedural tasks: a row is a function of
// (seed, keys...) only, so any row can be regenerated on its own, in any order,
// on any machine. No Math.random anywhere in main/data.
// reference: FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/) to hash keys,
// mulberry32 (https://gist.github.com/tommyettinger/46a874533244883189143505d203312c) to draw.

export type Rng = () => number;

/** 32-bit FNV-1a over the keys' text, mixed with the seed. */
export function hashKeys(seed: number, ...keys: readonly (string | number)[]): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  const text = keys.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Uniform [0, 1) generator determined by (seed, keys). */
export function rngFor(seed: number, ...keys: readonly (string | number)[]): Rng {
  let a = hashKeys(seed, ...keys);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi], inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}
