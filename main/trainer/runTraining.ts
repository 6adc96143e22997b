/**
 * The training loop of one run, inside its trainer process (docs/DESIGN.md,
 * "The job, as data flowing through it"): for each step, roll out with
 * node-llama-cpp → verify → engine forward (π_old, reference, pooled states)
 * → CLIPO head + advantages + objective weights (main/rl, via rlPipeline) →
 * engine backward/step per mini-batch → one store transaction → checkpoint
 * every K steps. This file orchestrates; each phase lives in its own module.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineModel, type EngineSequence } from '../../engine/index.js';
import type { Recipe, RunStatus } from '../api/contract/index.js';
import { M } from '../api/contract/metricNames.js';
import { parseRecipe, phaseAt, sftSteps, totalRunSteps } from '../recipes/index.js';
import { pcaProject2d } from '../rl/diagnostics/pcaProjection.js';
import { samplerMismatch } from '../rl/diagnostics/samplerMismatch.js';
import { LEASE_HEARTBEAT_MS, StoreError, type Store, type SampleInput, type EmbeddingInput } from '../store/index.js';
import { removeStrayRunFiles } from './checkpointFiles.js';
import { collectRollouts, type RolloutGroup } from './collectRollouts.js';
import { ensureWritableDir } from './ensureWritableDir.js';
import { loadTaskRows } from './loadTaskRows.js';
import { lrAt } from './lrSchedule.js';
import { PromptCursor } from './PromptCursor.js';
import type { TrainerToSupervisor } from './protocol.js';
import { resolveModelPath } from './resolveModelPath.js';
import { advantageStage, initialClipoState, policyStage, type ScoredBatch } from './rlPipeline.js';
import { loadLlama } from './rollout/loadLlama.js';
import { questionText } from '../data/buildMessages.js';
import { renderPromptTokens, userText } from './rollout/renderPrompt.js';
import { RolloutSampler } from './rollout/RolloutSampler.js';
import { heldoutAccuracy, heldoutRows } from './sft/sftEval.js';
import { S } from './sft/sftMetrics.js';
import { sftStep } from './sft/sftStep.js';
import { groupsPerWave, kvBytesPerToken } from './rollout/waveSize.js';
import { rolloutMetrics, T } from './stepMetrics.js';
import type { TrainerControl } from './TrainerControl.js';
import { loadCheckpoint, saveCheckpoint, type TrainerSnapshot } from './trainerState.js';
import { prepareRewardSpec } from '../rewards/quickjsRunner.js';

export interface RunTrainingOptions {
  store: Store;
  runId: number;
  dataDir: string;
  resume: boolean;
  control: TrainerControl;
  send: (m: TrainerToSupervisor) => void;
}

export interface RunOutcome { status: RunStatus; error: string | null }

/** Threads for ggml: leave one core to the UI and the OS (NODE-LLAMA-NOTES §3h: oversubscription collapses). */
export function autoThreads(requested: number): number {
  return requested > 0 ? requested : Math.max(1, availableParallelism() - 1);
}

export async function runTraining(o: RunTrainingOptions): Promise<RunOutcome> {
  const { store, runId, control, send } = o;
  const run = store.runs.get(runId);
  // Own the run before reading or truncating anything of it (docs/STORE.md, "One owner per run"):
  // a second trainer (a second `clipo resume`, the web API) is refused here, before prepareResume.
  const leaseToken = randomUUID();
  const taken = store.leases.acquire(runId, { token: leaseToken });
  let leaseLost = false;
  const heartbeat = setInterval(() => {
    try { store.leases.heartbeat(runId, leaseToken); } catch (err) {
      if ((err as StoreError).code !== 'LEASE_LOST') return; // a busy database: the next beat retries
      leaseLost = true;
      control.stop('abandon', (err as Error).message);
    }
  }, LEASE_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await trainOwned(o, run, leaseToken, taken.replaced ? `took over run ${runId} from trainer process ${taken.replaced.pid}, which was ${taken.state}` : null, () => leaseLost);
  } catch (err) {
    if ((err as StoreError).code === 'LEASE_LOST') leaseLost = true;
    throw err;
  } finally {
    clearInterval(heartbeat);
    if (!leaseLost) { try { store.leases.release(runId, leaseToken); } catch { /* the supervisor clears an orphan's lease */ } }
  }
}

