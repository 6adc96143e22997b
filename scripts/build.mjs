// `npm run build`: everything `npm start` and `npm run web` need, in dist/.
//  1. tsc emits the Node code (tsconfig.node.json -> dist/), incrementally;
//  2. esbuild bundles the Electron preload into one CommonJS file (sandboxed
//     preloads cannot require project modules): dist/main/electron/preload.cjs;
//  3. vite builds the renderer (renderer/vite.config.ts) into dist/renderer.
// Idempotent; stops at the first failing step with its exit code.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const only = process.argv.slice(2); // e.g. `node scripts/build.mjs renderer`
const want = (step) => only.length === 0 || only.includes(step);

function timed(label, fn) {
  const t0 = performance.now();
  return Promise.resolve(fn()).then(() => console.log(`build: ${label} (${Math.round(performance.now() - t0)} ms)`));
}

try {
  if (want('node')) {
    await timed('tsc node -> dist/', () => {
      const r = spawnSync(bin('tsc'), ['-p', 'tsconfig.node.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo-node'], {
        cwd: root, stdio: 'inherit',
      });
      if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status})`);
    });
  }
  if (want('preload')) {
    await timed('esbuild preload -> dist/main/electron/preload.cjs', async () => {
      const { build } = await import('esbuild');
      await build({
        absWorkingDir: root,
        entryPoints: ['main/electron/preload.ts'],
        outfile: 'dist/main/electron/preload.cjs',
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'es2022',
        external: ['electron'],
        sourcemap: 'linked',
        logLevel: 'warning',
      });
    });
  }
  if (want('renderer')) {
    await timed('vite renderer -> dist/renderer', async () => {
      const { build } = await import('vite');
      await build({ root: join(root, 'renderer'), configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
    });
  }
} catch (err) {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
