import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { estimateStep, preflight } from '../../main/services/preflightService.js';

const tmp = mkdtempSync(join(tmpdir(), 'clipo-preflight-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;

describe('recipes.preflight', () => {
  it('estimates memory and time for the demo and has no warnings', () => {
    const r = preflight(demo);
    expect(r.validation.ok).toBe(true);
    expect(r.estimate!.memoryBytes).toBeGreaterThan(1e5);
    expect(r.estimate!.memoryBytes).toBeLessThan(2 ** 30);
    expect(r.estimate!.secondsPerStep).toBeGreaterThan(0);
    expect(r.estimate!.tokensPerStep).toBe(8 * 8 * (128 + 2));
    expect(r.warnings).toEqual([]);
  });

  it('reads a model file: more memory with a bigger group size and token budget, each part as documented', () => {
    const path = join(tmp, 'm.gguf');
    writeTinyModel(path, { arch: 'qwen2', seed: 1, nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128 });
    const base = parseRecipe({ ...demo, model: { kind: 'file', path } });
    const r = preflight({ ...demo, model: { kind: 'file', path } });
    expect(r.validation.ok).toBe(true);
    const dims = { nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128, vocab: 152_000, fileBytes: 1000, parameterCount: 1000 };
    const e = estimateStep(base, dims);
    // KV cache: 2 × layers × kv heads × head dim × (prompt + maxTokens) × group × 4 bytes.
    expect(e.parts.kv).toBe(2 * 2 * 2 * 16 * (128 + base.rollout.maxTokens) * base.rollout.groupSize * 4);
    // LoRA: rank × (in + out) × layers × targets, 16 bytes each.
    expect(e.parts.lora! % 16).toBe(0);
    const bigger = estimateStep(parseRecipe({ ...demo, rollout: { groupSize: 16 }, training: { tokenBudget: 4096 } }), dims);
    expect(bigger.memoryBytes).toBeGreaterThan(e.memoryBytes);
    // activations grow at least linearly with the token budget (attention probabilities: quadratically)
    expect(bigger.parts.activations! - 96 * 2 ** 20).toBeGreaterThan(4 * (e.parts.activations! - 96 * 2 ** 20));
    // the categories the report shows add up to the total
    const p = r.estimate!.memoryParts;
    expect(p.weights + p.adapter + p.activations + p.samplerKv).toBe(r.estimate!.memoryBytes);
  });

  it('explains invalid settings and a missing model file', () => {
    const bad = preflight({ ...demo, rollout: { groupSize: -3 } });
    expect(bad.validation.ok).toBe(false);
    expect(bad.estimate).toBeNull();
    const missing = preflight({ ...demo, model: { kind: 'file', path: join(tmp, 'nope.gguf') } });
    expect(missing.validation.ok).toBe(false);
    if (!missing.validation.ok) expect(missing.validation.errors[0]!.field).toBe('model.path');
  });

  it('warns about off-policy ConSPO and CLIPO with small groups', () => {
    const r = preflight({ ...demo, algorithm: { objective: 'conspo', clipo: { enabled: true } }, rollout: { groupSize: 3 }, training: { updatesPerBatch: 2 } });
    expect(r.validation.ok).toBe(true);
    expect(r.warnings.join(' ')).toMatch(/ConSPO.*off-policy/);
    expect(r.warnings.join(' ')).toMatch(/CLIPO.*anchor/);
  });
});

describe('recipes.preflight from measurements', () => {
  it('uses an earlier run of the same model: its engine peak bytes and its measured step time, scaled to the recipe', async () => {
    const { Store } = await import('../../main/store/index.js');
    const { latestMeasurement } = await import('../../main/services/stepMeasurement.js');
    const store = Store.open(join(tmp, 'measure.db'));
    const recipe = parseRecipe(demo);
    expect(latestMeasurement(store, recipe)).toBeNull();
    expect(preflight(demo, (r) => latestMeasurement(store, r)).estimate!.basis).toBe('estimated');
    const id = store.runs.create({ name: 'measured', recipeJson: JSON.stringify(recipe), totalSteps: 5 });
    // Step 0 includes warm-up (3 s); later steps 0.25 s; the engine peaked at 40 MiB.
    for (let s = 0; s < 5; s++) store.steps.writeStep(id, { step: s, metrics: { 'time/step': s === 0 ? 3 : 0.25, 'perf/enginePeakBytes': 40 * 2 ** 20 } });
    const same = preflight(demo, (r) => latestMeasurement(store, r)).estimate!;
    expect(same.basis).toBe('measured');
    expect(same.measuredRun).toEqual({ id: String(id), name: 'measured' });
    expect(same.secondsPerStep).toBeCloseTo(0.25, 12);
    // Same recipe: the engine's peak plus the sampler's KV cache (which the engine does not hold).
    const kv = estimateStep(recipe, (await import('../../main/services/preflightService.js')).modelDims(recipe) as never).parts.kv!;
    expect(same.memoryBytes).toBe(40 * 2 ** 20 + kv);
    // Twice the completions per step: twice the time.
    const doubled = preflight({ ...demo, rollout: { ...demo.rollout, groupSize: 2 * recipe.rollout.groupSize } }, (r) => latestMeasurement(store, r)).estimate!;
    expect(doubled.secondsPerStep).toBeCloseTo(0.5, 12);
    store.close();
  });

  it('a run longer than the window: the median of its last 20 steps, none left out (only step 0 is warm-up)', async () => {
    const { Store } = await import('../../main/store/index.js');
    const { latestMeasurement } = await import('../../main/services/stepMeasurement.js');
    const store = Store.open(join(tmp, 'measure-long.db'));
    const recipe = parseRecipe(demo);
    const id = store.runs.create({ name: 'long', recipeJson: JSON.stringify(recipe), totalSteps: 30 });
    // Step s takes (40 − s) / 100 s: the last 20 (steps 10–29) are 0.30 … 0.11, median (index 10 of 20 sorted) 0.21.
    // Dropping the window's first row (step 10, 0.30) as if it were warm-up would give 0.20.
    for (let s = 0; s < 30; s++) store.steps.writeStep(id, { step: s, metrics: { 'time/step': s === 0 ? 3 : (40 - s) / 100 } });
    expect(latestMeasurement(store, recipe)!.secondsPerStep).toBeCloseTo(0.21, 12);
    store.close();
  });
});