async function trainOwned(o: RunTrainingOptions, run: ReturnType<Store['runs']['get']>, leaseToken: string, tookOver: string | null,
  leaseLost: () => boolean): Promise<RunOutcome> {
  const { store, runId, control, send } = o;
  const event = (level: 'info' | 'warn' | 'error', kind: string, message: string, step: number | null = null) => {
    if (leaseLost()) return; // another process owns the run now: write nothing more
    store.events.add(runId, { step, level, kind, message });
    send({ type: 'event', level, kind, message });
  };
  const setStatus = (status: RunStatus, error: string | null = null) => {
    if (leaseLost()) return;
    store.runs.updateStatus(runId, status as never, { error, pid: process.pid });
    send({ type: 'status', status, error });
  };
  if (tookOver) event('warn', 'lease', tookOver);

  const recipe: Recipe = parseRecipe(JSON.parse(run.recipeJson));
  const runDir = join(o.dataDir, 'runs', String(runId));
  ensureWritableDir(o.dataDir);
  mkdirSync(join(runDir, 'adapters'), { recursive: true });
  const threads = autoThreads(recipe.hardware.threads);
  const modelPath = resolveModelPath(recipe, o.dataDir);
  const rows = await loadTaskRows(recipe.data, event);
  await prepareRewardSpec(recipe.reward); // user reward code runs in the QuickJS worker, never in this thread

  // 'cuda'/'metal' ask for a GPU: fail with E_BACKEND rather than train on the CPU unnoticed
  const hw = recipe.hardware.backend;
  // 'vulkan' loads only node-llama-cpp's Vulkan library (docs/ENGINE.md, Backends), also where CUDA is present.
  const engine = await EngineModel.open(modelPath, { backend: hw === 'cpu' ? 'cpu' : hw === 'auto' ? 'auto' : 'gpu', threads, ...(hw === 'vulkan' || hw === 'cuda' ? { gpuKind: hw } : {}) });
  // π_old, π_θ and the reference are scored at the sampling temperature, like the rollouts (verl does the same).
  // SFT steps score at temperature 1 (the plain next-token loss); see setPhaseTemperature below.
  let engineTemperature = 0;
  const setPhaseTemperature = async (kind: 'sft' | 'rl') => {
    const t = kind === 'sft' ? 1 : recipe.rollout.temperature;
    if (t !== engineTemperature) { await engine.setTemperature(t); engineTemperature = t; }
  };
  const totalSteps = totalRunSteps(recipe);
  const S0 = sftSteps(recipe);
  // Full-parameter SFT (recipe.sft.params 'full'): an SFT-only run (validateRecipe refuses RL steps after it);
  // checkpoints hold the whole model's state, held-out checks sample from a saved model GGUF.
  const fullParams = recipe.sft.params === 'full' && S0 > 0;
  const llama = await loadLlama(recipe.hardware.backend, threads);
  let sampler: RolloutSampler | null = null;
  try {
    let snap: TrainerSnapshot = { step: -1, cursor: { epoch: 0, index: 0 }, clipo: initialClipoState(recipe, engine.info.dModel), axes: { head: null, pooled: null } };
    const resumeStep = store.steps.prepareResume(runId);
    const ckpt = resumeStep >= 0 ? store.checkpoints.latest(runId) : null;
    // A kill between a step's adapter file and its deletion, or between a checkpoint's rename and
    // its row, leaves files nothing points at: remove them before they are mistaken for state.
    const stray = removeStrayRunFiles(runDir, store.checkpoints.list(runId).map((c) => c.path));
    if (stray.length > 0) event('info', 'cleanup', `removed ${stray.length} file(s) left by an interrupted run: ${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ', …' : ''}`);
    if (ckpt) {
      snap = await loadCheckpoint(ckpt.path, engine);
      event('info', 'resume', `resumed from the checkpoint after step ${ckpt.step + 1}`, ckpt.step); // steps are 1-based in messages
    } else if (fullParams) {
      await engine.full.init();   // every tensor trainable (E_UNSUPPORTED above the engine's parameter limit)
    } else {
      await engine.lora.init({ rank: recipe.lora.rank, alpha: recipe.lora.alpha, targets: recipe.lora.targets, seed: recipe.lora.seed });
    }
    // Size the engine's compute buffers for the largest micro-batch now: an out-of-memory
    // surfaces before the first rollout, and GPU buffers are never reallocated mid-run.
    const reserved = await engine.reserve({ tokenBudget: recipe.training.tokenBudget });
    const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
    event('info', 'engine', `training engine on ${engine.info.backend}: ${mib(reserved.peakBytes)} for ` +
      `${recipe.training.tokenBudget}-token micro-batches (weights ${mib(reserved.bytes.weights)} as ${engine.info.frozenWeights}, ` +
      `${fullParams ? `full-parameter gradients + AdamW moments (${engine.info.trainableParams} parameters)` : 'adapter + optimizer'} ` +
      `${mib(reserved.bytes.adapter)}, compute ${mib(reserved.bytes.compute)})`);
    let fallbackReported = false;
    const cursor = new PromptCursor(rows.length, recipe.training.seed, snap.cursor);
    const sftHeldout = S0 > 0 ? heldoutRows(recipe.data, recipe.sft.evalRows) : [];
    const render = (row: (typeof rows)[number]) => {
      const parts = { systemPrompt: recipe.prompt.systemPrompt, question: questionText(row), suffix: recipe.prompt.suffix };
      return { text: userText(parts), tokens: renderPromptTokens(sampler!.llamaModel, parts, recipe.prompt.chatTemplate) };
    };
    const contextSize = Math.min(engine.info.contextLength, 1024 + recipe.rollout.maxTokens);
    // F32 KV cache: sampling probabilities then equal the engine's π_old to ~1e-5 (test/trainer/piOldAgreement).
    // All prompts of a step sampled together, as far as the KV budget allows.
    const wave = groupsPerWave(recipe.rollout.promptsPerStep, recipe.rollout.groupSize, contextSize, kvBytesPerToken(engine.info));
    const samplerOpts = { llama, modelPath, groupSize: recipe.rollout.groupSize, groupsPerWave: wave, contextSize, threads, kvCacheType: 'F32' as const };
    sampler = await RolloutSampler.open(samplerOpts);
    setStatus('running');
    // Wall-clock axis continues across resumes: start from the elapsed time recorded at the checkpoint.
    const elapsedBase = snap.step >= 0 ? (store.metrics.latest(runId, 1)[0]?.metrics[T.elapsed] ?? 0) : 0;
    const runStart = performance.now() - elapsedBase * 1000;
    let prevAdapter: string | null = null;

    for (let step = snap.step + 1; step < totalSteps; step++) {
      await control.waitWhilePaused(() => setStatus('paused'), () => setStatus('running'));
      if (control.stopRequested) break;
      const phaseNow = phaseAt(recipe, step);
      await setPhaseTemperature(phaseNow.kind);
      if (phaseNow.kind === 'sft') {
        const t0s = performance.now();
        const llamaModel = sampler.llamaModel;
        const endToken = llamaModel.tokens.eot ?? llamaModel.tokens.eos;
        if (endToken === null) throw Object.assign(new Error('the model has no end-of-sequence token, so SFT cannot teach it to stop'), { code: 'invalid_argument', field: 'model' });
        const r = await sftStep({
          recipe, rows, cursor, engine, promptTokens: (row) => render(row).tokens,
          targetTokens: (text) => [...(llamaModel.tokenize(text, false) as number[]), endToken],
        }, phaseNow.local);
        if (r.warning) event('warn', 'sft', r.warning, step);
        const metrics = r.metrics;
        metrics[S.phase] = 0;
        const lastSft = phaseNow.local === S0 - 1;
        if (sftHeldout.length > 0 && ((phaseNow.local + 1) % recipe.sft.evalEvery === 0 || lastSft)) {
          const evalPath = join(runDir, 'adapters', `sft-eval-${step}.gguf`);
          if (fullParams) {
            // the trained weights are the model itself: the sampler reloads it (small models: ~ms to load)
            await engine.full.saveGguf(evalPath, { type: 'f32' });
            await sampler.dispose();
            sampler = null;
            sampler = await RolloutSampler.open({ ...samplerOpts, modelPath: evalPath });
          } else {
            await engine.lora.save(evalPath, 'gguf');
            await sampler.setAdapter(evalPath);
          }
          if (prevAdapter) rmSync(prevAdapter, { force: true });
          prevAdapter = evalPath;
          const acc = await heldoutAccuracy(recipe, sftHeldout, sampler, (row) => render(row).tokens, control.rolloutSignal);
          if (acc !== null) metrics[S.heldoutAccuracy] = acc;
        }
        const t1s = performance.now();
        metrics[T.timeStep] = (t1s - t0s) / 1000;
        metrics[T.timeEngine] = r.engineMs / 1000;
        metrics[T.elapsed] = (t1s - runStart) / 1000;
        store.steps.writeStep(runId, { step, metrics }, { leaseToken });
        send({ type: 'step', step, totalSteps, time: Date.now(), metrics });
        snap.step = step;
        snap.cursor = cursor.save();
        // Always checkpoint the last SFT step: RL (and a resume) starts from exactly that adapter.
        if ((step + 1) % recipe.training.checkpointEvery === 0 || step === totalSteps - 1 || lastSft) {
          await checkpoint(store, runId, runDir, engine, snap, event, leaseToken);
        }
        continue;
      }
      const rlStep = phaseNow.local;
      if (rlStep === 0 && S0 > 0) {
        // SFT → RL on the same adapter with a fresh AdamW (moments and bias-correction step), as when a
        // TRL/verl SFT checkpoint starts an RL run: SFT's gradient scale would otherwise set RL's step size.
        const params = await engine.loraParams();
        await engine.lora.init({ rank: recipe.lora.rank, alpha: recipe.lora.alpha, targets: recipe.lora.targets, seed: recipe.lora.seed });
        await engine.setLoraParams(params);
        await engine.reserve({ tokenBudget: recipe.training.tokenBudget });
        event('info', 'phase', `SFT done after ${S0} steps: RL starts on the same adapter with a fresh optimizer`, step);
      }
      const t0 = performance.now();

      // 1. Rollouts with the current adapter (a unique file per version: node-llama-cpp caches by path).
      const adapterPath = join(runDir, 'adapters', `step-${step}.gguf`);
      let engineMs = 0;
      const ta = performance.now();
      await engine.lora.save(adapterPath, 'gguf');
      engineMs += performance.now() - ta;
      const tsa = performance.now();
      await sampler.setAdapter(adapterPath);
      const setAdapterMs = performance.now() - tsa;
      if (prevAdapter) rmSync(prevAdapter, { force: true });
      prevAdapter = adapterPath;
      const phase = await collectRollouts({ recipe, rows, cursor, sampler, render, signal: control.rolloutSignal }, step);
      if (phase.aborted) break;
      const t1 = performance.now();

      // 2. π_old (and reference) log-probs, entropy and pooled states from the engine, on the sampled tokens.
      const { seqs, scored, flat, samplerLogp } = toEngineBatch(phase.groups, engine.info.dModel);
      const metrics: Record<string, number> = {};
      let updated = false;
      let adv = null as ReturnType<typeof advantageStage> | null;
      if (seqs.length > 0) {
        const te = performance.now();
        const fwd = await engine.forward(seqs, { adapter: true, tokenBudget: recipe.training.tokenBudget });
        scored.oldLogp = fwd.logprobs;
        scored.entropy = fwd.entropy;
        scored.pooled = fwd.pooled;
        if (recipe.algorithm.klCoef > 0) scored.refLogp = (await engine.forward(seqs, { adapter: false, tokenBudget: recipe.training.tokenBudget })).logprobs;
        metrics[T.peakBytes] = fwd.peakBytes;
        engineMs += performance.now() - te;
        // With top-p < 1 the sampler reports probabilities after truncation: not comparable.
        if (recipe.rollout.topP >= 1) {
          const mm = samplerMismatch(samplerLogp, fwd.logprobs);
          Object.assign(metrics, { [T.samplerLogpDiffMean]: mm.logpDiffMean, [T.samplerLogpDiffMax]: mm.logpDiffMax, [T.samplerProbDiffMax]: mm.probDiffMax });
        }
        adv = advantageStage(recipe, scored, snap.clipo, rlStep);
        snap.clipo = adv.clipoState;
        Object.assign(metrics, adv.metrics);
      }
      const t2 = performance.now();

      // 3. Policy update: one or more optimizer steps over whole-group mini-batches.
      if (adv && adv.updatePolicy) {
        const r = await updatePolicy(engine, recipe, scored, seqs, adv.advantages, rlStep, step);
        Object.assign(metrics, r.metrics);
        updated = r.updated;
        engineMs += r.engineMs;
        if (r.warning) event('warn', 'nan', r.warning, step);
      }
      const t3 = performance.now();

      // 4. Persist the step in one transaction, then tell the supervisor.
      Object.assign(metrics, rolloutMetrics(flat), {
        [T.lr]: lrAt(rlStep, recipe.training.steps, recipe.optim), [T.policyUpdated]: updated ? 1 : 0, [S.phase]: 1,
        [T.timeRollout]: (t1 - t0) / 1000, [T.timeScoring]: (t2 - t1) / 1000, [T.timeUpdate]: (t3 - t2) / 1000,
        [T.tokensPerSec]: phase.generatedTokens / Math.max(1e-9, (t1 - t0) / 1000),
        'dapo/droppedGroups': phase.droppedGroups,
      });
      const { samples, embeddings, axes, projection } = stepRecords(phase.groups, scored, adv, snap.axes, engine.info.dModel, recipe);
      snap.axes = axes;
      Object.assign(metrics, projection);
      const t4 = performance.now();
      metrics[T.timeStep] = (t4 - t0) / 1000;
      metrics[T.timeOther] = (t4 - t3) / 1000;
      metrics[T.elapsed] = (t4 - runStart) / 1000;
      // Where the step went: inside node-llama-cpp, inside the engine, and the loop's own work (RL math, scoring, store).
      const samplerMs = phase.samplerMs + setAdapterMs;
      metrics[T.timeSampler] = samplerMs / 1000;
      metrics[T.timeEngine] = engineMs / 1000;
      metrics[T.timeOverhead] = Math.max(0, t4 - t0 - samplerMs - engineMs) / 1000;
      store.steps.writeStep(runId, { step, metrics, samples, embeddings }, { leaseToken });
      send({ type: 'step', step, totalSteps, time: Date.now(), metrics });
      snap.step = step;
      snap.cursor = cursor.save();
      if (!fallbackReported) {
        // ggml_backend_sched runs ops the GPU lacks (Metal: OUT_PROD, *_BACK) on the CPU: say so once
        fallbackReported = true;
        const ops = engine.cpuFallbackOps().filter((o) => !['VIEW', 'PERMUTE', 'TRANSPOSE', 'RESHAPE'].includes(o));
        if (ops.length > 0) event('warn', 'cpu-fallback', `${engine.info.backend} lacks ${ops.join(', ')}: those ops run on the CPU, ` +
          'with copies each step (slower than a full GPU step)', step);
      }
      if ((step + 1) % recipe.training.checkpointEvery === 0 || step === totalSteps - 1) {
        await checkpoint(store, runId, runDir, engine, snap, event, leaseToken);
      }
    }
    if (prevAdapter) rmSync(prevAdapter, { force: true });
    if (leaseLost()) return { status: store.runs.get(runId).status, error: control.stopReason };
    const done = snap.step >= totalSteps - 1;
    if (!done && snap.step >= 0 && store.checkpoints.latest(runId)?.step !== snap.step) {
      await checkpoint(store, runId, runDir, engine, snap, event, leaseToken); // "on stop": keep every finished step
    }
    const status: RunStatus = done ? 'finished' : 'stopped';
    if (!done && control.stopReason) event('warn', 'stopped', `${control.stopReason} (after step ${snap.step})`, snap.step >= 0 ? snap.step : null);
    setStatus(status);
    return { status, error: null };
  } finally {
    await sampler?.dispose();
    await llama.dispose();
    await engine.dispose();
  }
}

