// Guards electron-builder.yml against the classic packaged-app failure: a
// native addon (or a shared library it dlopens) sealed inside app.asar, which
// works in development and crashes on the user's machine. Matching uses
// minimatch, the matcher electron-builder itself applies to these patterns.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { load } from 'js-yaml';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as {
  appId?: string; productName?: string; asar?: boolean; directories?: { output?: string };
  files?: string[]; asarUnpack?: string[];
  linux?: { target?: string[] }; mac?: { target?: string[] }; win?: { target?: string[] };
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

const NATIVE = /\.(node|so(\.\d+)*|dylib|dll)$/;
const posix = (p: string): string => p.split(sep).join('/');

/** Directory of an installed package, as npm lays it out (hoisted, or nested under its parent). */
function packageDir(name: string, parentDir: string | null): string | null {
  const candidates = [parentDir && join(parentDir, 'node_modules', name), join(root, 'node_modules', name)];
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'package.json'))) ?? null;
}

/** Installed packages reachable from package.json `dependencies` (what electron-builder ships). */
function runtimePackageDirs(): string[] {
  const seen = new Set<string>();
  const queue: [string, string | null][] = Object.keys(pkg.dependencies).map((n) => [n, null]);
  while (queue.length) {
    const [name, parent] = queue.shift()!;
    const dir = packageDir(name, parent);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) queue.push([dep, dir]);
  }
  return [...seen];
}

function* nativeFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      // Build intermediates are not loaded at run time.
      if (name === 'obj.target' || name === '.deps') continue;
      yield* nativeFiles(p);
    } else if (NATIVE.test(name)) yield posix(relative(root, p));
  }
}

/** Native files the packaged app may load, whether or not this machine has them installed. */
function expectedNativeFiles(): string[] {
  const files = new Set<string>();
  for (const dir of runtimePackageDirs()) for (const f of nativeFiles(dir)) files.add(f);
  // The engine (built by engine/scripts/build.mjs, maybe not on this machine) and its libs.
  files.add('engine/build/Release/clipo_engine.node');
  files.add('engine/build/Release/libggml.so');
  files.add('engine/build/Release/ggml.dll');
  // Windows: the build copies node-llama-cpp's ggml DLLs next to the addon
  files.add('engine/build/Release/ggml-base.dll');
  files.add('engine/build/Release/ggml.v0.4.0.dll');
  files.add('engine/build/Release/ggml-cpu-haswell.dll');
  files.add('engine/build/Release/libggml.dylib');
  // Every node-llama-cpp platform package, including those npm skipped on this OS.
  const nlc = JSON.parse(readFileSync(join(root, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as {
    optionalDependencies?: Record<string, string>;
  };
  for (const name of Object.keys(nlc.optionalDependencies ?? {}).filter((n) => n.startsWith('@node-llama-cpp/'))) {
    const plat = name.split('/')[1]!;
    files.add(`node_modules/${name}/bins/${plat}/llama-addon.node`);
    files.add(`node_modules/${name}/bins/${plat}/libggml-base.so`);
  }
  return [...files].sort();
}

const matchesAny = (path: string, patterns: string[]): boolean => {
  let included = false;
  for (const p of patterns) {
    // electron-builder's `files` semantics: later `!pattern` entries exclude.
    if (p.startsWith('!')) {
      if (minimatch(path, p.slice(1), { dot: true })) included = false;
    } else if (minimatch(path, p, { dot: true })) included = true;
  }
  return included;
};

describe('electron-builder.yml', () => {
  it('names the app, its output folder and the installers for every desktop OS', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('Clipo Workbench');
    expect(config.directories?.output).toBe('release');
    expect(config.asar).not.toBe(false);
    expect(config.linux?.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac?.target).toEqual(expect.arrayContaining(['dmg']));
    expect(config.win?.target).toEqual(expect.arrayContaining(['nsis']));
  });

  it('passes electron-builder\'s own schema validation', async () => {
    // Internal modules of the pinned electron-builder (26.17.0): the same check `electron-builder` runs first.
    const require = createRequire(import.meta.url);
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
    };
    const { DebugLogger } = require('builder-util/out/DebugLogger.js') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('ships the built app and package.json', () => {
    const files = config.files ?? [];
    for (const p of ['package.json', 'dist/main/electron/main.js', 'dist/main/electron/preload.cjs', 'dist/renderer/index.html']) {
      expect(matchesAny(p, files), `${p} is not in files`).toBe(true);
    }
  });

  it('finds the native modules it must check (the scan works)', () => {
    const found = expectedNativeFiles();
    expect(found.some((f) => f.startsWith('node_modules/better-sqlite3/') && f.endsWith('.node'))).toBe(true);
    expect(found.some((f) => f.startsWith('node_modules/@node-llama-cpp/'))).toBe(true);
    // Dev-only native packages (bundlers) are not runtime dependencies.
    expect(found.some((f) => f.includes('rolldown') || f.includes('lightningcss'))).toBe(false);
  });

  it('keeps every native module and shared library outside the asar', () => {
    const unpack = config.asarUnpack ?? [];
    const sealed = expectedNativeFiles().filter((f) => !matchesAny(f, unpack));
    expect(sealed, 'native files that would be inside app.asar').toEqual([]);
  });

  it('excludes none of them from the package', () => {
    const exclusions = (config.files ?? []).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    const dropped = expectedNativeFiles().filter((f) => exclusions.some((p) => minimatch(f, p, { dot: true })));
    expect(dropped).toEqual([]);
  });

  it('packages the engine build output', () => {
    const files = config.files ?? [];
    expect(matchesAny('engine/build/Release/clipo_engine.node', files)).toBe(true);
    expect(matchesAny('engine/build/Release/libggml.so', files)).toBe(true);
  });
});
