// Runs after `npm install`: builds the native training engine against the
// pinned node-llama-cpp's ggml. Kept tiny on purpose; the work lives in
// engine/scripts/build.mjs so it can be re-run alone (`node engine/scripts/build.mjs`).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const engineBuild = new URL('../engine/scripts/build.mjs', import.meta.url);
if (existsSync(engineBuild)) {
  const r = spawnSync(process.execPath, [fileURLToPath(engineBuild)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
