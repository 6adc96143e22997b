import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure TS, store, engine through its addon) and `browser`
// (playwright-core driving Debian's Chromium against web mode). Native work is
// serialised (forks, one worker) as node-llama-cpp's own suite does: two tests
// loading ggml at once on a 2-core machine oversubscribe its spin-waiting threads.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', '**/*.gpu.test.ts', 'node_modules/**'],
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Benchmarks print figures (ratios against a same-run baseline); never part of `npm test`.
        test: {
          name: 'bench',
          include: ['bench/**/*.bench.ts'],
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Builds the current renderer once per run, for every browser file.
          globalSetup: ['test/browser/buildRenderer.ts'],
          pool: 'forks',
          maxWorkers: 1,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
