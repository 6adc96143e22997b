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
