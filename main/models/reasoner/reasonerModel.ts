/**
 * The arith-reasoner's architecture and its seeded random initialisation
 * (models/reasoner, rebuilt by `npm run model:reasoner`). A llama-architecture
 * decoder (RMSNorm, RoPE, SwiGLU, tied embeddings) over the task vocabulary of
 * reasonerVocab.ts, small enough to train from scratch on 2 CPU cores.
 *
 * Initialisation follows GPT-2 / nanoGPT: embeddings N(0, 0.02²) (tied, so the
 * first logits are near zero: a flat start at ln V nats), projections
 * N(0, 1/d_in), the residual outputs (attn_output, ffn_down) scaled down by
 * 1/√(2·layers) so the residual stream's variance does not grow with depth,
 * norm gains 1.
 */
import { rngFor } from '../../data/rng.js';
import type { GgufValue } from '../gguf/ggufTypes.js';
import { writeGguf, type GgufTensorInput } from '../gguf/writeGguf.js';
import { REASONER_CHAT_TEMPLATE, REASONER_SPECIALS, reasonerVocab } from './reasonerVocab.js';

export interface ReasonerConfig {
  nLayer: number;
  dModel: number;
  nHead: number;
  nFf: number;
  contextLength: number;
  seed: number;
}

/** The committed model's shape (sized with bench/sft/torch_reasoner.py; docs/DESIGN.md "The reasoning model"). */
export const REASONER_CONFIG: ReasonerConfig = { nLayer: 4, dModel: 128, nHead: 4, nFf: 320, contextLength: 256, seed: 15 };

export function reasonerParamCount(c: ReasonerConfig, vocab = reasonerVocab().tokens.length): number {
  const D = c.dModel;
  return vocab * D + D + c.nLayer * (2 * D + 4 * D * D + 3 * D * c.nFf);
}

function gaussians(n: number, std: number, seed: number, name: string): Uint8Array {
  const rnd = rngFor(seed, 'reasoner-init', name);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // Box–Muller: two normals per pair of uniforms
    const r = Math.sqrt(-2 * Math.log(rnd() + 1e-12)), t = 2 * Math.PI * rnd();
    x[i] = std * r * Math.cos(t);
    if (i + 1 < n) x[i + 1] = std * r * Math.sin(t);
  }
  return new Uint8Array(x.buffer);
}

const ones = (n: number): Uint8Array => new Uint8Array(new Float32Array(n).fill(1).buffer);

export function reasonerMetadata(c: ReasonerConfig, name = 'clipo-arith-reasoner'): Record<string, GgufValue> {
  const v = reasonerVocab();
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  return {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: name },
    'general.file_type': u32(0),
    'llama.context_length': u32(c.contextLength),
    'llama.embedding_length': u32(c.dModel),
    'llama.block_count': u32(c.nLayer),
    'llama.feed_forward_length': u32(c.nFf),
    'llama.attention.head_count': u32(c.nHead),
    'llama.attention.head_count_kv': u32(c.nHead),
    'llama.attention.layer_norm_rms_epsilon': f32(1e-5),
    'llama.rope.freq_base': f32(10000),
    'llama.rope.dimension_count': u32(c.dModel / c.nHead),
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'array', elementType: 'string', value: v.tokens },
    'tokenizer.ggml.scores': { type: 'array', elementType: 'f32', value: v.scores },
    'tokenizer.ggml.token_type': { type: 'array', elementType: 'i32', value: v.types },
    'tokenizer.ggml.unknown_token_id': u32(REASONER_SPECIALS.unk),
    'tokenizer.ggml.bos_token_id': u32(REASONER_SPECIALS.bos),
    'tokenizer.ggml.eos_token_id': u32(REASONER_SPECIALS.eos),
    'tokenizer.ggml.eot_token_id': u32(REASONER_SPECIALS.imEnd),
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
    // No "▁" before the text after a special token: "<|im_start|>user" is "user", as written
    // (llama.cpp prefixes a space after every special token when this is true).
    'tokenizer.ggml.add_space_prefix': { type: 'bool', value: false },
    'tokenizer.chat_template': { type: 'string', value: REASONER_CHAT_TEMPLATE },
  };
}

/** Writes the seeded random-init model (F32) to `path` (atomic). */
export function writeReasonerInit(path: string, c: ReasonerConfig = REASONER_CONFIG): { params: number; vocab: number } {
  const V = reasonerVocab().tokens.length, D = c.dModel, F = c.nFf, L = c.nLayer;
  if (D % c.nHead !== 0) throw new Error(`dModel ${D} is not a multiple of nHead ${c.nHead}`);
  const t: GgufTensorInput[] = [];
  const mat = (name: string, shape: [number, number], std: number): void => {
    t.push({ name, shape, type: 'F32', data: gaussians(shape[0] * shape[1], std, c.seed, name) });
  };
  const gain = (name: string, n: number): void => { t.push({ name, shape: [n], type: 'F32', data: ones(n) }); };
  mat('token_embd.weight', [D, V], 0.02);
  gain('output_norm.weight', D);
  const resid = 1 / Math.sqrt(2 * L);
  for (let l = 0; l < L; l++) {
    const b = `blk.${l}.`;
    gain(`${b}attn_norm.weight`, D);
    mat(`${b}attn_q.weight`, [D, D], 1 / Math.sqrt(D));
    mat(`${b}attn_k.weight`, [D, D], 1 / Math.sqrt(D));
    mat(`${b}attn_v.weight`, [D, D], 1 / Math.sqrt(D));
    mat(`${b}attn_output.weight`, [D, D], resid / Math.sqrt(D));
    gain(`${b}ffn_norm.weight`, D);
    mat(`${b}ffn_gate.weight`, [D, F], 1 / Math.sqrt(D));
    mat(`${b}ffn_up.weight`, [D, F], 1 / Math.sqrt(D));
    mat(`${b}ffn_down.weight`, [F, D], resid / Math.sqrt(F));
  }
  writeGguf(path, reasonerMetadata(c), t);
  return { params: reasonerParamCount(c, V), vocab: V };
}
