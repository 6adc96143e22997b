/**
 * For tests that run the built Node code (bin/clipo.js, tool and trainer processes): run
 * `node scripts/build.mjs node` only when a source is newer than the last build, so a test
 * never runs a stale dist/ while `npm test` (which has just built) skips a 7-10 s no-op tsc.
 * tsc writes dist/.tsbuildinfo-node at the end of every build; a source edited after it
 * means dist/ may be stale.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What tsconfig.node.json compiles into what the built processes run. */
const SOURCES = ['main', 'charts', 'engine'];
const SKIP = new Set(['build', 'node_modules']);

/** The newest modification time (ms) of the files under `dir` ending in one of `exts` (build output skipped). */
export function newestSource(dir: string, exts: string[] = ['.ts']): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) { if (!SKIP.has(e.name)) newest = Math.max(newest, newestSource(join(dir, e.name), exts)); }
    else if (exts.some((x) => e.name.endsWith(x))) newest = Math.max(newest, statSync(join(dir, e.name)).mtimeMs);
  }
  return newest;
}

/** True when it had to build. Throws with tsc's output when the build fails. */
export function ensureNodeBuild(root: string): boolean {
  const info = join(root, 'dist', '.tsbuildinfo-node');
  const configs = ['tsconfig.node.json', 'tsconfig.base.json'].map((f) => statSync(join(root, f)).mtimeMs);
  const newest = Math.max(...configs, ...SOURCES.map((d) => newestSource(join(root, d))));
  if (existsSync(info) && statSync(info).mtimeMs > newest) return false;
  // Bounded: a hung tsc fails the test instead of holding it (a cold build takes ~10 s).
  const b = spawnSync(process.execPath, ['scripts/build.mjs', 'node'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (b.status !== 0) throw new Error(`node build failed${b.error ? ` (${b.error.message})` : ''}:\n${b.stdout}\n${b.stderr}`);
  return true;
}
