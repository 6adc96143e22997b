/**
 * SFT's loss is the token-mean next-token NLL of the target tokens with the
 * prompt masked (main/trainer/sft/sftBatch.ts): checked against log-probs the
 * engine's forward gives for every position of the same sequences (the loss is
 * re-assembled here from the answer positions alone), gradients equal to a
 * full-sequence backward whose prompt positions weigh 0, and, through a real
 * run, the store's step-0 `sft/loss` equals the NLL recomputed here from the
 * same rows, then falls and held-out accuracy rises.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineModel, type EngineSequence } from '../../engine/index.js';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { loadTaskRows } from '../../main/trainer/loadTaskRows.js';
import { PromptCursor } from '../../main/trainer/PromptCursor.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { renderPromptTokens } from '../../main/trainer/rollout/renderPrompt.js';
import { runTraining } from '../../main/trainer/runTraining.js';
import { sftBatch } from '../../main/trainer/sft/sftBatch.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';
import type { TrainerToSupervisor } from '../../main/trainer/protocol.js';

/** −mean log p of tokens[promptLen..] per sequence, read off a forward that scores every position ≥ 1. */
async function maskedNll(engine: EngineModel, items: { prompt: number[]; target: number[] }[], adapter = true): Promise<number> {
  const full = await engine.forward(items.map((it) => ({ tokens: [...it.prompt, ...it.target], responseStart: 1 })), { adapter });
  let sum = 0;
  let n = 0;
  items.forEach((it, i) => {
    // logprobs[offsets[i] + k] is log p(tokens[1 + k] | tokens[..1+k]); the answer starts at k = prompt.length − 1
    for (let k = it.prompt.length - 1; k < it.prompt.length - 1 + it.target.length; k++) { sum += full.logprobs[full.offsets[i]! + k]!; n++; }
  });
  return -sum / n;
}

const relNorm = (a: Float32Array, b: Float32Array) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d += (a[i]! - b[i]!) ** 2; s += b[i]! ** 2; }
  return Math.sqrt(d / Math.max(s, 1e-30));
};

