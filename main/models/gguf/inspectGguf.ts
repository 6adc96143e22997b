/**
 * A summary of a GGUF model for the UI and the trainer: arch, sizes, quant
 * types, tokenizer, chat template, and whether the engine can train on it.
 */
import { readGguf, type GgufFile } from './readGguf.js';
import type { GgufValue } from './ggufTypes.js';

export interface GgufModelSummary {
  arch: string;
  name?: string;
  nLayer?: number;
  dModel?: number;
  nHead?: number;
  nHeadKv?: number;
  nFf?: number;
  contextLength?: number;
  vocabSize?: number;
  /** tensor type name -> number of tensors */
  tensorTypes: Record<string, number>;
  parameterCount: number;
  tokenizerModel?: string;
  chatTemplate?: string;
  /** true when the engine supports the arch and every tensor type */
  engineSupported: boolean;
  engineUnsupportedReason?: string;
}

const ENGINE_ARCHS = ['llama', 'qwen2', 'qwen3'];
const ENGINE_TYPES = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_K'];

function num(v: GgufValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.type === 'u64' || v.type === 'i64') return Number(v.value);
  return typeof v.value === 'number' ? v.value : undefined;
}
function str(v: GgufValue | undefined): string | undefined {
  return v && v.type === 'string' ? v.value : undefined;
}

export function summarizeGguf(f: GgufFile): GgufModelSummary {
  const m = f.metadata;
  const arch = str(m['general.architecture']) ?? 'unknown';
  const tensorTypes: Record<string, number> = {};
  let parameterCount = 0;
  for (const t of f.tensors) {
    tensorTypes[t.type] = (tensorTypes[t.type] ?? 0) + 1;
    parameterCount += t.shape.reduce((a, b) => a * b, 1);
  }
  const tokens = m['tokenizer.ggml.tokens'];
  const badTypes = Object.keys(tensorTypes).filter((t) => !ENGINE_TYPES.includes(t));
  let reason: string | undefined;
  if (!ENGINE_ARCHS.includes(arch)) reason = `architecture ${arch} is not supported (supported: ${ENGINE_ARCHS.join(', ')})`;
  else if (badTypes.length) reason = `tensor types ${badTypes.join(', ')} are not supported (supported: ${ENGINE_TYPES.join(', ')})`;
  const summary: GgufModelSummary = {
    arch,
    tensorTypes,
    parameterCount,
    engineSupported: reason === undefined,
  };
  const set = <K extends keyof GgufModelSummary>(k: K, v: GgufModelSummary[K] | undefined): void => { if (v !== undefined) summary[k] = v; };
  set('name', str(m['general.name']));
  set('nLayer', num(m[`${arch}.block_count`]));
  set('dModel', num(m[`${arch}.embedding_length`]));
  set('nHead', num(m[`${arch}.attention.head_count`]));
  set('nHeadKv', num(m[`${arch}.attention.head_count_kv`]) ?? num(m[`${arch}.attention.head_count`]));
  set('nFf', num(m[`${arch}.feed_forward_length`]));
  set('contextLength', num(m[`${arch}.context_length`]));
  set('vocabSize', tokens && tokens.type === 'array' ? tokens.value.length : num(m[`${arch}.vocab_size`]));
  set('tokenizerModel', str(m['tokenizer.ggml.model']));
  set('chatTemplate', str(m['tokenizer.chat_template']));
  set('engineUnsupportedReason', reason);
  return summary;
}

/** Read and summarise a GGUF model file. Throws GgufError on bad files. */
export function inspectGguf(path: string): GgufModelSummary {
  return summarizeGguf(readGguf(path));
}
