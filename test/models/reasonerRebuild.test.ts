/**
 * The committed arith-reasoner (models/reasoner): its checksum, that node-llama-cpp
 * loads it and it answers in the trained format, and that `npm run model:reasoner`
 * still trains it the same way: the first steps are retrained from scratch here
 * (same seeded init, same rows, same engine) and their losses compared with the
 * committed training log.
 *
 * Tolerance: with one engine thread the CPU graph's reductions run in a fixed
 * order, so on the machine that wrote the log the losses are bit-identical. On
 * another CPU ggml may pick other SIMD kernels (AVX2 vs AVX-512 …), which change
 * the summation order of each dot product (length ≤ 320 here): relative error
 * ~1e-6 per op. Over 6 AdamW steps at warmup learning rates (≤ 1e-3·step) that
 * moves the loss by far less than 1e-3 nats; a change to the data, tokenizer,
 * init, loss or optimizer moves it by more than 1e-2 from the second step on.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Token } from 'node-llama-cpp';
import { arithWord } from '../../main/data/tasks/arithWord.js';
import { REASONER_CONFIG } from '../../main/models/reasoner/reasonerModel.js';
import { REASONER_GGUF, reasonerDir, verifiedReasonerPath } from '../../main/models/reasoner/reasonerFile.js';
import { buildReasoner } from '../../main/trainer/reasoner/buildReasoner.js';
import { reasonerTokenizer } from '../../main/trainer/reasoner/reasonerTokens.js';
import { REASONER_PLAN } from '../../main/trainer/reasoner/reasonerTrainPlan.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { resolveModelPath } from '../../main/trainer/resolveModelPath.js';
import { parseRecipe } from '../../main/recipes/index.js';

const dir = reasonerDir();
const gguf = join(dir, REASONER_GGUF);
type LogLine = { kind?: string; step?: number; loss?: number; sha256?: string; model?: unknown; plan?: unknown };
const readLog = (path: string): LogLine[] => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
const committed = readLog(join(dir, 'train-log.jsonl'));

describe('arith-reasoner (committed model)', () => {
  it('matches its checksum, the log, and the size limit (≤ 20 MB)', () => {
    const digest = createHash('sha256').update(readFileSync(gguf)).digest('hex');
    expect(readFileSync(`${gguf}.sha256`, 'utf8').split(/\s+/)[0]).toBe(digest);
    expect(committed.find((l) => l.kind === 'eval')?.sha256).toBe(digest);
    expect(verifiedReasonerPath()).toBe(gguf);
    expect(statSync(gguf).size).toBeLessThanOrEqual(20 * 1024 * 1024);
  });

  it('resolves as the builtin model arith-reasoner, and a changed file is refused with a clear error', () => {
    const recipe = parseRecipe({ model: { kind: 'builtin', name: 'arith-reasoner' }, data: { kind: 'builtin', task: 'arith-word' } });
    expect(resolveModelPath(recipe, mkdtempSync(join(tmpdir(), 'reasoner-data-')))).toBe(gguf);
    const copy = mkdtempSync(join(tmpdir(), 'reasoner-copy-'));
    copyFileSync(`${gguf}.sha256`, join(copy, `${REASONER_GGUF}.sha256`));
    const bytes = readFileSync(gguf);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1); // one bit of the last weight
    writeFileSync(join(copy, REASONER_GGUF), bytes);
    expect(() => verifiedReasonerPath(copy)).toThrow(/does not match its checksum/);
    try { verifiedReasonerPath(copy); } catch (e) { expect((e as { code?: string }).code).toBe('invalid_argument'); }
  });

  it('was trained by the current plan and architecture (the log\'s config line)', () => {
    const cfg = committed[0]!;
    expect(cfg.kind).toBe('config');
    expect(cfg.model).toEqual(REASONER_CONFIG);
    expect(cfg.plan).toEqual(REASONER_PLAN);
    expect(committed.filter((l) => l.step !== undefined).map((l) => l.step)).toEqual(Array.from({ length: REASONER_PLAN.steps }, (_, i) => i));
  });

  it('loads in node-llama-cpp and answers a test problem in the trained format (steps, then \\boxed{}, then end of turn)', async () => {
    const llama = await loadLlama('cpu', 1);
    const model = await llama.loadModel({ modelPath: gguf });
    try {
      const tk = reasonerTokenizer(model);
      const ctx = await model.createContext({ contextSize: 256, threads: 1 });
      const seq = ctx.getSequence();
      const out: Token[] = [];
      // node-llama-cpp ends the generator at the end-of-turn token without yielding it
      for await (const t of seq.evaluate(tk.prompt(arithWord.row(0, 'test', 0).question) as Token[], { temperature: 0 })) {
        if (model.isEogToken(t)) break;
        out.push(t);
        if (out.length >= 96) break;
      }
      const text = model.detokenize(out);
      expect(out.length, text).toBeLessThan(96);
      expect(text, text).toMatch(/\d+ [-+*/] \d+ = \d+.*\\boxed\{\d+\}$/);
      await ctx.dispose();
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  }, 120_000);

  it('retrains its first steps from scratch with the logged losses', async () => {
    const work = mkdtempSync(join(tmpdir(), 'reasoner-rebuild-'));
    const steps = 6;
    await buildReasoner({ work, out: join(work, 'out'), threads: 1, maxSteps: steps, fresh: true, evalRows: 0, dumpData: null });
    const fresh = readLog(join(work, 'train-log.jsonl')).filter((l) => l.step !== undefined);
    const logged = committed.filter((l) => l.step !== undefined).slice(0, steps);
    expect(fresh.map((l) => l.step)).toEqual(logged.map((l) => l.step));
    for (let i = 0; i < steps; i++) expect(Math.abs(fresh[i]!.loss! - logged[i]!.loss!), `step ${i}`).toBeLessThan(1e-3);
    // the losses fall over those steps: the comparison is not of a flat line
    expect(fresh[steps - 1]!.loss!).toBeLessThan(fresh[0]!.loss! - 0.1);
  }, 300_000);
});
