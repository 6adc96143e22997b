/** Locates and loads the compiled addon (engine/build/Release/clipo_engine.node). */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { AddonModule } from './AddonTypes.js';

let cached: { addon: AddonModule; libDir: string } | undefined;

/** Build dir candidates: next to the sources, or from dist/engine/ts back to the repo. */
function releaseDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.CLIPO_ENGINE_RELEASE_DIR,
    resolve(here, '..', 'build', 'Release'),
    resolve(here, '..', '..', '..', 'engine', 'build', 'Release'),
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => existsSync(join(d, 'clipo_engine.node')));
  if (!found) throw Object.assign(new Error(`engine addon not built (looked in ${candidates.join(', ')}); run node engine/scripts/build.mjs`), { code: 'E_NOT_BUILT' });
  return found;
}

/** Prebuilt GPU backends shipped by node-llama-cpp for this platform (CUDA first, then Vulkan). */
export function gpuBackendLibs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const plat = `${process.platform}-${process.arch}`;
  const out: string[] = [];
  for (const nm of [resolve(here, '..', '..', 'node_modules'), resolve(here, '..', '..', '..', 'node_modules')]) {
    for (const [pkg, lib] of [['cuda', 'libggml-cuda.so'], ['vulkan', 'libggml-vulkan.so']] as const) {
      const p = join(nm, '@node-llama-cpp', `${plat}-${pkg}`, 'bins', `${plat}-${pkg}`, lib);
      if (existsSync(p) && !out.includes(p)) out.push(p);
    }
  }
  return out;
}

export function loadAddon(): { addon: AddonModule; libDir: string } {
  if (cached) return cached;
  const dir = releaseDir();
  const require = createRequire(import.meta.url);
  const addon = require(join(dir, 'clipo_engine.node')) as AddonModule;
  const libDirFile = join(dir, 'libdir.txt');
  const libDir = existsSync(libDirFile) ? readFileSync(libDirFile, 'utf8').trim() : '';
  cached = { addon, libDir };
  return cached;
}