async function checkpoint(store: Store, runId: number, runDir: string, engine: EngineModel, snap: TrainerSnapshot,
  event: (l: 'info', k: string, m: string, s: number) => void, leaseToken: string): Promise<void> {
  store.leases.heartbeat(runId, leaseToken); // LEASE_LOST: another process owns the run; write no files for it
  const c = await saveCheckpoint(runDir, engine, snap);
  store.checkpoints.add(runId, { step: snap.step, path: c.path, bytes: c.bytes });
  // Messages count steps from 1 and sizes in MiB, as the dashboard and the CLI's progress line do.
  event('info', 'checkpoint', `checkpoint after step ${snap.step + 1} (${(c.bytes / 2 ** 20).toFixed(1)} MiB)`, snap.step);
}

interface FlatRollout { reward: number; correct: boolean; components: Record<string, number>; length: number; truncated: boolean }

/** Sampled tokens → engine sequences (prompt + completion) and the RL batch layout. Empty completions are left out. */
function toEngineBatch(groups: RolloutGroup[], dModel: number): { seqs: EngineSequence[]; scored: ScoredBatch; flat: FlatRollout[]; samplerLogp: number[] } {
  const seqs: EngineSequence[] = [];
  const samplerLogp: number[] = []; // the sampler's log-prob of each scored token, in oldLogp's order
  const gi: number[] = [];
  const rewards: number[] = [];
  const labels: number[] = [];
  const offsets = [0];
  const flat: FlatRollout[] = [];
  groups.forEach((g, q) => {
    for (const c of g.completions) {
      flat.push({ reward: c.reward, correct: c.correct, components: c.components, length: c.tokens.length, truncated: c.finishReason === 'length' });
      if (c.tokens.length === 0) continue;
      seqs.push({ tokens: Int32Array.from([...g.promptTokens, ...c.tokens]), responseStart: g.promptTokens.length });
      gi.push(q);
      rewards.push(c.reward);
      labels.push(c.correct ? 1 : 0);
      offsets.push(offsets.at(-1)! + c.tokens.length);
      samplerLogp.push(...c.samplerLogprobs);
    }
  });
  return {
    seqs, flat, samplerLogp,
    scored: {
      tokenOffsets: Int32Array.from(offsets), groupIndex: Int32Array.from(gi), numGroups: groups.length,
      rewards: Float64Array.from(rewards), labels: Uint8Array.from(labels), oldLogp: new Float32Array(offsets.at(-1)!), dModel,
      samplerLogp: Float32Array.from(samplerLogp),
    },
  };
}

