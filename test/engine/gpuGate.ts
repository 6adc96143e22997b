/**
 * Whether GPU-backend tests run in this process. Opt-in with CLIPO_TEST_GPU=1 on a
 * machine with a GPU. CI has no GPU but installs Mesa's software Vulkan (llvmpipe):
 * there the GPU tests run on it, so the GPU code path (device buffers, scheduler,
 * CPU fallback) is exercised on every push. llvmpipe is a CPU-type Vulkan device,
 * which ggml only uses when named in GGML_VK_VISIBLE_DEVICES; the other two
 * variables make its submissions synchronous (docs/ENGINE.md, Backends).
 * Must be imported before any engine or llama.cpp backend is loaded.
 */
import { existsSync } from 'node:fs';

const LVP_ICD = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
const softwareVulkan = process.env.CI === 'true' && process.env.CLIPO_TEST_GPU !== '0' && existsSync(LVP_ICD);
if (softwareVulkan) {
  process.env.GGML_VK_VISIBLE_DEVICES ??= '0';
  process.env.GGML_VK_DISABLE_ASYNC ??= '1';
  process.env.GGML_VK_SERIALIZE_SUBMISSIONS ??= '1';
}

export const GPU_TESTS = process.env.CLIPO_TEST_GPU === '1' || softwareVulkan;
