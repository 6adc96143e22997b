/**
 * app.info: what this installation is and whether it can train. Engine
 * availability is reported from what is on disk (the built addon), without
 * loading it: only main/trainer loads native code, so the UI process never
 * risks a native crash just to draw the About box.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import type { AppInfo } from '../api/contract/index.js';

export interface AppService {
  info(): Promise<AppInfo>;
}

export interface AppServiceOptions {
  mode: AppInfo['mode'];
  dataDir: string;
  /** Folder with package.json and engine/ (findAppRoot()). */
  appRoot: string;
  /** Backend preference from settings, shown as the backend the engine would use. */
  backend?: () => Promise<string>;
}

export function createAppService(opts: AppServiceOptions): AppService {
  const pkg = JSON.parse(readFileSync(join(opts.appRoot, 'package.json'), 'utf8')) as {
    productName?: string; name?: string; version?: string;
  };
  return {
    async info() {
      const backend = opts.backend ? await opts.backend() : 'auto';
      return {
        name: pkg.productName ?? pkg.name ?? 'Clipo Workbench',
        version: pkg.version ?? '0.0.0',
        platform: platform(),
        arch: arch(),
        mode: opts.mode,
        dataDir: opts.dataDir,
        engine: probeEngine(opts.appRoot, backend),
        backends: availableBackends(opts.appRoot),
      };
    },
  };
}

/** Looks for the engine addon where engine/scripts/build.mjs puts it (cmake-js layout). */
export function probeEngine(appRoot: string, backend: string): AppInfo['engine'] {
  const releaseDir = join(appRoot, 'engine', 'build', 'Release');
  // Packaged apps unpack native files next to app.asar (see electron-builder.yml asarUnpack).
  const unpacked = releaseDir.replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
  for (const dir of [unpacked, releaseDir]) {
    if (!existsSync(dir)) continue;
    const addon = readdirSync(dir).find((f) => f.endsWith('.node'));
    if (addon) {
      return {
        available: true,
        backend,
        detail: `Engine addon found (${addon}); the backend (${backend}) is confirmed when a run starts.`,
      };
    }
  }
  return {
    available: false,
    backend: 'none',
    detail: 'The training engine is not built in this installation (no engine/build/Release/*.node). ' +
      'Run `node engine/scripts/build.mjs` (or `npm install`, which builds it) and restart.',
  };
}

/**
 * Which GPU backends this installation has: the engine and the sampler load node-llama-cpp's prebuilt
 * libraries from `@node-llama-cpp/<plat>-<arch>-{cuda,vulkan}` (engine/ts/loadAddon.ts, gpuBackendLibs;
 * docs/ENGINE.md, Backends), and Metal ships with the macOS arm64 build. Checked on disk, never loaded here.
 */
export function availableBackends(appRoot: string, os: string = platform(), cpu: string = arch()): AppInfo['backends'] {
  const out: AppInfo['backends'] = ['auto', 'cpu'];
  const plat = os === 'win32' ? 'win' : os === 'darwin' ? 'mac' : os;
  const has = (kind: string) => [join(appRoot, 'node_modules'), join(appRoot, '..', 'node_modules')]
    .some((nm) => existsSync(join(nm, '@node-llama-cpp', `${plat}-${cpu}-${kind}`)) || existsSync(join(nm, '@node-llama-cpp', `${plat}-${cpu}-${kind}-ext`)));
  if ((os === 'linux' || os === 'win32') && has('cuda')) out.push('cuda');
  if (os === 'darwin' && cpu === 'arm64') out.push('metal');
  if ((os === 'linux' || os === 'win32') && has('vulkan')) out.push('vulkan');
  return out;
}
