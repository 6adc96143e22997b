/**
 * Where the run's base model is. The built-in demo model is generated on first
 * use into the data dir (written to a temp file and renamed, so a crash never
 * leaves a half-written model); user models must exist and be readable.
 */
import { accessSync, constants, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Recipe } from '../api/contract/index.js';
import { readGguf, summarizeGguf, writeTinyModel } from '../models/gguf/index.js';
import { verifiedReasonerPath } from '../models/reasoner/reasonerFile.js';

/**
 * The demo model: small enough to train in well under a minute on one CPU core.
 * Tied embeddings give a random model a mild prior to repeat its input, and the
 * final norm scaled by 0.5 flattens its first-token distribution (entropy about
 * 3.8 nats, p(answer) about 0.16 on tiny-demo), so groups start mixed and GRPO
 * has a signal to climb, as a pretrained model's would. Measured: with scale 1
 * per-prompt probabilities are near 0 or 1 (zero-variance groups); with 0.3 the
 * start is too sparse (p ≈ 0.05).
 */
export const TINY_DEMO_MODEL = { arch: 'qwen2', seed: 20260101, nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128, outputNormScale: 0.5 } as const;

export function resolveModelPath(recipe: Recipe, dataDir: string): string {
  if (recipe.model.kind === 'builtin') {
    // The reasoning model is a committed file (models/reasoner), checked against its sha256.
    if (recipe.model.name === 'arith-reasoner') return verifiedReasonerPath();
    const dir = join(dataDir, 'models');
    const path = join(dir, `${recipe.model.name}.gguf`);
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      writeTinyModel(tmp, { ...TINY_DEMO_MODEL });
      renameSync(tmp, path);
    }
    return path;
  }
  const path = recipe.model.path;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw Object.assign(new Error(`model file not found or not readable: ${path} — choose an existing GGUF file`), { code: 'not_found', field: 'model.path' });
  }
  // A crafted or damaged file can make llama.cpp abort the whole process while loading it (an empty
  // token string, short score arrays); such a run would be "crashed" and offered a resume that
  // crashes again. Read the header first and fail the run with the reason instead (the library's
  // verdict: what the engine refuses, then what llama.cpp cannot load).
  let problem: string | undefined;
  try {
    problem = summarizeGguf(readGguf(path)).engineUnsupportedReason;
  } catch (err) {
    throw Object.assign(new Error(`${path} is not a usable GGUF model: ${(err as Error).message}`), { code: 'invalid_argument', field: 'model.path' });
  }
  if (problem) throw Object.assign(new Error(`${path} cannot be trained on: ${problem}`), { code: 'unsupported', field: 'model.path' });
  return path;
}
