/**
 * Global setup of the browser project: build the current renderer once per vitest run, so every
 * browser test sees the renderer as it is now, not a stale dist/ (each file used to build it in
 * its own beforeAll: 13 vite builds of the same sources per run). Skipped when dist/renderer is
 * newer than everything the renderer is built from (`npm test` has just built it): renderer/,
 * and the only project code it may import (scripts/lint-layers.mjs), the API contract and charts/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { newestSource } from '../cli/ensureNodeBuild.js';

const INPUTS = ['renderer', 'charts', 'main/api/contract'];
const CONFIGS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.web.json'];

export default function buildRenderer(): void {
  const root = findAppRoot();
  const built = join(root, 'dist', 'renderer', 'index.html');
  // Every file under the inputs (any extension: components, styles, assets), and the configs vite reads.
  const newest = Math.max(...CONFIGS.filter((f) => existsSync(join(root, f))).map((f) => statSync(join(root, f)).mtimeMs),
    ...INPUTS.map((d) => newestSource(join(root, d), [''])));
  if (existsSync(built) && statSync(built).mtimeMs > newest) return;
  // Bounded: a hung vite build fails the run instead of holding it (a cold build takes ~10 s).
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'renderer'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (build.status !== 0) throw new Error(`renderer build failed${build.error ? ` (${build.error.message})` : ''}:\n${build.stdout}\n${build.stderr}`);
}
