import type { BuiltinModelName } from '../../main/api/contract/index.js';

/** The models that ship with the app (recipe model.kind 'builtin'), as the wizard's first step lists them. */
export const BUILTIN_MODELS: readonly { name: BuiltinModelName; title: string; detail: string }[] = [
  { name: 'arith-reasoner', title: 'Built-in reasoning model (arith-reasoner)',
    detail: 'llama · 4 layers · d 128 · 0.9M params · F32 · writes step-by-step solutions to arithmetic word problems · trains on any CPU' },
  { name: 'tiny-demo', title: 'Built-in tiny demo model',
    detail: 'qwen2 · 2 layers · d 64 · F32 · generated on first use · 2-token answers · trains on any CPU' },
];
