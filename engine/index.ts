/**
 * Public TypeScript surface of the native training engine.
 *
 * `EngineModel.open(path, {backend, threads})` loads a GGUF llama/qwen2/qwen3
 * model into our own ggml graph; `model.lora` manages the LoRA adapter;
 * `forward` gives per-token log-probs, entropy and pooled hidden states;
 * `backward(batch, weights)` accumulates the gradient of −Σ wₜ log π(yₜ);
 * `step(opts)` applies AdamW and returns the gradient norm. All heavy calls are
 * async (run off the JS thread) and serialised per model. Errors are `EngineError`
 * with a `code` (E_IO, E_FORMAT, E_UNSUPPORTED, E_INVALID, E_STATE, E_MISMATCH,
 * E_BACKEND, E_CANCELLED).
 *
 * Not here: sampling (node-llama-cpp), RL objectives (main/rl).
 */
import { gpuBackendLibs, loadAddon } from './ts/loadAddon.js';
import { readPeft, writePeft } from './ts/peft.js';
import type { AddonEngineModel, AddonModelInfo, AddonSeq, ReserveBytes } from './ts/AddonTypes.js';
import type { GraphOp } from './ts/gpuOpSupport.js';

export type { GraphOp, GraphOpSrc } from './ts/gpuOpSupport.js';
export type { ReserveBytes } from './ts/AddonTypes.js';
export type { AddonEngineModel, AddonModelInfo, AddonSeq, AddonForwardResult, AddonBackwardResult } from './ts/AddonTypes.js';

export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export type EngineErrorCode =
  | 'E_IO' | 'E_FORMAT' | 'E_UNSUPPORTED' | 'E_INVALID' | 'E_STATE' | 'E_MISMATCH' | 'E_BACKEND' | 'E_CANCELLED' | 'E_NOT_BUILT';

export class EngineError extends Error {
  constructor(message: string, readonly code: EngineErrorCode) {
    super(message);
    this.name = 'EngineError';
  }
}

/** One sequence: log-probs are computed for tokens[responseStart..]. */
export interface EngineSequence {
  tokens: Int32Array | number[];
  /** index of the first response token, 1 <= responseStart < tokens.length */
  responseStart: number;
}
export type EngineBatch = EngineSequence[];

export interface EngineOpenOptions {
  /** 'cpu' (default), 'gpu' (error if none), 'auto' (GPU when present) */
  backend?: 'cpu' | 'gpu' | 'auto';
  threads?: number;
  /**
   * Frozen weight matrices: 'native' or 'auto' (default, the same): keep the file's type (F16,
   * BF16, Q8_0, Q4_K, ...) on every backend, each multiply reading a transient F32
   * dequantisation; 'f32': a resident F32 copy (4 bytes per parameter).
   */
  frozen?: 'auto' | 'f32' | 'native';
  /** @internal tests only: the old ggml-autograd backward (OUT_PROD etc.), to compare the hand-built one with */
  legacyAutograd?: boolean;
}

export interface EngineModelInfo {
  arch: 'llama' | 'qwen2' | 'qwen3';
  nLayer: number;
  dModel: number;
  vocab: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  contextLength: number;
  /** GGUF tensor types present in the file */
  types: string[];
  /** ggml backend in use, e.g. "CPU" or "CUDA0" */
  backend: string;
  tiedEmbeddings: boolean;
  /** frozen matrices were converted to F32 at load */
  frozenF32: boolean;
  /**
   * 'native': frozen matrices stay in the file's type and each multiply reads a transient F32
   * dequantisation (activations never quantised); 'f32': a resident F32 copy (frozen: 'f32').
   */
  frozenWeights: 'native' | 'f32';
  /** what backward/step train: a LoRA adapter, every model tensor (full.init), or nothing yet */
  trainable: 'lora' | 'full' | 'none';
  /** trainable parameter count (LoRA A and B, or every model tensor) */
  trainableParams: number;
  /** bytes of the trainable weights (full mode: all F32 weights; LoRA: A and B), their gradients and AdamW moments */
  trainableBytes: { weights: number; grads: number; moments: number };
}

export interface ForwardOptions {
  /** false = base weights only (reference policy). Default true. */
  adapter?: boolean;
  /** max tokens per micro-batch (whole sequences are packed). Default 2048. */
  tokenBudget?: number;
}

