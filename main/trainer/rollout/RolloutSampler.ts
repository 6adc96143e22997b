/**
 * Samples groups of completions with node-llama-cpp, the current LoRA adapter
 * applied. Returns the sampled token ids themselves (the engine scores these
 * exact tokens: no re-tokenisation of text) and the sampler's probability of
 * each token, used to cross-check the engine's π_old.
 *
 * Overrides node-llama-cpp defaults that silently break RL (NODE-LLAMA-NOTES §3b):
 * topK 0 (whole vocabulary), topP/minP per recipe, no repeat penalty, a seed per
 * completion. Adapters are cached by path inside node-llama-cpp and never freed
 * until the model is disposed (§3a), so every adapter version must have a unique
 * path and the model is reloaded every `reloadEvery` versions.
 */
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';

export interface SamplingSettings {
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Text that ends a completion; the tokens up to and including the one that completes it are kept. */
  stop: string[];
}

export interface SampledCompletion {
  tokens: number[];
  text: string;
  /** log of the sampler's probability of each token (after temperature/top-p). */
  samplerLogprobs: number[];
  finishReason: 'eos' | 'length' | 'stop' | 'abort';
}

export interface RolloutSamplerOptions {
  llama: Llama;
  modelPath: string;
  groupSize: number;
  /** Per-sequence context: longest prompt + max new tokens. */
  contextSize: number;
  threads: number;
  gpuLayers?: number | 'auto';
  reloadEvery?: number;
  /**
   * KV-cache precision. F16 (node-llama-cpp's default) halves its memory but
   * makes sampling log-probs differ from the engine's exact π_old by up to a
   * few 1e-3 (a ratio of e^±0.003, far inside any clip range); F32 agrees to ~1e-5.
   */
  kvCacheType?: 'F16' | 'F32';
}

export class RolloutSampler {
  private model: LlamaModel;
  private context: LlamaContext | null = null;
  /** The context's G sequences, taken once and reused (cleared) for every group. */
  private sequences: LlamaContextSequence[] = [];
  private adapterPath: string | null = null;
  private versionsSinceReload = 0;

  private constructor(private readonly opts: RolloutSamplerOptions, model: LlamaModel) {
    this.model = model;
  }

  static async open(opts: RolloutSamplerOptions): Promise<RolloutSampler> {
    const model = await opts.llama.loadModel({ modelPath: opts.modelPath, gpuLayers: opts.gpuLayers ?? 'auto' });
    const s = new RolloutSampler(opts, model);
    await s.setAdapter(null);
    return s;
  }

  get llamaModel(): LlamaModel {
    return this.model;
  }

  /** Applies a new adapter version (a never-before-used path) or none (the base model). */
  async setAdapter(path: string | null): Promise<void> {
    if (path !== null && path === this.adapterPath && this.context) return;
    await this.context?.dispose();
    this.context = null;
    this.sequences = [];
    if (path !== null && ++this.versionsSinceReload >= (this.opts.reloadEvery ?? 32)) {
      // Free the cached adapters of earlier versions (node-llama-cpp frees them only with the model).
      await this.model.dispose();
      this.model = await this.opts.llama.loadModel({ modelPath: this.opts.modelPath, gpuLayers: this.opts.gpuLayers ?? 'auto' });
      this.versionsSinceReload = 0;
    }
    this.context = await this.model.createContext({
      contextSize: this.opts.contextSize,
      sequences: this.opts.groupSize,
      threads: this.opts.threads,
      flashAttention: false,
      experimentalKvCacheKeyType: this.opts.kvCacheType ?? 'F16',
      experimentalKvCacheValueType: this.opts.kvCacheType ?? 'F16',
      ...(path ? { lora: { adapters: [{ filePath: path, scale: 1 }] } } : {}),
    });
    this.sequences = Array.from({ length: this.opts.groupSize }, () => this.context!.getSequence());
    this.adapterPath = path;
  }

  /** Samples one completion per seed, all sequences decoding in shared batches. */
  async sampleGroup(promptTokens: number[], seeds: number[], settings: SamplingSettings, signal?: AbortSignal): Promise<SampledCompletion[]> {
    if (!this.context) throw new Error('sampler has no context');
    if (seeds.length > this.opts.groupSize) throw new Error(`asked for ${seeds.length} completions but the context has ${this.opts.groupSize} sequences`);
    const sequences = this.sequences.slice(0, seeds.length);
    // Stale KV from the previous group must not leak into this one.
    await Promise.all(sequences.map((seq) => seq.clearHistory()));
    return Promise.all(sequences.map((seq, i) => this.sampleOne(seq, promptTokens, seeds[i]!, settings, signal)));
  }

  private async sampleOne(
    seq: LlamaContextSequence, prompt: number[], seed: number, s: SamplingSettings, signal?: AbortSignal,
  ): Promise<SampledCompletion> {
    const tokens: number[] = [];
    const logps: number[] = [];
    let finishReason: SampledCompletion['finishReason'] = 'length';
    const gen = seq.evaluateWithMetadata(prompt as Token[], { confidence: true }, {
      temperature: s.temperature, topK: 0, topP: s.topP, minP: 0, seed, yieldEogToken: true, // sequence evaluation applies no repeat penalty unless given one
    });
    for await (const out of gen) {
      if (signal?.aborted) { finishReason = 'abort'; break; }
      tokens.push(out.token);
      logps.push(Math.log(Math.max(out.confidence, Number.MIN_VALUE)));
      if (this.model.isEogToken(out.token)) { finishReason = 'eos'; break; }
      if (s.stop.length && endsWithStop(this.model.detokenize(tokens as Token[]), s.stop)) { finishReason = 'stop'; break; }
      if (tokens.length >= s.maxTokens) break;
    }
    const textTokens = finishReason === 'eos' ? tokens.slice(0, -1) : tokens;
    return { tokens, text: this.model.detokenize(textTokens as Token[]), samplerLogprobs: logps, finishReason };
  }

  async dispose(): Promise<void> {
    await this.context?.dispose();
    await this.model.dispose();
  }
}

function endsWithStop(text: string, stops: string[]): boolean {
  return stops.some((s) => text.endsWith(s) || text.includes(s));
}
