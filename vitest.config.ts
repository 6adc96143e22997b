import { defineConfig } from 'vitest/config';

// Three projects run by `npm test`: `unit` (engine through its addon, trainers, the CLI,
// Electron mocks: each file in a fresh process), `unit-shared` (code that keeps no
// process-wide state: one process for all its files, which saves a process start and the
// module imports per file, about a second each on a busy 2-core machine) and `browser`
// (playwright-core driving Debian's Chromium against web mode). Native work is
// serialised (forks, one worker) as node-llama-cpp's own suite does: two tests
// loading ggml at once on a 2-core machine oversubscribe its spin-waiting threads.
// A file under SHARED runs with `--project unit-shared`; `--project 'unit*'` runs both.
const SHARED = ['rl', 'renderer', 'recipes', 'experiment', 'data', 'store', 'export', 'web', 'api', 'services', 'packaging']
  .map((d) => `test/${d}/**/*.test.ts`);

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit-shared',
          include: SHARED,
          pool: 'forks',
          maxWorkers: 1,
          // No module state is reset between its files: a file that sets process.env,
          // mocks modules or loads the engine belongs in `unit`.
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', '**/*.gpu.test.ts', 'node_modules/**', ...SHARED],
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