export interface ForwardResult {
  /** [sum of response lengths] log π(yₜ), sequence after sequence */
  logprobs: Float32Array;
  /** [sum of response lengths] entropy of π at each response position (nats) */
  entropy: Float32Array;
  /** [nSeq × dModel] mean of final-norm hidden states at response positions 1..T−1, divided by T (CLIPO) */
  pooled: Float32Array;
  /** [nSeq + 1] start of each sequence's slice in logprobs/entropy */
  offsets: Int32Array;
  /** tokens processed (all positions) */
  tokens: number;
  /** weights + LoRA + largest compute buffer, bytes */
  peakBytes: number;
  microBatches: number;
}

export interface BackwardResult {
  /** −Σ wₜ log π(yₜ) of this call */
  loss: number;
  /** log π(yₜ) computed inside the backward graph (forward's layout); equals forward's π_old */
  logprobs: Float32Array;
  tokens: number;
  peakBytes: number;
  microBatches: number;
}

export interface StepOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** global L2 clipping threshold; 0/undefined = off */
  maxGradNorm?: number;
}

export interface LoraInitOptions {
  rank: number;
  alpha: number;
  targets?: readonly LoraTarget[];
  seed?: number;
}

export interface LoraTensorInfo {
  /** GGUF name, e.g. blk.0.attn_q.weight.lora_a */
  name: string;
  /** ggml ne: lora_a [nIn, r], lora_b [r, nOut] */
  shape: [number, number];
}

function wrapError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  const err = e as { message?: string; code?: string };
  const code = (err.code ?? (e instanceof TypeError ? 'E_INVALID' : 'E_BACKEND')) as EngineErrorCode;
  return new EngineError(err.message ?? String(e), code);
}

/** Largest token id an Int32Array holds: ids above it would wrap when narrowed, so they are refused first. */
const MAX_TOKEN_ID = 0x7fffffff;

function toAddonBatch(batch: EngineBatch): AddonSeq[] {
  if (!Array.isArray(batch)) throw new EngineError('batch must be an array', 'E_INVALID');
  return batch.map((s, i) => {
    if (!s || typeof s !== 'object') throw new EngineError(`batch[${i}] must be an object`, 'E_INVALID');
    if (!Array.isArray(s.tokens) && !(s.tokens instanceof Int32Array)) throw new EngineError(`batch[${i}].tokens must be an Int32Array or number[]`, 'E_INVALID');
    if (Array.isArray(s.tokens)) {
      // Validate before Int32Array.from: it wraps 2^32 + 5 to 5, a valid id (the engine's range check would pass).
      for (let k = 0; k < s.tokens.length; k++) {
        const t = s.tokens[k];
        if (!Number.isInteger(t)) throw new EngineError(`batch[${i}].tokens must be integers (tokens[${k}] is ${String(t)})`, 'E_INVALID');
        if (t! < 0 || t! > MAX_TOKEN_ID) throw new EngineError(`token id ${t} out of range (batch[${i}].tokens[${k}])`, 'E_INVALID');
      }
    }
    const tokens = s.tokens instanceof Int32Array ? s.tokens : Int32Array.from(s.tokens);
    // The addon narrows responseStart to int32 too (2^32 + 1 would become 1): check the whole number here.
    if (!Number.isSafeInteger(s.responseStart) || s.responseStart < 0 || s.responseStart > MAX_TOKEN_ID) {
      throw new EngineError(`batch[${i}].responseStart must be an integer in 1..tokens.length-1, got ${String(s.responseStart)}`, 'E_INVALID');
    }
    return { tokens, responseStart: s.responseStart };
  });
}

/** lora_a [nIn, r] and lora_b [r, nOut] of every adapted matrix, as engine_lora.cpp lays them out (lora_dims). */
function peftLayout(info: EngineModelInfo, rank: number, targets: readonly LoraTarget[]): LoraTensorInfo[] {
  const D = info.dModel, q = info.headDim * info.nHead, kv = info.headDim * info.nHeadKv, F = info.nFf;
  const dims: Record<LoraTarget, [number, number]> = { q: [D, q], k: [D, kv], v: [D, kv], o: [q, D], gate: [D, F], up: [D, F], down: [F, D] };
  const gguf: Record<LoraTarget, string> = { q: 'attn_q', k: 'attn_k', v: 'attn_v', o: 'attn_output', gate: 'ffn_gate', up: 'ffn_up', down: 'ffn_down' };
  const out: LoraTensorInfo[] = [];
  for (let l = 0; l < info.nLayer; l++) {
    for (const t of LORA_TARGETS) {
      if (!targets.includes(t)) continue;
      const [nIn, nOut] = dims[t];
      out.push({ name: `blk.${l}.${gguf[t]}.weight.lora_a`, shape: [nIn, rank] }, { name: `blk.${l}.${gguf[t]}.weight.lora_b`, shape: [rank, nOut] });
    }
  }
  return out;
}

