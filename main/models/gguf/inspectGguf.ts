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
/** The engine's weight types (engine_model.cpp engine_weight_types; test/engine/weightTypes.test.ts opens each). */
export const ENGINE_TYPES = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS'];

function num(v: GgufValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.type === 'u64' || v.type === 'i64') return Number(v.value);
  return typeof v.value === 'number' ? v.value : undefined;
}
function str(v: GgufValue | undefined): string | undefined {
  return v && v.type === 'string' ? v.value : undefined;
}

// The tensors of the llama/qwen2/qwen3 graph the engine builds (engine_model.cpp); any other tensor
// would change what llama.cpp computes, so the engine refuses the file.
const ENGINE_TENSOR = /^(?:token_embd|output_norm|output|rope_freqs)\.weight$|^blk\.\d+\.(?:attn_norm|attn_q|attn_k|attn_v|attn_output|attn_q_norm|attn_k_norm|ffn_norm|ffn_gate|ffn_up|ffn_down)\.weight$|^blk\.\d+\.attn_[qkv]\.bias$/;

/** Why the engine would refuse this file (the same checks as engine_model.cpp, before any weight is read), or undefined. */
function engineSupportProblem(f: GgufFile, arch: string, tensorTypes: Record<string, number>): string | undefined {
  const m = f.metadata;
  if (!ENGINE_ARCHS.includes(arch)) return `architecture ${arch} is not supported (supported: ${ENGINE_ARCHS.join(', ')})`;
  const badTypes = Object.keys(tensorTypes).filter((t) => !ENGINE_TYPES.includes(t));
  if (badTypes.length) return `tensor types ${badTypes.join(', ')} are not supported (supported: ${ENGINE_TYPES.join(', ')})`;
  const scaling = str(m[`${arch}.rope.scaling.type`]);
  if (scaling !== undefined && scaling !== 'none' && scaling !== 'linear') {
    return `rope scaling '${scaling}' is not supported (supported: none, linear, and Llama 3's rope_freqs)`;
  }
  const nHead = num(m[`${arch}.attention.head_count`]);
  const headDim = num(m[`${arch}.attention.key_length`]) ?? (nHead ? (num(m[`${arch}.embedding_length`]) ?? 0) / nHead : undefined);
  const nRot = num(m[`${arch}.rope.dimension_count`]);
  if (nRot !== undefined && headDim !== undefined && nRot !== headDim) {
    return `rope.dimension_count ${nRot} differs from the head dimension ${headDim} (partial rotary embeddings are not supported)`;
  }
  const extra = f.tensors.find((t) => !ENGINE_TENSOR.test(t.name));
  if (extra) return `tensor ${extra.name} is not part of the ${arch} graph this engine trains (unsupported model variant)`;
  return undefined;
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
  const reason = engineSupportProblem(f, arch, tensorTypes);
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
