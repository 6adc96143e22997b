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

const INT32_MAX = 0x7fffffff;

/**
 * What would make llama.cpp (node-llama-cpp: the sampler, evaluation) abort or read out of bounds
 * while loading this file, or undefined. llama.cpp trusts these fields (src/llama-vocab.cpp reads
 * scores[i] and token types for every token; an empty token string trips an assert), so a crafted
 * file must be refused here, before any process loads it.
 */
export function llamaCppLoadProblem(f: GgufFile): string | undefined {
  const m = f.metadata;
  if (str(m['general.type']) === 'adapter') return 'this GGUF is a LoRA adapter, not a model';
  if (!str(m['general.architecture'])) return 'general.architecture is missing';
  const tokens = m['tokenizer.ggml.tokens'];
  if (!tokens || tokens.type !== 'array' || tokens.elementType !== 'string') return 'the file has no tokenizer vocabulary (tokenizer.ggml.tokens)';
  const vocab = tokens.value as string[];
  if (vocab.length === 0) return 'the tokenizer vocabulary is empty';
  const empty = vocab.findIndex((t) => t.length === 0);
  if (empty >= 0) return `token ${empty} of the vocabulary is an empty string (llama.cpp cannot load it)`;
  // llama_vocab::impl::load asserts id_to_token.size() == token_to_id.size() (llama-vocab.cpp:2501 in
  // node-llama-cpp 3.21.1's build): a token string listed twice aborts the process.
  const seen = new Map<string, number>();
  for (let i = 0; i < vocab.length; i++) {
    const first = seen.get(vocab[i]!);
    if (first !== undefined) return `token ${JSON.stringify(vocab[i]!.slice(0, 40))} appears twice in the vocabulary (ids ${first} and ${i}); llama.cpp aborts on such a file`;
    seen.set(vocab[i]!, i);
  }
  for (const key of ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    const v = m[key];
    if (v && (v.type !== 'array' || v.value.length !== vocab.length)) {
      return `${key} has ${v.type === 'array' ? v.value.length : 'no'} entries for ${vocab.length} tokens`;
    }
  }
  for (const [key, v] of Object.entries(m)) {
    if (!/^tokenizer\.ggml\.\w+_token_id$/.test(key)) continue;
    const id = num(v);
    if (id === undefined || !Number.isInteger(id) || id < 0 || id >= vocab.length) {
      return `${key} is ${String(v.value)}, outside the ${vocab.length}-token vocabulary`;
    }
  }
  const embd = f.tensors.find((t) => t.name === 'token_embd.weight');
  if (embd && embd.shape[1] !== vocab.length) return `the vocabulary has ${vocab.length} tokens but token_embd.weight has ${embd.shape[1]} rows`;
  return undefined;
}

/** The hyperparameters engine_model.cpp reads, checked as it checks them; a problem string or the values. */
function engineHparams(m: GgufFile['metadata'], arch: string): string | { D: number; L: number; F: number; H: number; Hkv: number; hd: number } {
  const int = (key: string, required: boolean): number | string | undefined => {
    const v = m[`${arch}.${key}`];
    if (v === undefined) return required ? `${arch}.${key} is missing` : undefined;
    if (!['u32', 'i32', 'u64'].includes(v.type)) return `${arch}.${key} has the wrong type (${v.type})`;
    const n = num(v)!;
    if (!Number.isInteger(n) || n < 0 || n > INT32_MAX) return `${arch}.${key} is out of range (${String(v.value)})`;
    return n;
  };
  const f32 = (key: string, required: boolean): number | string | undefined => {
    const v = m[`${arch}.${key}`];
    if (v === undefined) return required ? `${arch}.${key} is missing` : undefined;
    if (v.type !== 'f32') return `${arch}.${key} is not f32`;
    return v.value as number;
  };
  const vals = {
    D: int('embedding_length', true), L: int('block_count', true), F: int('feed_forward_length', true), H: int('attention.head_count', true),
    Hkv: int('attention.head_count_kv', false), ctx: int('context_length', false), kl: int('attention.key_length', false),
    vl: int('attention.value_length', false), eps: f32('attention.layer_norm_rms_epsilon', true), base: f32('rope.freq_base', false),
  };
  for (const v of Object.values(vals)) if (typeof v === 'string') return v;
  const { D, L, F, H, ctx, kl, vl, eps, base } = vals as Record<string, number | undefined>;
  const Hkv = (vals.Hkv as number | undefined) ?? H!;
  // ggml asserts eps >= 0 in RMS_NORM: a NaN epsilon aborts the process.
  if (!Number.isFinite(eps) || eps! <= 0 || eps! > 1) return `${arch}.attention.layer_norm_rms_epsilon is ${eps} (must be a finite number in (0, 1])`;
  if (base !== undefined && !(Number.isFinite(base) && base > 0)) return `${arch}.rope.freq_base is ${base} (must be a finite positive number)`;
  if (ctx !== undefined && ctx <= 0) return `${arch}.context_length must be positive`;
  if (D! <= 0 || L! <= 0 || F! <= 0 || H! <= 0 || Hkv <= 0 || H! % Hkv !== 0 || L! > 1024) return 'invalid hyperparameters (embedding/layers/heads)';
  const hd = kl && kl > 0 ? kl : D! / H!;
  if (vl && vl > 0 && vl !== hd) return 'key_length != value_length is not supported';
  if (!Number.isInteger(hd) || hd <= 0 || hd % 2 !== 0) return 'invalid head dimension';
  const factor = m[`${arch}.rope.scaling.factor`] ?? m[`${arch}.rope.scale_linear`];
  if (factor && (factor.type !== 'f32' || !Number.isFinite(factor.value) || (factor.value as number) < 0)) return 'invalid rope scaling factor';
  return { D: D!, L: L!, F: F!, H: H!, Hkv, hd };
}

