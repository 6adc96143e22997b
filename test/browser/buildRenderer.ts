/**
 * Global setup of the browser project: build the current renderer once per vitest run, so every
 * browser test sees the renderer as it is now, not a stale dist/ (each file used to build it in
 * its own beforeAll: 13 vite builds of the same sources per run).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findAppRoot } from '../../main/services/findAppRoot.js';

export default function buildRenderer(): void {
  const root = findAppRoot();
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'renderer'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`renderer build failed:\n${build.stdout}\n${build.stderr}`);
}
