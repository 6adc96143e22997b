/**
 * `npm run model:reasoner`: rebuilds the arith-reasoner (models/reasoner) from
 * scratch with our engine, resumably.
 *
 *   1. writes the seeded random-init GGUF (main/models/reasoner/reasonerModel.ts) into the work dir;
 *   2. trains every tensor (engine full-parameter mode) on arith-word train rows with their worked
 *      solutions: prompt masked, token-mean NLL of solution + <|im_end|> (main/trainer/sft/sftBatch.ts),
 *      AdamW with warmup + cosine (reasonerTrainPlan.ts); the engine state and a step counter are
 *      saved every `checkpointEvery` steps, so a killed build continues where it stopped;
 *   3. writes the final GGUF (F32), its sha256, the training log (JSONL: config, one line per step,
 *      the evaluation) and greedy pass@1 on test / perturbed test / test-ood (node-llama-cpp + the
 *      task's gsm8k verifier) into the output folder.
 *
 * Options: --work DIR (default .reasoner-work), --out DIR (default models/reasoner), --threads N (the
 * machine's cores, at most 4: the losses are bit-identical for any N, 1.6× faster on 2 cores than 1),
 * --max-steps K (stop after K steps of this invocation, e.g. for a test), --fresh (ignore a previous
 * state), --eval-rows N (200 per split), --dump-data FILE (write the token ids for
 * bench/sft/torch_reasoner.py and exit).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync, copyFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineModel } from '../../../engine/index.js';
import { arithWord } from '../../data/tasks/arithWord.js';
import { PERTURBATIONS, perturbArithWord } from '../../data/tasks/perturbArithWord.js';
import type { TaskRow } from '../../data/types.js';
import { REASONER_CONFIG, writeReasonerInit } from '../../models/reasoner/reasonerModel.js';
import { reasonerVocab } from '../../models/reasoner/reasonerVocab.js';
import { loadLlama } from '../rollout/loadLlama.js';
import { sftBatch } from '../sft/sftBatch.js';
import { greedyPassAt1 } from './reasonerEval.js';
import { REASONER_PLAN as P, reasonerLr } from './reasonerTrainPlan.js';
import { reasonerTokenizer, rowSolutionText } from './reasonerTokens.js';

export const REASONER_FILE = 'arith-reasoner.gguf';

export interface ReasonerBuildArgs { work: string; out: string; threads: number; maxSteps: number; fresh: boolean; evalRows: number; dumpData: string | null }

function parseArgs(argv: string[]): ReasonerBuildArgs {
  const a: ReasonerBuildArgs = { work: '.reasoner-work', out: 'models/reasoner', threads: Math.min(4, availableParallelism()), maxSteps: Infinity, fresh: false, evalRows: 200, dumpData: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!, v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const int = (): number => {
      const n = Number(v());
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${k} needs a non-negative integer`);
      return n;
    };
    if (k === '--work') a.work = v();
    else if (k === '--out') a.out = v();
    else if (k === '--threads') a.threads = Math.max(1, int());
    else if (k === '--max-steps') a.maxSteps = int();
    else if (k === '--eval-rows') a.evalRows = int();
    else if (k === '--fresh') a.fresh = true;
    else if (k === '--dump-data') a.dumpData = v();
    else throw new Error(`unknown option ${k} (see the header of main/trainer/reasoner/buildReasoner.ts)`);
  }
  return a;
}

/** Evaluation rows: the first n of test and test-ood (seed 0, as SFT's held-out accuracy uses), and perturbed test rows. */
export function evalRows(n: number): Record<'test' | 'perturbed' | 'test-ood', TaskRow[]> {
  const test = Array.from({ length: n }, (_, i) => arithWord.row(0, 'test', i));
  return {
    test,
    perturbed: test.map((r, i) => perturbArithWord(r, PERTURBATIONS[i % PERTURBATIONS.length]!, 1)),
    'test-ood': Array.from({ length: n }, (_, i) => arithWord.row(0, 'test-ood', i)),
  };
}

