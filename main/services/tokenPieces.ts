/**
 * Token id → text piece, from the model file's own vocabulary
 * (`tokenizer.ggml.tokens`), for the rollout inspector's token view: the API
 * process never loads a tokenizer (only the trainer loads node-llama-cpp), and
 * the GGUF header has the pieces. Shown as text: GPT-2 byte-level BPE writes a
 * space as `Ġ` and a newline as `Ċ`, SentencePiece a space as `▁`. One
 * vocabulary per model path is cached (a 150k vocabulary is a few MiB).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Recipe } from '../api/contract/index.js';
import { readGguf } from '../models/gguf/index.js';

const cache = new Map<string, { mtimeMs: number; pieces: string[] }>();

export function modelFileOf(recipe: Recipe, dataDir: string): string {
  return recipe.model.kind === 'builtin' ? join(dataDir, 'models', `${recipe.model.name}.gguf`) : recipe.model.path;
}

export function displayPiece(p: string): string {
  return p.replace(/Ġ/g, ' ').replace(/Ċ/g, '\n').replace(/ĉ/g, '\t').replace(/▁/g, ' ');
}

/** The vocabulary's pieces, or a sentence saying why there are none. */
export function vocabularyOf(path: string): string[] | string {
  let mtimeMs: number;
  try { mtimeMs = statSync(path).mtimeMs; } catch { return `the model file ${path} is not there any more, so token ids cannot be shown as text`; }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.pieces;
  try {
    const v = readGguf(path).metadata['tokenizer.ggml.tokens'];
    if (!v || v.type !== 'array' || v.elementType !== 'string') return 'the model file has no vocabulary (tokenizer.ggml.tokens)';
    const pieces = v.value.map(displayPiece);
    cache.clear(); // one model at a time: vocabularies are large
    cache.set(path, { mtimeMs, pieces });
    return pieces;
  } catch (e) {
    return `the model file's vocabulary could not be read: ${(e as Error).message}`;
  }
}