/** LoRA adapter of one model: init, save/load (gguf or peft). */
export class EngineLora {
  constructor(private readonly model: EngineModel) {}

  init(o: LoraInitOptions): Promise<void> {
    const targets = o.targets ?? LORA_TARGETS;
    let mask = 0;
    for (const t of targets) {
      const i = LORA_TARGETS.indexOf(t);
      if (i < 0) return Promise.reject(new EngineError(`unknown LoRA target '${t}' (valid: ${LORA_TARGETS.join(', ')})`, 'E_INVALID'));
      mask |= 1 << i;
    }
    if (!Number.isInteger(o.rank)) return Promise.reject(new EngineError('rank must be an integer', 'E_INVALID'));
    return this.model.run((a) => a.loraInit({ rank: o.rank, alpha: o.alpha, targets: mask, seed: o.seed ?? 42 }));
  }

  /** 'gguf': a file llama.cpp/node-llama-cpp loads; 'peft': a directory (adapter_model.safetensors + adapter_config.json). */
  async save(path: string, format: 'gguf' | 'peft' = 'gguf'): Promise<void> {
    if (format === 'gguf') return this.model.run((a) => a.loraSaveGguf(path));
    if (format !== 'peft') throw new EngineError(`unknown adapter format '${String(format)}' (valid: gguf, peft)`, 'E_INVALID');
    const info = this.model.rawInfo();
    if (!info.lora) throw new EngineError('no adapter: call lora.init or lora.load first', 'E_STATE');
    const values = await this.model.loraParams();
    writePeft(path, {
      arch: info.arch, nHead: info.nHead, nHeadKv: info.nHeadKv, rank: info.lora.rank, alpha: info.lora.alpha,
      baseModel: this.model.path, tensors: this.model.run0((a) => a.loraTensors()), values,
    });
  }

  /**
   * 'gguf': an adapter file; 'peft': a directory with adapter_config.json + adapter_model.safetensors.
   * Atomic: the file is read and validated completely (names, shapes against this model, finite
   * values) before the current adapter is replaced; on any error the adapter and its optimizer
   * state are unchanged. A loaded adapter starts with fresh optimizer moments.
   */
  async load(path: string, format: 'gguf' | 'peft' = 'gguf'): Promise<void> {
    if (format === 'gguf') return this.model.run((a) => a.loraLoadGguf(path));
    if (format !== 'peft') throw new EngineError(`unknown adapter format '${String(format)}' (valid: gguf, peft)`, 'E_INVALID');
    let peft;
    try {
      peft = readPeft(path, this.model.info);
    } catch (e) {
      const err = e as { code?: string; message: string };
      throw new EngineError(`cannot read PEFT adapter ${path}: ${err.message}`,
        err.code === 'ENOENT' ? 'E_IO' : err.code === 'E_MISMATCH' || err.code === 'E_INVALID' ? err.code : 'E_FORMAT');
    }
    const targets = peft.targets as LoraTarget[];
    // The layout lora.init will create, in lora.tensors() order: for each layer, each target (fixed order), A then B.
    const layout = peftLayout(this.model.info, peft.rank, targets);
    const values = new Float32Array(layout.reduce((s, t) => s + t.shape[0] * t.shape[1], 0));
    let off = 0;
    for (const t of layout) {
      const src = peft.tensors.get(t.name);
      if (!src) throw new EngineError(`PEFT adapter ${path} is missing ${t.name} (every layer needs the same targets)`, 'E_FORMAT');
      if (src.shape[0] !== t.shape[0] || src.shape[1] !== t.shape[1])
        throw new EngineError(`PEFT tensor ${t.name} has shape [${src.shape.join(', ')}], model needs [${t.shape.join(', ')}]`, 'E_MISMATCH');
      const bad = src.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new EngineError(`PEFT adapter ${path}: ${t.name} holds a non-finite value (${src.data[bad]} at index ${bad}); the adapter is damaged or diverged`, 'E_INVALID');
      values.set(src.data, off);
      off += src.data.length;
    }
    if (peft.tensors.size !== layout.length) throw new EngineError('PEFT adapter has tensors for layers this model does not have', 'E_MISMATCH');
    // Everything checked: only now replace the adapter (init allocates the new one before freeing the old).
    await this.init({ rank: peft.rank, alpha: peft.alpha, targets });
    await this.model.setLoraParams(values);
  }

