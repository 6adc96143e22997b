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

/**
 * node-llama-cpp's GPU backend libraries for each OS, as `[package suffix, file]`: the package is
 * `@node-llama-cpp/<linux|win>-<arch>-<suffix>`. macOS has none here: mac-arm64-metal ships
 * Metal as `libggml-metal.so` next to the CPU backends, so `ggml_backend_load_all_from_path(libDir)`
 * already loads it.
 */
const GPU_BACKEND_LIBS: Partial<Record<NodeJS.Platform, { plat: string; libs: readonly (readonly [string, string])[] }>> = {
  linux: { plat: 'linux', libs: [['cuda', 'libggml-cuda.so'], ['vulkan', 'libggml-vulkan.so']] },
  win32: { plat: 'win', libs: [['cuda', 'ggml-cuda.dll'], ['vulkan', 'ggml-vulkan.dll']] },
};

/**
 * Prebuilt GPU backends shipped by node-llama-cpp for this platform, in the order the engine tries
 * them: CUDA 13 (`<plat>-cuda`), CUDA 12 (`<plat>-cuda-ext`'s `bins/<plat>-cuda/fallback/`, which
 * node-llama-cpp itself loads when the first finds no GPU), then Vulkan. The CUDA builds share a
 * file name; the engine keeps the first one that loads with a device (engine_model.cpp).
 */
export function gpuBackendLibs(platform: NodeJS.Platform = process.platform, arch: string = process.arch, nodeModules?: string[]): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const spec = GPU_BACKEND_LIBS[platform];
  if (!spec) return [];
  const plat = `${spec.plat}-${arch}`;
  const out: string[] = [];
  for (const nm of nodeModules ?? [resolve(here, '..', '..', 'node_modules'), resolve(here, '..', '..', '..', 'node_modules')]) {
    for (const [pkg, lib] of spec.libs) {
      const candidates = [
        join(nm, '@node-llama-cpp', `${plat}-${pkg}`, 'bins', `${plat}-${pkg}`, lib),
        join(nm, '@node-llama-cpp', `${plat}-${pkg}-ext`, 'bins', `${plat}-${pkg}`, 'fallback', lib),
      ];
      for (const p of candidates) if (existsSync(p) && !out.includes(p)) out.push(p);
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
  let libDir = existsSync(libDirFile) ? readFileSync(libDirFile, 'utf8').trim() : '';
  // The Windows build copies the ggml DLLs (ggml-cpu-* included) next to the addon: use that
  // directory when libdir.txt is missing (cross build) or names one that is gone (moved, packaged).
  if ((!libDir || !existsSync(libDir)) && existsSync(join(dir, 'ggml-base.dll'))) libDir = dir;
  cached = { addon, libDir };
  return cached;
}