export const trainRow = (i: number): TaskRow => arithWord.row(P.dataSeed, 'train', i);

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export async function buildReasoner(args: ReasonerBuildArgs): Promise<void> {
  const work = resolve(args.work), out = resolve(args.out);
  mkdirSync(work, { recursive: true });
  const initPath = join(work, 'init.gguf'), statePath = join(work, 'state.bin'), progressPath = join(work, 'progress.json'), logPath = join(work, 'train-log.jsonl');
  let start = 0;
  if (!args.fresh && existsSync(progressPath) && existsSync(statePath) && existsSync(initPath)) {
    start = (JSON.parse(readFileSync(progressPath, 'utf8')) as { step: number }).step;
    // Drop log lines of steps after the checkpoint: they are re-run with the same rows.
    const kept = readFileSync(logPath, 'utf8').split('\n').filter((l) => {
      const x = l ? JSON.parse(l) as { kind?: string; step?: number } : null;
      return x !== null && (x.kind === 'config' || (x.step !== undefined && x.step < start));
    });
    writeAtomic(logPath, kept.map((l) => `${l}\n`).join(''));
    console.log(`resuming at step ${start} from ${work}`);
  } else {
    for (const p of [statePath, progressPath, logPath]) rmSync(p, { force: true });
    const { params, vocab } = writeReasonerInit(initPath);
    appendFileSync(logPath, `${JSON.stringify({ kind: 'config', model: REASONER_CONFIG, params, vocab, plan: P, threads: args.threads })}\n`);
  }

  const llama = await loadLlama('cpu', args.threads);
  const vocabModel = await llama.loadModel({ modelPath: initPath, vocabOnly: true });
  const tk = reasonerTokenizer(vocabModel);

  if (args.dumpData) {
    const pack = (r: TaskRow): { p: number[]; t: number[]; a: string } => ({ p: tk.prompt(r.question), t: tk.target(rowSolutionText(r)), a: r.answer });
    const ev = evalRows(args.evalRows);
    writeFileSync(args.dumpData, JSON.stringify({
      vocab: reasonerVocab().tokens, train: Array.from({ length: P.steps * P.batch }, (_, i) => pack(trainRow(i))),
      test: ev.test.map(pack), perturbed: ev.perturbed.map(pack), 'test-ood': ev['test-ood'].map(pack),
    }));
    console.log(`wrote ${args.dumpData}`);
    await vocabModel.dispose();
    return;
  }

  const engine = await EngineModel.open(initPath, { backend: 'cpu', threads: args.threads });
  await engine.full.init();
  if (start > 0) await engine.loadState(statePath);
  const checkpoint = async (step: number): Promise<void> => {
    await engine.saveState(`${statePath}.tmp`);
    renameSync(`${statePath}.tmp`, statePath);
    writeAtomic(progressPath, `${JSON.stringify({ step })}\n`);
  };
  const end = Math.min(P.steps, start + args.maxSteps);
  const cpu0 = process.cpuUsage();
  for (let step = start; step < end; step++) {
    const t0 = performance.now();
    const items = Array.from({ length: P.batch }, (_, j) => {
      const row = trainRow(step * P.batch + j);
      return { promptTokens: tk.prompt(row.question), targetTokens: tk.target(rowSolutionText(row)) };
    });
    const b = sftBatch(items);
    const lr = reasonerLr(step);
    const bw = await engine.backward(b.seqs, b.weights, { tokenBudget: P.tokenBudget });
    if (!Number.isFinite(bw.loss)) throw new Error(`step ${step}: the loss is not finite; lower REASONER_PLAN.lr`);
    const gradNorm = await engine.step({ lr, beta1: P.beta1, beta2: P.beta2, eps: P.eps, weightDecay: P.weightDecay, maxGradNorm: P.maxGradNorm });
    const sec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    appendFileSync(logPath, `${JSON.stringify({
      step, loss: bw.loss, gradNorm, lr, tokens: b.totalTokens, targetTokens: b.targetTokens,
      tokensPerSec: Math.round(b.totalTokens / sec), wallSec: +sec.toFixed(3), cpuSecSoFar: +((cpu.user + cpu.system) / 1e6).toFixed(1),
    })}\n`);
    if (step % 10 === 0 || step === end - 1) console.log(`step ${step + 1}/${P.steps} loss ${bw.loss.toFixed(4)} lr ${lr.toExponential(2)} ${Math.round(b.totalTokens / sec)} tokens/s`);
    if ((step + 1) % P.checkpointEvery === 0 || step === end - 1) await checkpoint(step + 1);
  }
  if (end < P.steps) {
    console.log(`stopped after step ${end}; run again to continue`);
    await engine.dispose();
    await vocabModel.dispose();
    return;
  }

  mkdirSync(out, { recursive: true });
  const gguf = join(out, REASONER_FILE);
  await engine.full.saveGguf(gguf, { type: 'f32' });
  await engine.dispose();
  const model = await llama.loadModel({ modelPath: gguf });
  const ev = evalRows(args.evalRows);
  const scores: Record<string, unknown> = {};
  for (const [split, rows] of Object.entries(ev)) {
    scores[split] = await greedyPassAt1(model, tk, rows);
    console.log(`${split}: ${JSON.stringify(scores[split])}`);
  }
  await model.dispose();
  await vocabModel.dispose();
  const digest = sha256(gguf);
  appendFileSync(logPath, `${JSON.stringify({ kind: 'eval', greedy: scores, bytes: statSync(gguf).size, sha256: digest })}\n`);
  copyFileSync(logPath, join(out, 'train-log.jsonl'));
  writeFileSync(join(out, `${REASONER_FILE}.sha256`), `${digest}  ${REASONER_FILE}\n`);
  console.log(`wrote ${gguf} (${statSync(gguf).size} bytes, sha256 ${digest})`);
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('reasoner', 'buildReasoner.js'))) {
  buildReasoner(parseArgs(process.argv.slice(2))).catch((err: unknown) => {
    console.error(`model:reasoner failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