  tensors(): LoraTensorInfo[] {
    return this.model.run0((a) => a.loraTensors()).map((t) => ({ name: t.name, shape: [t.ne0, t.ne1] }));
  }

  get info(): { rank: number; alpha: number; targets: LoraTarget[]; step: number } | undefined {
    const l = this.model.rawInfo().lora;
    if (!l) return undefined;
    return { rank: l.rank, alpha: l.alpha, step: l.step, targets: LORA_TARGETS.filter((_, i) => l.targets & (1 << i)) };
  }
}

export interface FullInitOptions {
  /**
   * Refuse models with more parameters (E_UNSUPPORTED). Default 64,000,000: weights, gradients and
   * two AdamW moments are 16 bytes per parameter (1 GiB at the default).
   */
  maxParams?: number;
}

export interface FullTensorInfo {
  /** GGUF name, e.g. blk.0.attn_q.weight */
  name: string;
  /** ggml ne (innermost first): a matrix is [nIn, nOut], a norm or bias [n] */
  shape: number[];
}

export interface FullInfo {
  /** trainable parameters (every model tensor but rope_freqs) */
  params: number;
  /** AdamW steps taken */
  step: number;
  bytes: { weights: number; grads: number; moments: number };
}

/**
 * Full-parameter training of a small model (every tensor trainable, resident F32, AdamW state for
 * all). Exclusive with LoRA. After `init`, `backward` accumulates into every tensor's gradient,
 * `step` applies AdamW to all (weight decay on matrices and embeddings only), `saveState`/`loadState`
 * hold weights + moments + step, and `forward({adapter: false})` is refused (no frozen copy is kept).
 *
 * Flat order of `params()`/`grads()`/`setParams()` = `tensors()`: token_embd, output_norm, output
 * (untied only), then per layer attn_norm, attn_q, attn_k, attn_v, attn_output, attn_q.bias,
 * attn_k.bias, attn_v.bias (qwen2), attn_q_norm, attn_k_norm (qwen3), ffn_norm, ffn_gate, ffn_up,
 * ffn_down; each tensor row-major in ggml order (ne0 fastest).
 */
export class EngineFull {
  constructor(private readonly model: EngineModel) {}

  /** Makes every tensor trainable (converts to F32). Refused while a LoRA adapter is active or above maxParams. */
  init(o: FullInitOptions = {}): Promise<void> {
    if (o.maxParams !== undefined && !(Number.isSafeInteger(o.maxParams) && o.maxParams > 0))
      return Promise.reject(new EngineError('maxParams must be a positive integer', 'E_INVALID'));
    return this.model.run((a) => a.fullInit(o.maxParams === undefined ? {} : { maxParams: o.maxParams }));
  }

  /**
   * A complete model GGUF (the source file's metadata and tokenizer, the trained tensors) that
   * node-llama-cpp and the engine load. 'f16' stores 2-D matrices as F16 (norms and biases F32).
   * Atomic (temp file + rename).
   */
  saveGguf(path: string, o: { type?: 'f32' | 'f16' } = {}): Promise<void> {
    const type = o.type ?? 'f32';
    if (type !== 'f32' && type !== 'f16') return Promise.reject(new EngineError(`type must be 'f32' or 'f16', got '${String(type)}'`, 'E_INVALID'));
    return this.model.run((a) => a.fullSaveGguf(path, type === 'f16'));
  }

  tensors(): FullTensorInfo[] {
    return this.model.run0((a) => a.fullTensors()).map((t) => ({ name: t.name, shape: t.ne }));
  }

  /** All weights, flat in tensors() order. */
  params(): Promise<Float32Array> {
    return this.model.run((a) => a.fullRead(false));
  }

  /** Accumulated gradients, flat in tensors() order. */
  grads(): Promise<Float32Array> {
    return this.model.run((a) => a.fullRead(true));
  }

