/**
 * Which of node-llama-cpp's prebuilt GPU backends the engine tries, in order: CUDA 13, then the
 * CUDA 12 build of the -cuda-ext package (its fallback/ folder, as node-llama-cpp loads it), then
 * Vulkan. On a CUDA 12 machine the CUDA 13 library cannot load (libcudart.so.13 missing) and the
 * engine must reach the CUDA 12 one instead of settling for Vulkan or the CPU.
 */
import { afterAll, expect, test } from 'vitest';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gpuBackendLibs } from '../../engine/ts/loadAddon.js';
import { tempDir } from './engineFixtures.js';

const dir = tempDir('clipo-gpulibs-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function touch(p: string): void {
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, '');
}

test.each([
  ['linux', 'libggml-cuda.so', 'libggml-vulkan.so'],
  ['win32', 'ggml-cuda.dll', 'ggml-vulkan.dll'],
] as const)('%s: CUDA 13, CUDA 12 fallback, then Vulkan', (platform, cuda, vulkan) => {
  const nm = join(dir, platform, 'node_modules', '@node-llama-cpp');
  const plat = platform === 'linux' ? 'linux-x64' : 'win-x64';
  const want = [
    join(nm, `${plat}-cuda`, 'bins', `${plat}-cuda`, cuda),
    join(nm, `${plat}-cuda-ext`, 'bins', `${plat}-cuda`, 'fallback', cuda),
    join(nm, `${plat}-vulkan`, 'bins', `${plat}-vulkan`, vulkan),
  ];
  for (const p of [...want].reverse()) touch(p);
  expect(gpuBackendLibs(platform, 'x64', [dirname(nm)])).toEqual(want);
  // only what is installed is offered
  rmSync(want[0]!);
  expect(gpuBackendLibs(platform, 'x64', [dirname(nm)])).toEqual(want.slice(1));
  expect(gpuBackendLibs('darwin', 'arm64', [dirname(nm)])).toEqual([]);
});

test.runIf(process.platform === 'linux' && process.arch === 'x64')('the installed packages are found', () => {
  const found = gpuBackendLibs();
  const nm = resolve('node_modules', '@node-llama-cpp');
  const cuda12 = join(nm, 'linux-x64-cuda-ext', 'bins', 'linux-x64-cuda', 'fallback', 'libggml-cuda.so');
  if (existsSync(cuda12)) expect(found).toContain(cuda12);
  expect(found.every((p) => existsSync(p))).toBe(true);
  expect(found.findIndex((p) => p.includes('vulkan'))).toBe(found.length - 1);
});