/** Optimizer steps over `updatesPerBatch` mini-batches of whole groups (later ones re-score the current policy). */
async function updatePolicy(engine: EngineModel, r: Recipe, b: ScoredBatch, seqs: EngineSequence[], advantages: Float64Array, rlStep: number, step: number) {
  const U = r.training.updatesPerBatch;
  const metrics: Record<string, number> = {};
  let updated = false;
  let warning: string | null = null;
  let engineMs = 0;
  const timed = async <R>(f: () => Promise<R>): Promise<R> => {
    const t = performance.now();
    try { return await f(); } finally { engineMs += performance.now() - t; }
  };
  for (let u = 0; u < U; u++) {
    const idx = [...b.groupIndex.keys()].filter((i) => b.groupIndex[i]! % U === u);
    if (idx.length === 0) continue;
    const mini = subBatch(b, idx);
    const miniSeqs = idx.map((i) => seqs[i]!);
    const miniAdv = Float64Array.from(idx.map((i) => advantages[i]!));
    const logp = u === 0 ? mini.oldLogp : (await timed(() => engine.forward(miniSeqs, { adapter: true, tokenBudget: r.training.tokenBudget }))).logprobs;
    const res = policyStage(r, mini, miniAdv, logp, rlStep);
    Object.assign(metrics, res.metrics);
    if (!res.weights.some((w) => w !== 0)) continue; // no learning signal (e.g. every group zero-variance)
    const bw = await timed(() => engine.backward(miniSeqs, res.weights, { tokenBudget: r.training.tokenBudget }));
    if (!Number.isFinite(bw.loss)) {
      await engine.zeroGrad();
      warning = `step ${step + 1}: the loss was not finite (NaN or ±∞), so this update was skipped; if it repeats, lower the learning rate`;
      continue;
    }
    const gradNorm = await timed(() => engine.step({
      lr: lrAt(rlStep, r.training.steps, r.optim), beta1: r.optim.beta1, beta2: r.optim.beta2, eps: r.optim.eps,
      weightDecay: r.optim.weightDecay, maxGradNorm: r.optim.maxGradNorm,
    }));
    metrics[T.gradNorm] = gradNorm;
    metrics[T.loss] = bw.loss;
    updated = true;
  }
  return { metrics, updated, warning, engineMs };
}