  /** Overwrites all weights (flat in tensors() order; finite values only). Moments and step are kept. */
  setParams(values: Float32Array): Promise<void> {
    return this.model.run((a) => a.fullWrite(values));
  }

  get info(): FullInfo | undefined {
    const f = this.model.rawInfo().full;
    return f ? { params: f.params, step: f.step, bytes: f.bytes } : undefined;
  }
}

/** A model opened in the engine. Dispose when done (or `await using`). */
export class EngineModel {
  /** @internal */ private addon: AddonEngineModel | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private cancelGen = 0;
  readonly lora = new EngineLora(this);
  readonly full = new EngineFull(this);

  private constructor(addon: AddonEngineModel, readonly path: string, private readonly openInfo: EngineModelInfo) {
    this.addon = addon;
  }

  /** Model geometry (fixed at open) and what is trainable now (changes with lora.init / full.init). */
  get info(): EngineModelInfo {
    if (!this.addon) return this.openInfo;
    const i = this.rawInfo();
    const t = this.trainable();
    return { ...this.openInfo, frozenF32: i.frozenF32, frozenWeights: i.frozenWeights, trainable: t.kind, trainableParams: t.params, trainableBytes: t.bytes };
  }

  static async open(modelPath: string, opts: EngineOpenOptions = {}): Promise<EngineModel> {
    let loaded;
    try {
      loaded = loadAddon();
    } catch (e) {
      throw wrapError(e);
    }
    const a = new loaded.addon.AddonEngineModel();
    try {
      await a.open(modelPath, { backend: opts.backend ?? 'cpu', threads: opts.threads ?? 1, libDir: loaded.libDir, frozen: opts.frozen ?? 'auto',
        legacyAutograd: opts.legacyAutograd ?? false,
        gpuLibs: (opts.backend ?? 'cpu') === 'cpu' ? [] : gpuBackendLibs() });
    } catch (e) {
      throw wrapError(e);
    }
    const i = a.info();
    const info: EngineModelInfo = {
      arch: i.arch, nLayer: i.nLayer, dModel: i.dModel, vocab: i.vocab, nHead: i.nHead, nHeadKv: i.nHeadKv, headDim: i.headDim,
      nFf: i.nFf, contextLength: i.contextLength, types: i.types, backend: i.backend, tiedEmbeddings: i.tiedEmbeddings, frozenF32: i.frozenF32,
      frozenWeights: i.frozenWeights, trainable: 'none', trainableParams: 0, trainableBytes: { weights: 0, grads: 0, moments: 0 },
    };
    return new EngineModel(a, modelPath, info);
  }

  /** @internal run an async addon op after the previous one finished */
  run<T>(f: (a: AddonEngineModel) => Promise<T>): Promise<T> {
    const gen = this.cancelGen;
    const next = this.queue.then(() => {
      if (!this.addon) throw new EngineError('model was disposed', 'E_STATE');
      if (gen !== this.cancelGen) throw new EngineError('cancelled', 'E_CANCELLED');
      return f(this.addon);
    });
    this.queue = next.catch(() => undefined);
    return next.catch((e: unknown) => {
      throw wrapError(e);
    });
  }

  /** @internal synchronous addon call */
  run0<T>(f: (a: AddonEngineModel) => T): T {
    if (!this.addon) throw new EngineError('model was disposed', 'E_STATE');
    try {
      return f(this.addon);
    } catch (e) {
      throw wrapError(e);
    }
  }

  /**
   * Ops that ran on the CPU because the GPU backend lacks them (e.g. OUT_PROD on
   * Metal), collected from every graph so far; empty on a CPU-only model.
   */
  cpuFallbackOps(): string[] {
    return this.rawInfo().cpuFallbackOps;
  }

  /**
   * What backward/step train ('lora' | 'full' | 'none'), how many parameters, and the bytes of
   * the trainable weights, their gradients and AdamW moments (F32 each).
   */
  trainable(): { kind: 'lora' | 'full' | 'none'; params: number; bytes: { weights: number; grads: number; moments: number } } {
    const i = this.rawInfo();
    if (i.full) return { kind: 'full', params: i.full.params, bytes: i.full.bytes };
    if (i.lora) {
      const n = this.lora.tensors().reduce((s, t) => s + t.shape[0] * t.shape[1], 0);
      return { kind: 'lora', params: n, bytes: { weights: 4 * n, grads: 4 * n, moments: 8 * n } };
    }
    return { kind: 'none', params: 0, bytes: { weights: 0, grads: 0, moments: 0 } };
  }

