/**
 * Per-completion sampling seeds derived from the run seed, step, prompt and
 * sample index. node-llama-cpp defaults a missing seed to time(NULL), which
 * makes all G completions of a group identical (NODE-LLAMA-NOTES §3e), so
 * every completion gets its own seed, reproducible from the run's config.
 */

/** splitmix32-style mixing of several integers into one uint32. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9 >>> 0;
  for (const p of parts) {
    h = (h ^ (p >>> 0)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

export function completionSeed(runSeed: number, step: number, promptIndex: number, sampleIndex: number): number {
  return deriveSeed(runSeed, step, promptIndex, sampleIndex);
}