function subBatch(b: ScoredBatch, idx: number[]): ScoredBatch {
  const groups = [...new Set(idx.map((i) => b.groupIndex[i]!))];
  const remap = new Map(groups.map((g, k) => [g, k]));
  const offsets = [0];
  const pick = (src: Float32Array | undefined) => {
    if (!src) return undefined;
    const out: number[] = [];
    for (const i of idx) for (let k = b.tokenOffsets[i]!; k < b.tokenOffsets[i + 1]!; k++) out.push(src[k]!);
    return Float32Array.from(out);
  };
  for (const i of idx) offsets.push(offsets.at(-1)! + b.tokenOffsets[i + 1]! - b.tokenOffsets[i]!);
  const ref = pick(b.refLogp);
  const ent = pick(b.entropy);
  return {
    tokenOffsets: Int32Array.from(offsets), groupIndex: Int32Array.from(idx.map((i) => remap.get(b.groupIndex[i]!)!)),
    numGroups: groups.length, rewards: Float64Array.from(idx.map((i) => b.rewards[i]!)), labels: Uint8Array.from(idx.map((i) => b.labels[i]!)),
    oldLogp: pick(b.oldLogp)!, dModel: b.dModel, ...(ref ? { refLogp: ref } : {}), ...(ent ? { entropy: ent } : {}),
    ...(b.samplerLogp ? { samplerLogp: pick(b.samplerLogp)! } : {}),
  };
}