  /** @internal */
  rawInfo(): AddonModelInfo {
    return this.run0((a) => a.info());
  }

  async forward(batch: EngineBatch, opts: ForwardOptions = {}): Promise<ForwardResult> {
    const b = toAddonBatch(batch);
    const r = await this.run((a) => a.forward(b, { adapter: opts.adapter ?? true, tokenBudget: opts.tokenBudget ?? 2048 }));
    const offsets = new Int32Array(b.length + 1);
    b.forEach((s, i) => (offsets[i + 1] = offsets[i]! + s.tokens.length - s.responseStart));
    return { ...r, offsets };
  }

  /**
   * Sizes the compute buffers for the worst micro-batch under `tokenBudget` (forward
   * with entropy and pooling, and backward), so that training never reallocates them
   * mid-run and an out-of-memory shows up now, as E_BACKEND. Needs an adapter.
   * Returns the peak bytes a run at this budget needs and their split: weights, adapter (+ AdamW
   * moments and gradients) and compute (activations and transient weight copies).
   */
  reserve(opts: { tokenBudget?: number } = {}): Promise<{ peakBytes: number; bytes: ReserveBytes }> {
    return this.run((a) => a.reserve({ tokenBudget: opts.tokenBudget ?? 2048 }));
  }

  /**
   * The distinct ops of a graph this model builds for one sequence of `tokens` tokens, with their
   * operand types and layouts (what the GPU backends' supports_op look at): 'forward', 'backward'
   * (forward + gradient) or 'step' (AdamW). Needs an adapter. Checked against engine/ts/gpuOpSupport.ts.
   */
  graphOps(which: 'forward' | 'backward' | 'step', tokens = 16): Promise<GraphOp[]> {
    return this.run((a) => a.graphOps(which, tokens));
  }

  backward(batch: EngineBatch, weights: Float32Array | number[], opts: { tokenBudget?: number } = {}): Promise<BackwardResult> {
    const b = toAddonBatch(batch);
    const w = weights instanceof Float32Array ? weights : Float32Array.from(weights);
    return this.run((a) => a.backward(b, w, { tokenBudget: opts.tokenBudget ?? 2048 }));
  }

  /** AdamW on all LoRA params (then gradients are zeroed). Returns the global grad norm before clipping. */
  step(o: StepOptions): Promise<number> {
    return this.run((a) =>
      a.step({ lr: o.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, maxGradNorm: o.maxGradNorm ?? 0 }),
    );
  }

  zeroGrad(): Promise<void> {
    return this.run((a) => a.zeroGrad());
  }

  /** Accumulated gradients, flat in lora.tensors() order. */
  grads(): Promise<Float32Array> {
    return this.run((a) => a.loraRead(true));
  }

  /** LoRA parameters, flat in lora.tensors() order. */
  loraParams(): Promise<Float32Array> {
    return this.run((a) => a.loraRead(false));
  }

  setLoraParams(values: Float32Array): Promise<void> {
    return this.run((a) => a.loraWrite(values));
  }

  /** Adapter + AdamW moments + step, with a model fingerprint; atomic write. */
  saveState(path: string): Promise<void> {
    return this.run((a) => a.saveState(path));
  }

  loadState(path: string): Promise<void> {
    return this.run((a) => a.loadState(path));
  }

  /**
   * Score tokens under softmax(logits / t) in later forward/backward calls: the
   * sampling temperature of the rollouts, so π_old and the ratios are about the
   * distribution the tokens were drawn from. Default 1.
   */
  setTemperature(t: number): Promise<void> {
    if (!(t > 0) || !Number.isFinite(t)) return Promise.reject(new EngineError('temperature must be a finite number > 0', 'E_INVALID'));
    return this.run((a) => a.setTemperature(t));
  }

  /**
   * Cancel the running op (it stops at the next micro-batch boundary) and every op
   * queued so far; each rejects with E_CANCELLED. Later calls run normally.
   */
  cancel(): void {
    this.cancelGen++;
    this.addon?.cancel();
  }

  async dispose(): Promise<void> {
    const a = this.addon;
    if (!a) return;
    await this.queue;
    this.addon = undefined;
    a.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

export const Engine = { open: EngineModel.open };
