// Builds the native training engine (N-API addon + standalone CLI).
//
// Default: compile engine/src + engine/addon with the system C++ compiler
// against ggml headers taken from node-llama-cpp's bundled llama.cpp source
// (sparse clone of node_modules/node-llama-cpp/llama/gitRelease.bundle into
// engine/build/llama.cpp, headers only) and link to node-llama-cpp's prebuilt
// libggml-base / libggml (rpath set, so nothing has to be copied). No network.
//
// Fallback (CLIPO_ENGINE_BUILD_GGML=1): full checkout of the bundle and a cmake
// build of ggml (base + CPU backend) into engine/build/ggml, then link to that.
// Use it where no prebuilt matches (about 1.5 min of ggml on 2 cores).
//
// Windows (win32-x64): see buildWindows() below. MSVC on a Windows machine, or a
// MinGW-w64 cross build on Linux (CLIPO_ENGINE_TARGET=win32-x64) that is run under
// wine to verify it. Both link to node-llama-cpp's prebuilt ggml DLLs through import
// libraries generated from the DLLs' export tables (the package ships no .lib).
//
// Idempotent: a stamp (hash of sources, flags, ggml libs) skips up-to-date builds.
// Env: CLIPO_ENGINE_JOBS (default 2), CLIPO_ENGINE_FORCE=1, CXX, CLIPO_ENGINE_TARGET,
// CLIPO_ENGINE_TOOLCHAIN (msvc|mingw, Windows targets only), CLIPO_ENGINE_WIN_GGML_DIR.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defFromDll } from './peExports.mjs';

