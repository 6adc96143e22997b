/**
 * Writes a tiny random-weight llama / qwen2 / qwen3 GGUF that llama.cpp (via
 * node-llama-cpp 3.21.1) and our engine both load. Used by tests and by the demo
 * on first use. The tokenizer is SPM ("llama"): <unk>, <s>, </s>, <|im_start|>,
 * <|im_end|>, 256 byte tokens (byte fallback), then pieces for digits, a few
 * words and letters; ChatML chat template. Weights are seeded (mulberry32).
 */
import { GgmlType, floatToHalf, type GgmlTypeName, type GgufValue } from './ggufTypes.js';
import { writeGguf, type GgufTensorInput } from './writeGguf.js';

export type TinyArch = 'llama' | 'qwen2' | 'qwen3';

/** Weight types the writer can produce: exact encodings (F32, F16, BF16, Q8_0) and random quant blocks (the rest). */
export type TinyWeightType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | keyof typeof RANDOM_BLOCKS;

/** The matrices of a tiny model, for per-tensor weight types (as llama.cpp's mixes like Q4_K_M do). */
export type TinyMatrix = 'token_embd' | 'output' | 'attn_q' | 'attn_k' | 'attn_v' | 'attn_output' | 'ffn_gate' | 'ffn_up' | 'ffn_down';

/**
 * Llama 3's rope scaling ("rope_type": "llama3" in HF config.json), which convert_hf_to_gguf.py bakes
 * into a rope_freqs.weight tensor of per-frequency divisors. Tiny models need a small original context
 * for the factors to differ from 1 at the frequencies a short test sequence can see.
 */
export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalContext: number;
}

export interface TinyModelOptions {
  arch: TinyArch;
  seed?: number;
  nLayer?: number;
  dModel?: number;
  nHead?: number;
  nHeadKv?: number;
  nFf?: number;
  /** head dim; qwen3 writes it as key_length/value_length (default dModel/nHead) */
  headDim?: number;
  contextLength?: number;
  /** default: true for qwen2/qwen3, false for llama */
  tiedEmbeddings?: boolean;
  /**
   * Type of the 2-D weight matrices (norms/biases stay F32). Quant types other than Q8_0 write random
   * (not quantized) blocks with small scales; k-quants and IQ4_XS need dModel and nFf multiples of 256.
   */
  weightType?: TinyWeightType;
  /** Per-matrix types overriding weightType, e.g. a Q4_K_M-like mix. */
  tensorTypes?: Partial<Record<TinyMatrix, TinyWeightType>>;
  ropeFreqBase?: number;
  /** Llama 3 frequency factors as a rope_freqs.weight tensor (llama only). */
  llama3Rope?: Llama3RopeScaling;
  /** Linear rope scaling: writes rope.scaling.type = linear and rope.scaling.factor. */
  ropeScalingFactor?: number;
  /** Scales the final RMSNorm weight: lower gives a flatter initial next-token distribution (default 1). */
  outputNormScale?: number;
}

const WORDS = ['the', 'answer', 'is', 'and', 'of', 'to', 'a', 'in', 'what', 'plus', 'minus', 'times', 'equals', 'yes', 'no',
  'user', 'assistant', 'system', 'think', 'boxed', 'sum', 'number', 'count', 'add', 'hello', 'world'];
const CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** The tiny SPM vocabulary: tokens, scores and token types (1 normal, 2 unknown, 3 control, 6 byte). */
export function tinyVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens: string[] = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types: number[] = [2, 3, 3, 3, 3];
  for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`); types.push(6); }
  // SPM merges adjacent symbols only into pieces that exist, so every word also
  // brings all its prefixes ("▁t", "▁th", "▁the"); longer pieces score higher.
  const pieces = new Set<string>(['▁', ...'0123456789abcdefghijklmnopqrstuvwxyz.,:?!=+-*/{}()\\'.split('')]);
  for (const d of '0123456789') pieces.add(`▁${d}`);
  for (const w of WORDS) for (let k = 1; k <= w.length; k++) pieces.add(`▁${w.slice(0, k)}`);
  for (const p of pieces) { tokens.push(p); types.push(1); }
  const scores = tokens.map((t, i) => (types[i] === 1 ? t.length - i / 1e4 : 0));
  return { tokens, scores, types };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function encodeF32(x: Float32Array): Uint8Array { return new Uint8Array(x.buffer.slice(0)); }
function encodeF16(x: Float32Array): Uint8Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = floatToHalf(x[i]!);
  return new Uint8Array(out.buffer);
}
/** Q8_0: blocks of 32 = f16 scale d + 32 int8 (x ≈ d*q). reference: ggml quantize_row_q8_0_ref */
function encodeBF16(x: Float32Array): Uint8Array {
  const u = new Uint32Array(Float32Array.from(x).buffer);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (u[i]! + 0x7fff + ((u[i]! >>> 16) & 1)) >>> 16; // round to nearest even
  return new Uint8Array(out.buffer);
}
/**
 * Random quant blocks (sizes from GgmlType): every byte random except the f16 super-block scales, set at their offsets in
 * ggml's block structs (ggml-common.h) to values that keep weights within about ±0.1 (std ≈ 1/√256). Any other bit
 * pattern is a valid block, so these exercise each type's kernels without a quantizer.
 */
const RANDOM_BLOCKS = {
  Q4_0: [[0, 0.012]],                  // d, qs[16]: w = d(q-8)
  Q4_1: [[0, 0.008], [2, -0.06]],      // d, m, qs[16]: w = dq + m
  Q5_0: [[0, 0.006]],                  // d, qh[4], qs[16]: w = d(q-16)
  Q5_1: [[0, 0.004], [2, -0.06]],      // d, m, qh[4], qs[16]
  Q2_K: [[80, 0.002], [82, 0.002]],    // scales[16], qs[64], d, dmin
  Q3_K: [[108, 0.0008]],               // hmask[32], qs[64], scales[12], d
  Q4_K: [[0, 0.00016], [2, 0.00016]],  // d, dmin, scales[12], qs[128]
  Q5_K: [[0, 0.00008], [2, 0.00016]],  // d, dmin, scales[12], qh[32], qs[128]
  Q6_K: [[208, 0.00002]],              // ql[128], qh[64], scales[16], d
  IQ4_NL: [[0, 0.0008]],               // d, qs[16]: w = d·kvalues[q]
  IQ4_XS: [[0, 0.00004]],              // d, scales_h, scales_l[4], qs[128]
} as const satisfies Record<string, readonly (readonly [offset: number, value: number])[]>;

function randomBlocks(type: keyof typeof RANDOM_BLOCKS, n: number, rnd: () => number): Uint8Array {
  const halves = RANDOM_BLOCKS[type];
  const { block, bytes } = GgmlType[type]!;
  if (n % block !== 0) throw new Error(`${type} needs rows that are a multiple of ${block} weights`);
  const out = new Uint8Array((n / block) * bytes);
  const dv = new DataView(out.buffer);
  const fixed = new Set(halves.flatMap(([o]) => [o, o + 1]));
  for (let b = 0; b < n / block; b++) {
    for (const [o, v] of halves) dv.setUint16(b * bytes + o, floatToHalf(v), true);
    for (let j = 0; j < bytes; j++) if (!fixed.has(j)) out[b * bytes + j] = Math.floor(rnd() * 256);
  }
  return out;
}

/** rope_freqs.weight as convert_hf_to_gguf.py computes it for "llama3" rope scaling (LlamaModel.generate_extra_tensors). */
export function llama3RopeFactors(headDim: number, base: number, r: Llama3RopeScaling): Float32Array {
  const lowWavelen = r.originalContext / r.lowFreqFactor;
  const highWavelen = r.originalContext / r.highFreqFactor;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) {
    const wavelen = (2 * Math.PI) / (1 / base ** ((2 * i) / headDim));
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = r.factor;
    else {
      const smooth = (r.originalContext / wavelen - r.lowFreqFactor) / (r.highFreqFactor - r.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / r.factor + smooth);
    }
  }
  return out;
}
function encodeQ8_0(x: Float32Array): Uint8Array {
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 34);
  const dv = new DataView(out.buffer);
  for (let b = 0; b < nb; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]!));
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    dv.setUint16(b * 34, floatToHalf(d), true);
    for (let j = 0; j < 32; j++) dv.setInt8(b * 34 + 2 + j, Math.round(x[b * 32 + j]! * id));
  }
  return out;
}

type ResolvedTinyOptions = Required<Omit<TinyModelOptions, 'tiedEmbeddings' | 'tensorTypes' | 'llama3Rope' | 'ropeScalingFactor'>> &
  Pick<TinyModelOptions, 'tensorTypes' | 'llama3Rope'> & { tiedEmbeddings: boolean };

export function tinyModelTensors(o: ResolvedTinyOptions, vocab: number): GgufTensorInput[] {
  const rnd = mulberry32(o.seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const D = o.dModel, hd = o.headDim, q = hd * o.nHead, kv = hd * o.nHeadKv, F = o.nFf;
  const out: GgufTensorInput[] = [];
  const add = (name: string, shape: number[], std: number, mean = 0, matrix = false): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = mean + std * gauss();
    const role = /^(?:blk\.\d+\.)?([a-z_]+)\.weight$/.exec(name)?.[1] as TinyMatrix | undefined;
    const type: TinyWeightType = matrix ? (role && o.tensorTypes?.[role]) || o.weightType : 'F32';
    const data = type === 'F32' ? encodeF32(x) : type === 'F16' ? encodeF16(x) : type === 'BF16' ? encodeBF16(x)
      : type === 'Q8_0' ? encodeQ8_0(x) : randomBlocks(type, n, rnd);
    out.push({ name, shape, type: type as GgmlTypeName, data });
  };
  add('token_embd.weight', [D, vocab], 0.5, 0, true);
  add('output_norm.weight', [D], 0.1 * o.outputNormScale, o.outputNormScale);
  if (!o.tiedEmbeddings) add('output.weight', [D, vocab], 1 / Math.sqrt(D), 0, true);
  if (o.llama3Rope) {
    out.push({ name: 'rope_freqs.weight', shape: [hd / 2], type: 'F32', data: encodeF32(llama3RopeFactors(hd, o.ropeFreqBase, o.llama3Rope)) });
  }
  for (let l = 0; l < o.nLayer; l++) {
    const b = `blk.${l}.`;
    add(`${b}attn_norm.weight`, [D], 0.1, 1);
    add(`${b}attn_q.weight`, [D, q], 1 / Math.sqrt(D), 0, true);
    add(`${b}attn_k.weight`, [D, kv], 1 / Math.sqrt(D), 0, true);
    add(`${b}attn_v.weight`, [D, kv], 1 / Math.sqrt(D), 0, true);
    if (o.arch === 'qwen2') {
      add(`${b}attn_q.bias`, [q], 0.1);
      add(`${b}attn_k.bias`, [kv], 0.1);
      add(`${b}attn_v.bias`, [kv], 0.1);
    }
    if (o.arch === 'qwen3') {
      add(`${b}attn_q_norm.weight`, [hd], 0.1, 1);
      add(`${b}attn_k_norm.weight`, [hd], 0.1, 1);
    }
    add(`${b}attn_output.weight`, [q, D], 1 / Math.sqrt(q), 0, true);
    add(`${b}ffn_norm.weight`, [D], 0.1, 1);
    add(`${b}ffn_gate.weight`, [D, F], 1 / Math.sqrt(D), 0, true);
    add(`${b}ffn_up.weight`, [D, F], 1 / Math.sqrt(D), 0, true);
    add(`${b}ffn_down.weight`, [F, D], 1 / Math.sqrt(F), 0, true);
  }
  return out;
}

/** Write a tiny random model to `path` (atomic). Returns the vocabulary size. */
export function writeTinyModel(path: string, opts: TinyModelOptions): { vocabSize: number } {
  const o = {
    seed: 1, nLayer: 2, dModel: 64, nHead: 4, nHeadKv: 2, nFf: 128, contextLength: 512, weightType: 'F32' as const, outputNormScale: 1,
    ropeFreqBase: opts.arch === 'llama' ? 10000 : 1000000, ...opts,
  };
  const full = { ...o, headDim: opts.headDim ?? o.dModel / o.nHead, tiedEmbeddings: opts.tiedEmbeddings ?? opts.arch !== 'llama' };
  const v = tinyVocab();
  const a = o.arch;
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  const md: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: a },
    'general.name': { type: 'string', value: `clipo-tiny-${a}` },
    // llama_ftype of the dominant type (LLAMA_FTYPE_MOSTLY_*; the k-quants as their _M mixes)
    'general.file_type': u32({ F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 7, Q5_0: 8, Q5_1: 9, Q2_K: 10, Q3_K: 12, Q4_K: 15,
      Q5_K: 17, Q6_K: 18, IQ4_NL: 25, IQ4_XS: 30, BF16: 32 }[o.weightType]),
    [`${a}.context_length`]: u32(o.contextLength),
    [`${a}.embedding_length`]: u32(o.dModel),
    [`${a}.block_count`]: u32(o.nLayer),
    [`${a}.feed_forward_length`]: u32(o.nFf),
    [`${a}.attention.head_count`]: u32(o.nHead),
    [`${a}.attention.head_count_kv`]: u32(o.nHeadKv),
    [`${a}.attention.layer_norm_rms_epsilon`]: f32(1e-6),
    [`${a}.rope.freq_base`]: f32(o.ropeFreqBase),
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: v.tokens },
    'tokenizer.ggml.scores': { type: 'array', elementType: 'f32', value: v.scores },
    'tokenizer.ggml.token_type': { type: 'array', elementType: 'i32', value: v.types },
    'tokenizer.ggml.unknown_token_id': u32(0),
    'tokenizer.ggml.bos_token_id': u32(1),
    'tokenizer.ggml.eos_token_id': u32(2),
    'tokenizer.ggml.eot_token_id': u32(4),
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
    'tokenizer.chat_template': { type: 'string', value: CHAT_TEMPLATE },
  };
  if (a === 'qwen3' || opts.headDim !== undefined) {
    md[`${a}.attention.key_length`] = u32(full.headDim);
    md[`${a}.attention.value_length`] = u32(full.headDim);
  }
  if (a === 'llama') md[`${a}.rope.dimension_count`] = u32(full.headDim);
  if (opts.llama3Rope && a !== 'llama') throw new Error('llama3Rope is a llama-architecture feature');
  if (opts.ropeScalingFactor !== undefined) {
    md[`${a}.rope.scaling.type`] = { type: 'string', value: 'linear' };
    md[`${a}.rope.scaling.factor`] = f32(opts.ropeScalingFactor);
  }
  writeGguf(path, md, tinyModelTensors(full, v.tokens.length));
  return { vocabSize: v.tokens.length };
}