/** Sample rows and 2-D projected embeddings (head, and raw pooled states) for the store. */
function stepRecords(groups: RolloutGroup[], b: ScoredBatch, adv: ReturnType<typeof advantageStage> | null,
  axes: TrainerSnapshot['axes'], dModel: number, recipe: Recipe) {
  const samples: SampleInput[] = [];
  const scoredIndex: number[] = []; // sample index → index in the scored batch (−1 for empty completions)
  let k = 0;
  // Per-token log-probs for the inspector's token view: the slice of the batch's flat arrays for this completion.
  const slice = (a: Float32Array | undefined, bi: number) => {
    const lo = b.tokenOffsets[bi]!, hi = b.tokenOffsets[bi + 1]!;
    return a && a.length >= hi ? a.slice(lo, hi) : null;
  };
  groups.forEach((g, q) => g.completions.forEach((c, i) => {
    const inBatch = c.tokens.length > 0 ? k++ : -1;
    scoredIndex.push(inBatch);
    samples.push({
      samplerLogp: inBatch >= 0 ? slice(b.samplerLogp, inBatch) : null, trainerLogp: inBatch >= 0 ? slice(b.oldLogp, inBatch) : null,
      promptIndex: q, sampleIndex: i, prompt: g.promptText, answer: g.row.answer, completion: c.text, tokens: Int32Array.from(c.tokens),
      reward: inBatch >= 0 && adv ? adv.totalRewards[inBatch]! : c.reward, rewardComponents: c.components,
      advantage: inBatch >= 0 && adv ? adv.advantages[inBatch]! : null, correct: c.correct, length: c.tokens.length,
      truncated: c.finishReason === 'length', contrastiveReward: inBatch >= 0 && adv && recipe.algorithm.clipo.enabled ? adv.contrastiveRewards[inBatch]! : null,
    });
  }));
  const embeddings: EmbeddingInput[] = [];
  const projection: Record<string, number> = {};
  const next = { ...axes };
  const n = b.labels.length;
  const project = (x: Float32Array, dim: number, kind: 'head' | 'pooled') => {
    if (n < 3) return;
    const p = pcaProject2d(x, n, dim, axes[kind] ?? undefined);
    next[kind] = p.axes;
    projection[kind === 'head' ? M.projHeadExplained1 : M.projPooledExplained1] = p.explained[0];
    projection[kind === 'head' ? M.projHeadExplained2 : M.projPooledExplained2] = p.explained[1];
    // A NaN/∞ state (a diverged adapter) has no place on the scatter: leave the point out rather than
    // fail the step's transaction on embeddings.x NOT NULL (SQLite stores NaN as NULL).
    scoredIndex.forEach((bi, si) => {
      const x = p.coords[2 * bi]!, y = p.coords[2 * bi + 1]!;
      if (bi >= 0 && Number.isFinite(x) && Number.isFinite(y)) embeddings.push({ sample: si, kind, x, y });
    });
  };
  if (adv?.embeddings) project(adv.embeddings, recipe.algorithm.clipo.outputSize, 'head');
  if (b.pooled && b.pooled.length === n * dModel) project(b.pooled, dModel, 'pooled');
  return { samples, embeddings, axes: next, projection };
}
