/**
 * Samples groups of completions with node-llama-cpp, the current LoRA adapter
 * applied. Returns the sampled token ids themselves (the engine scores these
 * exact tokens: no re-tokenisation of text) and the sampler's probability of
 * each token, used to cross-check the engine's π_old and for the rollout
 * importance-sampling correction.
 *
 * All groups of a call are sampled together (docs/ENGINE.md, "Sampler vs trainer"):
 * each group's prompt is evaluated once, on the group's first sequence, and its KV
 * state is forked to the group's other sequences (unless the model is so small that
 * recomputing is cheaper, forkPays); then every sequence of every group decodes in
 * shared batches, one token per sequence per batch, leaving as it finishes.
 *
 * Exactness (the wrong-logits-row fault): node-llama-cpp samples each sequence of a
 * batch in its own libuv worker thread, concurrently, while llama.cpp reorders a
 * batch's output rows lazily and without a lock on first access (llama-context.cpp,
 * `output_reorder()` applying `output_swaps`). A batch needs reordering exactly when
 * its outputs leave llama.cpp's ubatch split out of batch order, which happens when
 * sequences are queued out of sequence-id order (they were: each re-queued when its
 * own sample finished). So every decode here is queued in ascending sequence id, one
 * token per sequence: the split keeps batch order, there are no swaps, and the
 * concurrent samplers only read. Prompts are prefilled with no outputs at all.
 *
 * Overrides node-llama-cpp defaults that silently break RL (NODE-LLAMA-NOTES §3b):
 * topK 0 (whole vocabulary), topP/minP per recipe, no repeat penalty, a seed per
 * completion. Adapters are cached by path inside node-llama-cpp and never freed
 * until the model is disposed (§3a), so every adapter version must have a unique
 * path and the model is reloaded every `reloadEvery` versions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { endsWithStop, stopTailTokens } from './stopStrings.js';

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

/** One prompt and a seed per completion wanted for it. */
export interface GroupRequest {
  promptTokens: number[];
  seeds: number[];
}

/** A failure inside node-llama-cpp while sampling: the step cannot use a partial rollout. */
export class SamplerError extends Error {
  readonly code = 'E_SAMPLER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SamplerError';
  }
}

export interface RolloutSamplerOptions {
  llama: Llama;
  modelPath: string;
  groupSize: number;
  /** Groups sampled together in one wave (the context holds groupSize × groupsPerWave sequences). Default 1. */
  groupsPerWave?: number;
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
  /** Prompt KV sharing: 'auto' (default) forks when that beats recomputing (forkPays), or always / never. */
  fork?: 'auto' | 'always' | 'never';
}

interface Live {
  seq: LlamaContextSequence;
  gen: AsyncGenerator<{ token: Token; confidence?: number }, void, Token | Token[] | undefined>;
  out: SampledCompletion;
  group: number;
  index: number;
}

const FORK_MIN_BYTE_TOKENS = 256 * 2 ** 20;

export class RolloutSampler {
  private model: LlamaModel;
  private context: LlamaContext | null = null;
  /** The context's sequences, taken once and reused (cleared) for every wave; group k of a wave uses [kG, kG + G). */
  private sequences: LlamaContextSequence[] = [];
  private adapterPath: string | null = null;
  private versionsSinceReload = 0;
  /** Where a prompt's KV state is written once and read back into the group's other sequences. */
  private readonly stateDir = mkdtempSync(join(tmpdir(), 'clipo-kv-'));

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

