/** Raw types of the native addon (engine/addon/addon.cpp). `Addon*` always means raw. */
export interface AddonSeq {
  tokens: Int32Array;
  responseStart: number;
}
export interface AddonForwardResult {
  logprobs: Float32Array;
  entropy: Float32Array;
  pooled: Float32Array;
  tokens: number;
  peakBytes: number;
  microBatches: number;
}
export interface AddonBackwardResult {
  loss: number;
  /** log-probs of the response tokens computed inside the backward graph (same layout as forward) */
  logprobs: Float32Array;
  tokens: number;
  peakBytes: number;
  microBatches: number;
}
export interface AddonModelInfo {
  arch: 'llama' | 'qwen2' | 'qwen3';
  nLayer: number;
  dModel: number;
  vocab: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  nFf: number;
  contextLength: number;
  types: string[];
  backend: string;
  fingerprint: string;
  tiedEmbeddings: boolean;
  frozenF32: boolean;
  /** 'native': frozen matrices stay in the file's type, each use reads a transient F32 dequantisation; 'f32': resident F32 copy */
  frozenWeights: 'native' | 'f32';
  /** 'manual': the hand-built backward of forward ops; 'autograd': the legacy ggml-autograd graph (tests) */
  backwardGraph: 'manual' | 'autograd';
  /** ops the scheduler ran on the CPU because the GPU backend lacks them (grows as graphs run) */
  cpuFallbackOps: string[];
  lora?: { rank: number; alpha: number; targets: number; step: number };
  /** what backward/step train: a LoRA adapter, every model tensor, or nothing yet */
  trainable: 'lora' | 'full' | 'none';
  full?: { params: number; step: number; tensors: number; bytes: { weights: number; grads: number; moments: number } };
}
/** engine.reserve's bytes by category (peakBytes = weights + adapter + compute). */
export interface ReserveBytes {
  /** frozen model tensors, in the file's type (or F32 with frozen: 'f32') */
  weights: number;
  /** LoRA A and B, AdamW moments, gradient accumulators */
  adapter: number;
  /** activations and transients: the compute buffers of every backend */
  compute: number;
  /** part of `compute` in host memory for the CPU fallback (0 on a CPU model) */
  computeHost: number;
  /** full-parameter mode: gradient accumulators (included in `adapter`); 0 otherwise */
  grads: number;
  /** full-parameter mode: AdamW m and v (included in `adapter`); 0 otherwise */
  moments: number;
}
export interface AddonEngineModel {
  open(path: string, opts: { backend: string; threads: number; libDir: string; frozen: string; legacyAutograd: boolean; gpuLibs: string[] }): Promise<void>;
  info(): AddonModelInfo;
  loraInit(p: { rank: number; alpha: number; targets: number; seed: number }): Promise<void>;
  reserve(o: { tokenBudget: number }): Promise<{ peakBytes: number; bytes: ReserveBytes }>;
  loraSaveGguf(path: string): Promise<void>;
  loraLoadGguf(path: string): Promise<void>;
  loraTensors(): { name: string; ne0: number; ne1: number }[];
  loraRead(grads: boolean): Promise<Float32Array>;
  loraWrite(values: Float32Array): Promise<void>;
  forward(batch: AddonSeq[], opts: { adapter: boolean; tokenBudget: number }): Promise<AddonForwardResult>;
  backward(batch: AddonSeq[], weights: Float32Array, opts: { tokenBudget: number }): Promise<AddonBackwardResult>;
  step(p: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; maxGradNorm: number }): Promise<number>;
  zeroGrad(): Promise<void>;
  saveState(path: string): Promise<void>;
  loadState(path: string): Promise<void>;
  cancel(): void;
  setTemperature(t: number): Promise<void>;
  graphOps(which: string, tokens: number): Promise<import('./gpuOpSupport.js').GraphOp[]>;
  dispose(): void;
  fullInit(p: { maxParams?: number }): Promise<void>;
  fullSaveGguf(path: string, f16: boolean): Promise<void>;
  fullTensors(): { name: string; ne: number[] }[];
  fullRead(grads: boolean): Promise<Float32Array>;
  fullWrite(values: Float32Array): Promise<void>;
}
export interface AddonModule {
  AddonEngineModel: new () => AddonEngineModel;
  version: string;
}
