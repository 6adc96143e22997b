/**
 * Starts node-llama-cpp for sampling with settings that are safe for RL:
 * never build from source at run time (a missing GPU binary would silently
 * start a compile, NODE-LLAMA-NOTES §1), and an explicit thread count
 * (ggml's spin-waiting pool collapses when oversubscribed, §3h).
 */
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';

export type SamplerBackend = 'auto' | 'cpu' | 'cuda' | 'metal' | 'vulkan';

export async function loadLlama(backend: SamplerBackend, maxThreads: number): Promise<Llama> {
  const gpu = backend === 'cpu' ? false : backend === 'auto' ? 'auto' : backend;
  return getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.error, maxThreads, progressLogs: false });
}