  /** Sequences sampled together at most (groupSize × groupsPerWave). */
  get totalSequences(): number {
    return this.opts.groupSize * (this.opts.groupsPerWave ?? 1);
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
      sequences: this.totalSequences,
      threads: this.opts.threads,
      flashAttention: false,
      experimentalKvCacheKeyType: this.opts.kvCacheType ?? 'F16',
      experimentalKvCacheValueType: this.opts.kvCacheType ?? 'F16',
      ...(path ? { lora: { adapters: [{ filePath: path, scale: 1 }] } } : {}),
    });
    this.sequences = Array.from({ length: this.totalSequences }, () => this.context!.getSequence());
    this.adapterPath = path;
  }

  /** Samples one completion per seed for one prompt. */
  async sampleGroup(promptTokens: number[], seeds: number[], settings: SamplingSettings, signal?: AbortSignal): Promise<SampledCompletion[]> {
    return (await this.sampleGroups([{ promptTokens, seeds }], settings, signal))[0]!;
  }

  /**
   * Samples every group, as many groups together as the context holds (waves of
   * `groupsPerWave`). Results are in request order. A group's completions depend
   * only on its prompt, seeds and settings, not on which groups share its batches.
   */
  async sampleGroups(groups: GroupRequest[], settings: SamplingSettings, signal?: AbortSignal): Promise<SampledCompletion[][]> {
    const G = this.opts.groupSize;
    for (const g of groups) {
      if (g.seeds.length > G) throw new SamplerError(`asked for ${g.seeds.length} completions of a prompt but the sampler holds groups of ${G}`);
      if (g.promptTokens.length === 0) throw new SamplerError('cannot sample from an empty prompt');
    }
    const perWave = this.opts.groupsPerWave ?? 1;
    const out: SampledCompletion[][] = [];
    for (let w = 0; w < groups.length; w += perWave) {
      if (signal?.aborted) {
        for (const g of groups.slice(w)) out.push(g.seeds.map(() => ({ tokens: [], text: '', samplerLogprobs: [], finishReason: 'abort' as const })));
        continue;
      }
      out.push(...(await this.sampleWave(groups.slice(w, w + perWave), settings, signal)));
    }
    return out;
  }

  private async sampleWave(groups: GroupRequest[], s: SamplingSettings, signal?: AbortSignal): Promise<SampledCompletion[][]> {
    const context = this.context;
    if (!context) throw new SamplerError('the sampler has no context (it was disposed or failed to load the adapter)');
    const G = this.opts.groupSize;
    // Without room for the whole completion node-llama-cpp would silently erase the prompt's start (context shift).
    for (const g of groups) {
      if (g.promptTokens.length + s.maxTokens > context.contextSize - 1) {
        throw new SamplerError(`a prompt of ${g.promptTokens.length} tokens plus ${s.maxTokens} new tokens does not fit the sampler's ` +
          `${context.contextSize}-token context: shorten the prompt or lower rollout.maxTokens`);
      }
    }
    const results = groups.map((g) => g.seeds.map((): SampledCompletion => ({ tokens: [], text: '', samplerLogprobs: [], finishReason: 'length' })));
    const seqsOf = (k: number) => this.sequences.slice(k * G, k * G + groups[k]!.seeds.length);
    let live: Live[] = [];
    try {
      await Promise.all(groups.flatMap((_, k) => seqsOf(k).map((q) => q.clearHistory())));
      const fork = groups.map((g, k) => seqsOf(k).length > 1 && this.forkPays(g.promptTokens.length - 1));
      // 1. Each prompt but its last token, with no output rows: once on the group's first sequence
      //    (forked below), or on every sequence when recomputing it is cheaper than the fork.
      await Promise.all(groups.flatMap((g, k) => g.promptTokens.length < 2 ? []
        : (fork[k] ? seqsOf(k).slice(0, 1) : seqsOf(k)).map((q) => q.evaluateWithoutGeneratingNewTokens(g.promptTokens.slice(0, -1) as Token[]))));
      // 2. Fork that KV state into the group's other sequences (the public sequence-state API;
      //    3.21.1 exposes no in-memory llama_memory_seq_cp). F32/F16 cells are copied as they are.
      for (let k = 0; k < groups.length; k++) {
        const seqs = seqsOf(k);
        if (!fork[k]) continue;
        const file = join(this.stateDir, `prompt-${k}.bin`);
        try {
          await seqs[0]!.saveStateToFile(file);
          await Promise.all(seqs.slice(1).map((q) => q.loadStateFromFile(file, { acceptRisk: true })));
        } finally {
          rmSync(file, { force: true });
        }
      }
      // 3. Every sequence starts from the prompt's last token, which gives it its own logits row.
      live = groups.flatMap((g, k) => seqsOf(k).map((seq, i) => ({
        seq, group: k, index: i, out: results[k]![i]!,
        gen: seq.evaluateWithMetadata([g.promptTokens.at(-1)!] as Token[], { confidence: true }, {
          temperature: s.temperature, topK: 0, topP: s.topP, minP: 0, seed: g.seeds[i]!, yieldEogToken: true,
        }) as Live['gen'],
      })));
      const tail = stopTailTokens(s.stop);
      let active = live;
      while (active.length > 0) {
        if (signal?.aborted) {
          for (const r of active) r.out.finishReason = 'abort';
          break;
        }
        // Queued in ascending sequence id (active keeps the sequences' order), one token each: see the header.
        const step = await Promise.all(active.map((r) => r.gen.next()));
        const next: Live[] = [];
        step.forEach((res, j) => {
          const r = active[j]!;
          if (res.done) throw new SamplerError('node-llama-cpp ended a sequence without a token');
          const { token, confidence } = res.value;
          r.out.tokens.push(token);
          r.out.samplerLogprobs.push(Math.log(Math.max(confidence ?? 0, Number.MIN_VALUE)));
          if (this.model.isEogToken(token)) r.out.finishReason = 'eos';
          else if (tail > 0 && endsWithStop(this.model.detokenize(r.out.tokens.slice(-tail) as Token[]), s.stop)) r.out.finishReason = 'stop';
          else if (r.out.tokens.length >= s.maxTokens) r.out.finishReason = 'length';
          else next.push(r);
        });
        active = next;
      }
    } catch (err) {
      if (err instanceof SamplerError) throw err;
      throw new SamplerError(`sampling failed inside node-llama-cpp: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    } finally {
      await Promise.allSettled(live.map((r) => r.gen.return(undefined)));
    }
    for (const group of results) {
      for (const c of group) c.text = this.model.detokenize((c.finishReason === 'eos' ? c.tokens.slice(0, -1) : c.tokens) as Token[]);
    }
    return results;
  }

  /**
   * Whether forking a prompt's KV state beats evaluating it on every sequence. A fork costs a file
   * write and G−1 reads (~1–10 ms per group on a busy 2-core machine, bench/rollout), recomputing
   * costs (G−1)·tokens forward passes, roughly proportional to the weights' bytes: the fork pays
   * from ~256 MB·tokens (a 0.5B F16 model: always; the 0.4 MB demo model: prompts over ~650 tokens).
   */
  private forkPays(prefillTokens: number): boolean {
    const mode = this.opts.fork ?? 'auto';
    if (prefillTokens < 1 || mode === 'never') return false;
    return mode === 'always' || prefillTokens * this.model.size >= FORK_MIN_BYTE_TOKENS;
  }

  async dispose(): Promise<void> {
    await this.context?.dispose();
    await this.model.dispose();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