describe('SFT loss', () => {
  it('equals the token-mean NLL of the target tokens; prompt positions carry no gradient', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sftloss-'));
    const modelPath = join(dir, 'm.gguf');
    writeTinyModel(modelPath, { ...TINY_DEMO_MODEL });
    await using engine = await EngineModel.open(modelPath, { threads: 1 });
    await engine.lora.init({ rank: 4, alpha: 8, seed: 5 });
    // A non-trivial adapter first (B starts at zero), so adapter gradients are not degenerate.
    for (let i = 0; i < 3; i++) {
      await engine.backward([{ tokens: [1, 40, 41, 42, 43, 44], responseStart: 2 }], Float32Array.from([1, -0.5, 0.25, 1]));
      await engine.step({ lr: 0.05 });
    }
    // Unequal prompt and target lengths: a per-sequence mean would differ from the token mean.
    const items = [
      { prompt: [1, 50, 51, 52, 53], target: [60, 61, 62, 2] },
      { prompt: [1, 70], target: [71, 2] },
      { prompt: [1, 80, 81, 82, 83, 84, 85], target: [86, 87, 88, 89, 90, 91, 2] },
    ];
    const b = sftBatch(items.map((it) => ({ promptTokens: it.prompt, targetTokens: it.target })));
    expect(b.targetTokens).toBe(13);
    await engine.zeroGrad();
    const bw = await engine.backward(b.seqs, b.weights);
    const gSft = await engine.grads();
    await engine.zeroGrad();
    const expected = await maskedNll(engine, items);
    expect(Math.abs(bw.loss - expected)).toBeLessThan(1e-4 * Math.max(1, expected));
    // And not the per-sequence mean (the cases differ here by construction).
    const f = await engine.forward(b.seqs);
    const perSeq = items.map((_, i) => -f.logprobs.slice(f.offsets[i]!, f.offsets[i + 1]!).reduce((s, x) => s + x, 0) / (f.offsets[i + 1]! - f.offsets[i]!));
    expect(Math.abs(bw.loss - perSeq.reduce((s, x) => s + x, 0) / 3)).toBeGreaterThan(1e-3);

    // The same gradient from full sequences whose prompt positions weigh 0 …
    const fullSeqs: EngineSequence[] = items.map((it) => ({ tokens: [...it.prompt, ...it.target], responseStart: 1 }));
    const w = (promptWeight: number) => Float32Array.from(items.flatMap((it) => [
      ...Array<number>(it.prompt.length - 1).fill(promptWeight), ...Array<number>(it.target.length).fill(1 / 13),
    ]));
    await engine.backward(fullSeqs, w(0));
    const gMasked = await engine.grads();
    await engine.zeroGrad();
    expect(relNorm(gSft, gMasked)).toBeLessThan(1e-4);
    // … while weighting the prompt's next-token targets would change it (the check can fail).
    await engine.backward(fullSeqs, w(0.05));
    const gUnmasked = await engine.grads();
    await engine.zeroGrad();
    expect(relNorm(gSft, gUnmasked)).toBeGreaterThan(1e-2);
  });

  it('a demo SFT run reports the hand-computed NLL at step 0, lowers it, and raises held-out accuracy', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sftrun-'));
    const store = Store.open(join(dataDir, 'clipo.db'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({
      ...demo, name: 'sft only',
      sft: { enabled: true, steps: 24, batchSize: 16, lr: 5e-3, evalRows: 32, evalEvery: 8 },
      training: { ...demo.training, steps: 0, checkpointEvery: 10 },
    });
    const runId = store.runs.create({ name: recipe.name, recipeJson: JSON.stringify(recipe), totalSteps: 24 });
    const msgs: TrainerToSupervisor[] = [];
    const out = await runTraining({ store, runId, dataDir, resume: false, control: new TrainerControl(), send: (m) => msgs.push(m) });
    expect(out).toEqual({ status: 'finished', error: null });
    const loss = store.metrics.series(runId, 'sft/loss');
    expect(loss.map((p) => p.step)).toEqual([...Array(24).keys()]);
    expect(store.metrics.series(runId, 'reward/mean')).toEqual([]); // no RL step ran
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([9, 19, 23]);

    // Step 0's loss, recomputed from the same rows: the run's cursor order, the prompt as the
    // sampler tokenises it, the answer (exactMatch task: the answer text) and the end token.
    const rows = await loadTaskRows(recipe.data, () => {});
    const idx = new PromptCursor(rows.length, recipe.training.seed, { epoch: 0, index: 0 }).take(recipe.sft.batchSize);
    const modelPath = join(dataDir, 'models', 'tiny-demo.gguf');
    const llama = await loadLlama('cpu', 1);
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const eos = model.tokens.eot ?? model.tokens.eos!;
    const items = idx.map((i) => ({
      prompt: renderPromptTokens(model, { systemPrompt: '', question: rows[i]!.question, suffix: '' }, 'none'),
      target: [...(model.tokenize(rows[i]!.answer, false) as number[]), eos],
    }));
    await model.dispose();
    await llama.dispose();
    await using engine = await EngineModel.open(modelPath, { threads: 1 });
    await engine.lora.init({ rank: 4, alpha: 8 });
    const expected = await maskedNll(engine, items, false); // B = 0 at init: the base model's NLL
    expect(Math.abs(loss[0]!.value! - expected)).toBeLessThan(1e-4 * expected);

    const last3 = loss.slice(-3).reduce((s, p) => s + p.value!, 0) / 3;
    expect(last3).toBeLessThan(0.5 * loss[0]!.value!);
    const acc = store.metrics.series(runId, 'sft/heldoutAccuracy');
    expect(acc.map((p) => p.step)).toEqual([7, 15, 23]);
    // The random demo model answers ~16% right (resolveModelPath.ts); SFT on the answers must beat that clearly.
    expect(acc.at(-1)!.value!).toBeGreaterThan(0.6);
    expect(store.metrics.series(runId, 'perf/tokensPerSec').every((p) => (p.value ?? 0) > 0)).toBe(true);
    store.close();
  });
});