/** The tensors engine_model.cpp requires, with their ggml shapes (null: any, for the vocabulary). */
function engineTensorProblem(f: GgufFile, arch: string, hp: { D: number; L: number; F: number; H: number; Hkv: number; hd: number }): string | undefined {
  const byName = new Map(f.tensors.map((t) => [t.name, t]));
  const { D, L, F, hd } = hp;
  const q = hd * hp.H, kv = hd * hp.Hkv;
  const want: [string, (number | null)[], boolean][] = [
    ['token_embd.weight', [D, null], true], ['output_norm.weight', [D], true], ['output.weight', [D, null], false], ['rope_freqs.weight', [hd / 2], false],
  ];
  for (let l = 0; l < L; l++) {
    const b = `blk.${l}.`;
    want.push([`${b}attn_norm.weight`, [D], true], [`${b}attn_q.weight`, [D, q], true], [`${b}attn_k.weight`, [D, kv], true],
      [`${b}attn_v.weight`, [D, kv], true], [`${b}attn_output.weight`, [q, D], true], [`${b}attn_q.bias`, [q], false],
      [`${b}attn_k.bias`, [kv], false], [`${b}attn_v.bias`, [kv], false], [`${b}attn_q_norm.weight`, [hd], arch === 'qwen3'],
      [`${b}attn_k_norm.weight`, [hd], arch === 'qwen3'], [`${b}ffn_norm.weight`, [D], true], [`${b}ffn_gate.weight`, [D, F], true],
      [`${b}ffn_up.weight`, [D, F], true], [`${b}ffn_down.weight`, [F, D], true]);
  }
  const embd = byName.get('token_embd.weight');
  const V = embd?.shape[1];
  for (const [name, shape, required] of want) {
    const t = byName.get(name);
    if (!t) { if (required) return `tensor ${name} is missing`; continue; }
    const full = [...shape.map((d) => d ?? V), 1, 1, 1].slice(0, 4);
    const got = [...t.shape, 1, 1, 1].slice(0, 4);
    if (full.some((d, i) => d !== got[i])) return `tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.map((d) => d ?? V).join(', ')}]`;
  }
  if (V === undefined || V < 1 || V > INT32_MAX) return 'token_embd.weight has an invalid vocabulary size';
  return undefined;
}

/** Why the engine would refuse this file (the same checks as engine_model.cpp, before any weight is read), or undefined. */
function engineSupportProblem(f: GgufFile, arch: string, tensorTypes: Record<string, number>): string | undefined {
  const m = f.metadata;
  if (str(m['general.type']) === 'adapter') return 'this GGUF is a LoRA adapter, not a model';
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
  const hp = engineHparams(m, arch);
  if (typeof hp === 'string') return hp;
  const layerOutside = f.tensors.find((t) => /^blk\.(\d+)\./.test(t.name) && Number(/^blk\.(\d+)\./.exec(t.name)![1]) >= hp.L);
  if (layerOutside) return `tensor ${layerOutside.name} is not part of the ${arch} graph this engine trains (the model has ${hp.L} layers)`;
  return engineTensorProblem(f, arch, hp) ?? llamaCppLoadProblem(f);
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