const t0 = Date.now();
const engineDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(engineDir, '..');
const buildDir = join(engineDir, 'build');
const srcDir = join(buildDir, 'llama.cpp');
const log = (m) => console.log(`[engine build] ${m}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

/** node-llama-cpp's names for a platform's prebuilt package (@node-llama-cpp/<name>/bins/<name>). */
function nlcPlatformNames(platform, arch) {
  if (platform === 'win32') return [`win-${arch}`];
  if (platform === 'darwin') return [`mac-${arch}-metal`, `mac-${arch}`];
  return [`${platform}-${arch}`];
}

function platformLibDir(platform = process.platform, arch = process.arch) {
  const pkgDir = join(root, 'node_modules', 'node-llama-cpp');
  const candidates = nlcPlatformNames(platform, arch).flatMap((plat) => [join(root, 'node_modules', '@node-llama-cpp', plat, 'bins', plat), join(pkgDir, 'bins', plat)]);
  return candidates.find((d) => ['libggml-base.so', 'libggml-base.dylib', 'ggml-base.dll'].some((f) => existsSync(join(d, f))));
}

function ensureSource(full) {
  const bundle = join(join(root, 'node_modules', 'node-llama-cpp'), 'llama', 'gitRelease.bundle');
  if (!existsSync(bundle)) throw new Error(`llama.cpp bundle not found at ${bundle}`);
  if (!existsSync(join(srcDir, '.git'))) {
    log(`cloning headers from ${relative(root, bundle)}`);
    run('git', ['clone', '-q', '--no-checkout', bundle, srcDir]);
  }
  const want = full ? ['/ggml/', '/cmake/'] : ['/ggml/include/'];
  run('git', ['-C', srcDir, 'sparse-checkout', 'set', '--no-cone', ...want]);
  run('git', ['-C', srcDir, 'checkout', '-q', 'HEAD']);
}

function buildGgmlFromSource(jobs) {
  const out = join(buildDir, 'ggml');
  const proj = join(buildDir, 'ggml-wrapper');
  mkdirSync(proj, { recursive: true });
  // ggml alone does not configure from the bundle (tests/examples missing): wrap it.
  writeFileSync(join(proj, 'CMakeLists.txt'), `cmake_minimum_required(VERSION 3.14)\nproject(clipo_ggml C CXX)\n` +
    `set(GGML_BUILD_TESTS OFF CACHE BOOL "" FORCE)\nset(GGML_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)\n` +
    `set(BUILD_SHARED_LIBS ON CACHE BOOL "" FORCE)\nadd_subdirectory(${join(srcDir, 'ggml')} ggml)\n`);
  run('cmake', ['-S', proj, '-B', out, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release', '-DGGML_NATIVE=OFF', '-DGGML_BACKEND_DL=OFF']);
  run('cmake', ['--build', out, '-j', String(jobs)]);
  return join(out, 'ggml', 'src');
}

async function compileAll(jobs, units, opts = {}) {
  const queue = [...units];
  const worker = async () => {
    while (queue.length) {
      const u = queue.shift();
      await new Promise((res, rej) => {
        const p = spawn(u.cmd, u.args, { stdio: 'inherit', ...opts });
        p.on('exit', (c) => (c === 0 ? res() : rej(new Error(`compile failed: ${u.src}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

async function main() {
  const target = process.env.CLIPO_ENGINE_TARGET ?? `${process.platform}-${process.arch}`;
  if (target.startsWith('win32-')) return buildWindows(target);
  if (target !== `${process.platform}-${process.arch}`) throw new Error(`cannot build for ${target} on ${process.platform}-${process.arch} (only win32-x64 cross builds are supported)`);
  const jobs = Math.max(1, Number(process.env.CLIPO_ENGINE_JOBS ?? 2));
  const fromSource = process.env.CLIPO_ENGINE_BUILD_GGML === '1';
  mkdirSync(buildDir, { recursive: true });
  let libDir = fromSource ? undefined : platformLibDir();
  if (!fromSource && !libDir) throw new Error('no prebuilt ggml found in @node-llama-cpp; rerun with CLIPO_ENGINE_BUILD_GGML=1');
  ensureSource(fromSource);
  if (fromSource) libDir = buildGgmlFromSource(jobs);

  const cxx = process.env.CXX ?? 'g++';
  const napiInc = join(join(root, 'node_modules', 'node-api-headers'), 'include');
  const addonInc = join(root, 'node_modules', 'node-addon-api');
  const cflags = ['-std=c++17', '-O2', '-fPIC', '-Wall', '-Wno-unused-function', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS',
    '-I', join(srcDir, 'ggml', 'include'), '-I', napiInc, '-I', addonInc];
  // libggml.v0.4.0.so (linux), libggml.metal.v0.4.0.dylib (mac-arm64-metal)
  const ggmlLib = readdirSync(libDir).find((f) => /^libggml\.([a-z]+\.)?(v[\d.]+\.)?(so|dylib)$/.test(f)) ?? 'libggml.so';
  const ggmlBase = readdirSync(libDir).find((f) => /^libggml-base\.(so|dylib)$/.test(f));
  const outNode = join(buildDir, 'Release', 'clipo_engine.node');
  const outCli = join(buildDir, 'Release', 'clipo-engine');
  const relLib = relative(dirname(outNode), libDir);
  const ldflags = ['-L', libDir, `-l:${ggmlBase}`, `-l:${ggmlLib}`, `-Wl,-rpath,$ORIGIN/${relLib}`, `-Wl,-rpath,${libDir}`];
  if (process.platform === 'darwin') ldflags.push('-undefined', 'dynamic_lookup');

  const coreSrc = readdirSync(join(engineDir, 'src')).filter((f) => f.endsWith('.cpp')).map((f) => join(engineDir, 'src', f));
  const addonSrc = [join(engineDir, 'addon', 'addon.cpp')];
  const cliSrc = [join(engineDir, 'cli', 'clipo_engine_cli.cpp')].filter(existsSync);
  const all = [...coreSrc, ...addonSrc, ...cliSrc, join(engineDir, 'src', 'engine.h')];
  const h = createHash('sha256');
  for (const f of all) h.update(f).update(readFileSync(f));
  h.update(JSON.stringify([cxx, cflags, ldflags, statSync(join(libDir, ggmlBase)).size]));
  const stamp = h.digest('hex');
  const stampFile = join(buildDir, 'Release', 'stamp');
  if (!process.env.CLIPO_ENGINE_FORCE && existsSync(outNode) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    log(`up to date (${relative(root, outNode)}), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return;
  }
  const objDir = join(buildDir, 'obj');
  mkdirSync(objDir, { recursive: true });
  mkdirSync(dirname(outNode), { recursive: true });
  const units = [...coreSrc, ...addonSrc, ...cliSrc].map((src) => {
    const obj = join(objDir, src.replace(/^.*\/engine\//, '').replace(/[/.]/g, '_') + '.o');
    return { src, obj, cmd: cxx, args: [...cflags, '-c', src, '-o', obj] };
  });
  log(`compiling ${units.length} files with ${cxx} (-j${jobs}) against ${relative(root, libDir)}`);
  await compileAll(jobs, units);
  const coreObjs = units.filter((u) => !u.src.includes('/addon/') && !u.src.includes('/cli/')).map((u) => u.obj);
  run(cxx, ['-shared', '-o', outNode, ...coreObjs, ...units.filter((u) => u.src.includes('/addon/')).map((u) => u.obj), ...ldflags]);
  if (cliSrc.length) run(cxx, ['-o', outCli, ...coreObjs, ...units.filter((u) => u.src.includes('/cli/')).map((u) => u.obj), ...ldflags]);
  writeFileSync(join(buildDir, 'Release', 'libdir.txt'), libDir);
  writeFileSync(stampFile, stamp);
  log(`built ${relative(root, outNode)}${cliSrc.length ? ` and ${relative(root, outCli)}` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// ---- Windows ---------------------------------------------------------------------------
// Native (process.platform === 'win32'): MSVC by default. Needs Visual Studio 2022 (or its
// Build Tools) with the "Desktop development with C++" workload (MSVC v143 x64 + a Windows
// SDK); cl/link/lib are taken from a Developer Command Prompt's environment when present,
// else located with vswhere and vcvars64.bat. Outputs go to engine/build/Release, as on POSIX.
// Cross (on Linux, CLIPO_ENGINE_TARGET=win32-x64): MinGW-w64 (Debian: g++-mingw-w64-x86-64-posix),
// outputs to engine/build/win32-x64/Release so the native build is left alone; run under wine.
//
// Both: import libraries for ggml-base.dll and ggml.<ver>.dll are made from their export tables
// (peExports.mjs -> .def -> `lib /def:` or `dlltool -d`); node's from node-api-headers'
// def/node_api.def, delay-loaded with a hook (addon/win_delay_load_hook.cpp) that binds "node.exe"
// to the host process, so one .node serves node.exe and Electron. The prebuilt ggml DLLs (base,
// ggml, every ggml-cpu-<variant>) are copied next to clipo_engine.node / clipo-engine.exe: Windows
// looks for a DLL's imports in the directory of the module being loaded (Node loads addons with
// LOAD_WITH_ALTERED_SEARCH_PATH) or of the executable, and the CPU variants are loaded from there
// by ggml_backend_load_all_from_path (libdir.txt names that directory).

/** Visual C++ tools and the environment they need (cl.exe, link.exe, lib.exe). */
function msvcToolchain() {
  let env = process.env;
  if (!env.VCToolsInstallDir) {
    const pf86 = env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)';
    const vswhere = join(pf86, 'Microsoft Visual Studio', 'Installer', 'vswhere.exe');
    if (!existsSync(vswhere)) throw new Error('MSVC not found: install Visual Studio 2022 Build Tools with "Desktop development with C++", or run from a Developer Command Prompt (or set CLIPO_ENGINE_TOOLCHAIN=mingw)');
    const r = spawnSync(vswhere, ['-latest', '-products', '*', '-requires', 'Microsoft.VisualStudio.Component.VC.Tools.x86.x64', '-property', 'installationPath'], { encoding: 'utf8' });
    const inst = (r.stdout ?? '').trim().split(/\r?\n/)[0];
    const vcvars = inst && join(inst, 'VC', 'Auxiliary', 'Build', 'vcvars64.bat');
    if (!vcvars || !existsSync(vcvars)) throw new Error('vswhere found no Visual Studio with the x64 C++ tools (component Microsoft.VisualStudio.Component.VC.Tools.x86.x64)');
    log(`using ${vcvars}`);
    const out = spawnSync('cmd.exe', ['/d', '/s', '/c', `""${vcvars}" >nul && set"`], { encoding: 'utf8', windowsVerbatimArguments: true });
    if (out.status !== 0) throw new Error(`${vcvars} failed`);
    env = {};
    for (const line of out.stdout.split(/\r?\n/)) {
      const i = line.indexOf('=');
      if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    }
    if (!env.VCToolsInstallDir) throw new Error(`${vcvars} did not set VCToolsInstallDir`);
  }
  const bin = join(env.VCToolsInstallDir, 'bin', 'Hostx64', 'x64');
  return { env, cl: join(bin, 'cl.exe'), link: join(bin, 'link.exe'), lib: join(bin, 'lib.exe') };
}

/** Directory with node-llama-cpp's win-x64 ggml DLLs (installed optional dependency, env, or npm pack when cross-building). */
function winGgmlDir(outRoot, cross) {
  if (process.env.CLIPO_ENGINE_WIN_GGML_DIR) return resolve(process.env.CLIPO_ENGINE_WIN_GGML_DIR);
  const found = platformLibDir('win32', 'x64');
  if (found) return found;
  const nlc = JSON.parse(readFileSync(join(root, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8'));
  const ver = nlc.optionalDependencies?.['@node-llama-cpp/win-x64'];
  if (!cross || !ver) throw new Error('@node-llama-cpp/win-x64 is not installed (an optional dependency of node-llama-cpp: rerun npm install), or set CLIPO_ENGINE_WIN_GGML_DIR');
  // On Linux npm skips the Windows package; fetch the same version through npm itself.
  const dest = join(outRoot, 'prebuilt');
  const bins = join(dest, 'package', 'bins', 'win-x64');
  if (!existsSync(join(bins, 'ggml-base.dll'))) {
    mkdirSync(dest, { recursive: true });
    log(`fetching @node-llama-cpp/win-x64@${ver} (npm pack)`);
    run('npm', ['pack', '--silent', '--pack-destination', dest, `@node-llama-cpp/win-x64@${ver}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    run('tar', ['xzf', join(dest, `node-llama-cpp-win-x64-${ver}.tgz`), '-C', dest]);
  }
  return bins;
}

async function buildWindows(target) {
  if (target !== 'win32-x64') throw new Error(`unsupported Windows target ${target} (only win32-x64)`);
  const cross = process.platform !== 'win32';
  const toolchain = process.env.CLIPO_ENGINE_TOOLCHAIN ?? (cross ? 'mingw' : 'msvc');
  if (toolchain !== 'msvc' && toolchain !== 'mingw') throw new Error(`CLIPO_ENGINE_TOOLCHAIN must be msvc or mingw, got ${toolchain}`);
  if (cross && toolchain === 'msvc') throw new Error('MSVC builds need Windows; cross builds use MinGW-w64');
  const jobs = Math.max(1, Number(process.env.CLIPO_ENGINE_JOBS ?? 2));
  const outRoot = cross ? join(buildDir, 'win32-x64') : buildDir;
  const outDir = join(outRoot, 'Release');
  const objDir = join(outRoot, cross ? 'obj' : 'obj-win');
  const implibDir = join(outRoot, 'implib');
  for (const d of [outDir, objDir, implibDir]) mkdirSync(d, { recursive: true });
  const libDir = winGgmlDir(outRoot, cross);
  ensureSource(false);

  const dlls = readdirSync(libDir).filter((f) => /^ggml.*\.dll$/i.test(f));
  const ggmlBase = dlls.find((f) => f.toLowerCase() === 'ggml-base.dll');
  const ggmlMain = dlls.find((f) => /^ggml(\.[a-z]+)?(\.v[\d.]+)?\.dll$/i.test(f));
  const cpuDlls = dlls.filter((f) => /^ggml-cpu-.*\.dll$/i.test(f));
  if (!ggmlBase || !ggmlMain || !cpuDlls.length) throw new Error(`${libDir} lacks ggml-base.dll, ggml*.dll or ggml-cpu-*.dll`);

  const napiInc = join(root, 'node_modules', 'node-api-headers', 'include');
  const napiDef = join(root, 'node_modules', 'node-api-headers', 'def', 'node_api.def');
  const addonInc = join(root, 'node_modules', 'node-addon-api');
  const ggmlInc = join(srcDir, 'ggml', 'include');
  const defs = ['-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-D_CRT_SECURE_NO_WARNINGS', '-DNOMINMAX', '-DWIN32_LEAN_AND_MEAN'];
  const coreSrc = readdirSync(join(engineDir, 'src')).filter((f) => f.endsWith('.cpp')).map((f) => join(engineDir, 'src', f));
  const addonSrc = [join(engineDir, 'addon', 'addon.cpp'), join(engineDir, 'addon', 'win_delay_load_hook.cpp')];
  const cliSrc = [join(engineDir, 'cli', 'clipo_engine_cli.cpp')];
  const headers = readdirSync(join(engineDir, 'src')).filter((f) => f.endsWith('.h')).map((f) => join(engineDir, 'src', f));
  const objName = (src) => relative(engineDir, src).replace(/[\\/.]/g, '_') + (toolchain === 'msvc' ? '.obj' : '.o');
  const units = [...coreSrc.map((src) => ({ src, kind: 'core' })), ...addonSrc.map((src) => ({ src, kind: 'addon' })), ...cliSrc.map((src) => ({ src, kind: 'cli' }))]
    .map((u) => ({ ...u, obj: join(objDir, objName(u.src)) }));
  const outNode = join(outDir, 'clipo_engine.node');
  const outCli = join(outDir, 'clipo-engine.exe');
  const objsOf = (...kinds) => units.filter((u) => kinds.includes(u.kind)).map((u) => u.obj);

  let tc, cflags, steps;
  if (toolchain === 'msvc') {
    tc = msvcToolchain();
    cflags = ['/nologo', '/c', '/std:c++17', '/O2', '/EHsc', '/MD', '/W3', '/utf-8', ...defs.map((d) => d.replace(/^-D/, '/D')), '/I', ggmlInc, '/I', napiInc, '/I', addonInc];
    for (const u of units) Object.assign(u, { cmd: tc.cl, args: [...cflags, u.src, `/Fo${u.obj}`] });
    const implib = (def, name) => { const out = join(implibDir, name); run(tc.lib, ['/nologo', `/def:${def}`, `/out:${out}`, '/machine:x64'], { env: tc.env }); return out; };
    steps = (defFiles) => {
      const libs = [implib(defFiles.base, 'ggml-base.lib'), implib(defFiles.main, 'ggml.lib')];
      const nodeLib = implib(napiDef, 'node.lib');
      run(tc.link, ['/nologo', '/DLL', `/OUT:${outNode}`, ...objsOf('core', 'addon'), ...libs, nodeLib, 'delayimp.lib', '/DELAYLOAD:node.exe'], { env: tc.env });
      run(tc.link, ['/nologo', `/OUT:${outCli}`, ...objsOf('core', 'cli'), ...libs, 'shell32.lib'], { env: tc.env });
    };
  } else {
    const prefix = cross ? 'x86_64-w64-mingw32-' : '';
    const cxx = process.env.CLIPO_ENGINE_MINGW_CXX ?? (cross ? `${prefix}g++-posix` : 'g++');
    const dlltool = process.env.CLIPO_ENGINE_MINGW_DLLTOOL ?? `${prefix}dlltool`;
    if (spawnSync(cxx, ['--version']).status !== 0) throw new Error(`${cxx} not found${cross ? ' (Debian: apt-get install g++-mingw-w64-x86-64-posix)' : ''}`);
    tc = { env: process.env, cxx };
    cflags = ['-std=c++17', '-O2', '-Wall', '-Wno-unused-function', ...defs, '-I', ggmlInc, '-I', napiInc, '-I', addonInc];
    for (const u of units) Object.assign(u, { cmd: cxx, args: [...cflags, '-c', u.src, '-o', u.obj] });
    steps = (defFiles) => {
      const imp = (def, name) => { const out = join(implibDir, name); run(dlltool, ['-d', def, '-l', out]); return out; };
      const libs = [imp(defFiles.base, 'libggml-base.dll.a'), imp(defFiles.main, 'libggml.dll.a')];
      const nodeDelay = join(implibDir, 'libnode.delay.a');
      run(dlltool, ['-d', napiDef, '-y', nodeDelay]);
      // -static: libstdc++/libgcc/winpthread inside, so only ggml + system DLLs are needed at run time
      run(cxx, ['-shared', '-o', outNode, ...objsOf('core', 'addon'), ...libs, nodeDelay, '-static']);
      run(cxx, ['-o', outCli, ...objsOf('core', 'cli'), ...libs, '-static']);
    };
  }

  const h = createHash('sha256');
  for (const f of [...units.map((u) => u.src), ...headers, join(engineDir, 'scripts', 'peExports.mjs')]) h.update(f).update(readFileSync(f));
  h.update(JSON.stringify([toolchain, cflags, units.map((u) => u.cmd), dlls.map((f) => [f, statSync(join(libDir, f)).size])]));
  const stamp = h.digest('hex');
  const stampFile = join(outDir, 'stamp');
  if (!process.env.CLIPO_ENGINE_FORCE && existsSync(outNode) && existsSync(outCli) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    log(`up to date (${relative(root, outNode)}), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return;
  }
  const defFiles = { base: join(implibDir, 'ggml-base.def'), main: join(implibDir, 'ggml.def') };
  writeFileSync(defFiles.base, defFromDll(join(libDir, ggmlBase), ggmlBase));
  writeFileSync(defFiles.main, defFromDll(join(libDir, ggmlMain), ggmlMain));
  log(`compiling ${units.length} files for ${target} with ${toolchain} (-j${jobs}) against ${relative(root, libDir) || libDir}`);
  await compileAll(jobs, units, { env: tc.env });
  steps(defFiles);
  for (const f of [ggmlBase, ggmlMain, ...cpuDlls]) {
    const from = join(libDir, f), to = join(outDir, f);
    if (!existsSync(to) || statSync(to).size !== statSync(from).size) copyFileSync(from, to);
  }
  // The engine loads the CPU variants from here; a cross build's path means nothing on
  // Windows, and the CLI / loadAddon fall back to the output directory itself.
  if (!cross) writeFileSync(join(outDir, 'libdir.txt'), outDir);
  writeFileSync(stampFile, stamp);
  log(`built ${relative(root, outNode)} and ${relative(root, outCli)} (+ ${2 + cpuDlls.length} ggml DLLs) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`[engine build] FAILED: ${e.message}`);
  process.exit(1);
});
