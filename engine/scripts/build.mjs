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
// Idempotent: a stamp (hash of sources, flags, ggml libs) skips up-to-date builds.
// Env: CLIPO_ENGINE_JOBS (default 2), CLIPO_ENGINE_FORCE=1, CXX.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

function platformLibDir() {
  const plat = `${process.platform}-${process.arch}`;
  const pkgDir = join(root, 'node_modules', 'node-llama-cpp');
  const candidates = [join(root, 'node_modules', '@node-llama-cpp', plat, 'bins', plat), join(pkgDir, 'bins', plat)];
  return candidates.find((d) => existsSync(join(d, 'libggml-base.so')) || existsSync(join(d, 'libggml-base.dylib')));
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

async function compileAll(jobs, units) {
  const queue = [...units];
  const worker = async () => {
    while (queue.length) {
      const u = queue.shift();
      await new Promise((res, rej) => {
        const p = spawn(u.cmd, u.args, { stdio: 'inherit' });
        p.on('exit', (c) => (c === 0 ? res() : rej(new Error(`compile failed: ${u.src}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

async function main() {
  if (process.platform === 'win32') {
    log('Windows build is not implemented yet (needs node.lib/ggml import libs); skipping');
    return;
  }
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
  const ggmlLib = readdirSync(libDir).find((f) => /^libggml\.(v[\d.]+\.)?(so|dylib)$/.test(f)) ?? 'libggml.so';
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

main().catch((e) => {
  console.error(`[engine build] FAILED: ${e.message}`);
  process.exit(1);
});
