/**
 * Engine smoke run through the public TS API, used to compare the Windows addon (cross-built,
 * run by a Windows node.exe under wine) with the Linux one. Bundled with esbuild by
 * winCross.test.ts; run as `node addonSmoke.mjs <model.gguf> <work dir>` with
 * CLIPO_ENGINE_RELEASE_DIR pointing at the build. Writes <work dir>/result.json (Node's stdout
 * is unusable as a pipe under wine).
 * The work dir may have non-ASCII characters: state and adapter files are written twice to the
 * same path (the second save renames over an existing file, which plain rename() fails on Windows).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel } from '../../../engine/index.js';
import { BATCH, WEIGHTS } from '../engineFixtures.js';

const [modelPath, workDir] = process.argv.slice(2) as [string, string];
const m = await EngineModel.open(modelPath, { threads: 2 });
await m.lora.init({ rank: 4, alpha: 8, seed: 3 });
const f0 = await m.forward(BATCH);
const b = await m.backward(BATCH, WEIGHTS);
const gradNorm = await m.step({ lr: 1e-2, weightDecay: 0.01, maxGradNorm: 1 });
const f1 = await m.forward(BATCH);
const statePath = join(workDir, 'state-ü日本.bin');
const adapterPath = join(workDir, 'adapter-ü日本.gguf');
await m.saveState(statePath);
await m.lora.save(adapterPath, 'gguf');
await m.step({ lr: 1e-2 });
await m.saveState(statePath); // replaces the existing file
await m.lora.save(adapterPath, 'gguf'); // same
const f2 = await m.forward(BATCH);
await m.loadState(statePath);
const f3 = await m.forward(BATCH);
let loadErr = '';
try {
  await m.loadState(join(workDir, 'missing.bin'));
} catch (e) {
  loadErr = (e as { code?: string }).code ?? String(e);
}
const out = {
  platform: process.platform,
  info: { arch: m.info.arch, backend: m.info.backend, vocab: m.info.vocab },
  logprobs0: Array.from(f0.logprobs),
  entropy0: Array.from(f0.entropy),
  pooled0: Array.from(f0.pooled.slice(0, 8)),
  loss: b.loss,
  gradNorm,
  logprobs1: Array.from(f1.logprobs),
  reloadMatches: f3.logprobs.every((v, i) => v === f2.logprobs[i]),
  files: [statePath, adapterPath].map((p) => existsSync(p) && statSync(p).size > 0),
  tmpLeft: existsSync(`${statePath}.tmp`) || existsSync(`${adapterPath}.tmp`),
  loadErr,
};
await m.dispose();
writeFileSync(join(workDir, 'result.json'), JSON.stringify(out));
