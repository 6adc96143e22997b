/**
 * PEFT export vs an independent reference (bench/export/peft_reference.py):
 * writes tiny llama and qwen2 models, a non-trivial adapter exported through the
 * real export path (exportRun, format peft) and the engine's log-probs, then runs
 * the Python reference (numpy always; transformers + PEFT when installed) and
 * requires agreement within 1e-4. Run: `npx vitest run --project bench bench/export`.
 * CLIPO_PEFT_FIXTURE_DIR=<dir> keeps the fixture (e.g. to carry to a machine with PyTorch).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { EngineModel } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { exportRun } from '../../main/trainer/export/exportRun.js';
import { saveCheckpoint } from '../../main/trainer/trainerState.js';

const here = dirname(fileURLToPath(import.meta.url));
const TOKENS = [1, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50];
const RS = 3;

it('PEFT export matches an independent Hugging Face-convention reference', async () => {
  const root = process.env.CLIPO_PEFT_FIXTURE_DIR ? resolve(process.env.CLIPO_PEFT_FIXTURE_DIR) : mkdtempSync(join(tmpdir(), 'peftref-'));
  for (const arch of ['llama', 'qwen2'] as const) {
    const d = join(root, arch);
    mkdirSync(d, { recursive: true });
    const modelPath = join(d, 'model.gguf');
    writeTinyModel(modelPath, { arch, seed: 5, nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128 });
    const store = Store.open(join(d, 'clipo.db'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, model: { kind: 'file', path: modelPath } });
    const runId = store.runs.create({ name: arch, recipeJson: JSON.stringify(recipe), totalSteps: 1 });
    const engine = await EngineModel.open(modelPath, { threads: 1 });
    await engine.lora.init({ rank: 4, alpha: 8, seed: 9 });
    const p = await engine.loraParams();
    for (let i = 0; i < p.length; i++) p[i] = 0.15 * Math.sin(i * 0.71 + 0.3);
    await engine.setLoraParams(p);
    const c = await saveCheckpoint(join(d, 'runs', String(runId)), engine, { step: 0, cursor: { epoch: 0, index: 0 }, clipo: null, axes: { head: null, pooled: null } });
    store.checkpoints.add(runId, { step: 0, path: c.path, bytes: c.bytes });
    const lp = (await engine.forward([{ tokens: TOKENS, responseStart: RS }])).logprobs;
    await engine.dispose();
    await exportRun({ store, dataDir: d, runId, format: 'peft', outDir: join(d, 'peft'), overwrite: true, hashBase: false });
    store.close();
    writeFileSync(join(d, 'expected.json'), JSON.stringify({ tokens: TOKENS, responseStart: RS, logprobs: Array.from(lp) }));
  }
  const py = spawnSync('python3', [join(here, 'peft_reference.py'), root], { encoding: 'utf8' });
  if (py.error || /No module named 'numpy'/.test(py.stderr)) { console.log('python3 with numpy not available: reference skipped'); return; }
  console.log(py.stdout.trim());
  expect(py.status, py.stderr).toBe(0);
}, 120_000);
