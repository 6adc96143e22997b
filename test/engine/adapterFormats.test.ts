/**
 * Adapter formats and cancellation: GGUF adapter save/load round trip, PEFT export
 * (names, shapes, config, inverse llama Q/K row permutation), cancel().
 */
import { afterAll, describe, expect, test } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngineModel, EngineError } from '../../engine/index.js';
import { readGguf } from '../../main/models/gguf/index.js';
import { BATCH, tempDir, tinyModel } from './engineFixtures.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readSafetensors(path: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; data: Buffer } {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8'));
  delete header.__metadata__;
  return { header, data: b.subarray(8 + n) };
}

/** llama.cpp's HF->GGUF permute of rows: reshape(nHead, 2, hd/2, r).swapaxes(1, 2). */
function permuteRows(hf: Float32Array, nOut: number, r: number, nHead: number): Float32Array {
  const hd = nOut / nHead, out = new Float32Array(hf.length);
  let dst = 0;
  for (let h = 0; h < nHead; h++)
    for (let i = 0; i < hd / 2; i++)
      for (let j = 0; j < 2; j++) {
        const src = h * hd + j * (hd / 2) + i;
        out.set(hf.subarray(src * r, src * r + r), dst * r);
        dst++;
      }
  return out;
}

describe('adapters', () => {
  test('GGUF adapter save/load round trip', async () => {
    const m = await EngineModel.open(tinyModel(dir, 'qwen3'), { threads: 1 });
    try {
      await m.lora.init({ rank: 3, alpha: 6, targets: ['q', 'v', 'down'], seed: 4 });
      const p = await m.loraParams();
      for (let i = 0; i < p.length; i++) p[i] = Math.sin(i);
      await m.setLoraParams(p);
      const path = join(dir, 'a.gguf');
      await m.lora.save(path, 'gguf');
      const f = readGguf(path);
      expect(f.metadata['general.type']).toEqual({ type: 'string', value: 'adapter' });
      expect(f.metadata['adapter.type']).toEqual({ type: 'string', value: 'lora' });
      expect(f.metadata['general.architecture']).toEqual({ type: 'string', value: 'qwen3' });
      expect(f.metadata['adapter.lora.alpha']).toEqual({ type: 'f32', value: 6 });
      expect(f.tensors.map((t) => t.name).slice(0, 2)).toEqual(['blk.0.attn_q.weight.lora_a', 'blk.0.attn_q.weight.lora_b']);
      expect(f.tensors[0]!.shape).toEqual([64, 3]);
      expect(f.tensors[1]!.shape).toEqual([3, 64]);
      const before = await m.forward(BATCH);
      await m.lora.init({ rank: 5, alpha: 1 });
      await m.lora.load(path, 'gguf');
      expect(m.lora.info).toEqual({ rank: 3, alpha: 6, step: 0, targets: ['q', 'v', 'down'] });
      expect(Array.from(await m.loraParams())).toEqual(Array.from(p));
      expect(Array.from((await m.forward(BATCH)).logprobs)).toEqual(Array.from(before.logprobs));
    } finally {
      await m.dispose();
    }
  });

  test('PEFT export: names, shapes, config, inverse Q/K permutation for llama', async () => {
    const m = await EngineModel.open(tinyModel(dir, 'llama'), { threads: 1 });
    try {
      await m.lora.init({ rank: 2, alpha: 4, targets: ['q', 'k', 'up'] });
      const p = await m.loraParams();
      for (let i = 0; i < p.length; i++) p[i] = i;
      await m.setLoraParams(p);
      const out = join(dir, 'peft');
      await m.lora.save(out, 'peft');
      const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
      expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 4, target_modules: ['q_proj', 'k_proj', 'up_proj'] });
      const st = readSafetensors(join(out, 'adapter_model.safetensors'));
      const tensors = m.lora.tensors();
      expect(Object.keys(st.header)).toHaveLength(tensors.length);
      let off = 0;
      for (const t of tensors) {
        const n = t.shape[0] * t.shape[1];
        const ours = p.subarray(off, off + n);
        off += n;
        const [, layer, kind, ab] = /^blk\.(\d+)\.(\w+?)\.weight\.lora_([ab])$/.exec(t.name)!;
        const mod = { attn_q: 'self_attn.q_proj', attn_k: 'self_attn.k_proj', ffn_up: 'mlp.up_proj' }[kind!]!;
        const h = st.header[`base_model.model.model.layers.${layer}.${mod}.lora_${ab!.toUpperCase()}.weight`]!;
        expect(h.dtype).toBe('F32');
        expect(h.shape).toEqual([t.shape[1], t.shape[0]]);
        const hf = new Float32Array(Uint8Array.from(st.data.subarray(h.data_offsets[0], h.data_offsets[1])).buffer);
        if (ab === 'b' && (kind === 'attn_q' || kind === 'attn_k')) {
          expect(Array.from(hf)).not.toEqual(Array.from(ours));
          const nHead = kind === 'attn_q' ? m.info.nHead : m.info.nHeadKv;
          expect(Array.from(permuteRows(hf, t.shape[1], t.shape[0], nHead))).toEqual(Array.from(ours));
        } else {
          expect(Array.from(hf)).toEqual(Array.from(ours));
        }
      }
    } finally {
      await m.dispose();
    }
  });

  test('PEFT export then import restores the adapter exactly (llama, with permutation)', async () => {
    const m = await EngineModel.open(tinyModel(dir, 'llama'), { threads: 1 });
    try {
      await m.lora.init({ rank: 3, alpha: 5, targets: ['q', 'k', 'o', 'down'] });
      const p = await m.loraParams();
      for (let i = 0; i < p.length; i++) p[i] = Math.cos(i * 0.1);
      await m.setLoraParams(p);
      const before = await m.forward(BATCH);
      await m.lora.save(join(dir, 'peft2'), 'peft');
      await m.lora.init({ rank: 2, alpha: 2 });
      await m.lora.load(join(dir, 'peft2'), 'peft');
      expect(m.lora.info).toMatchObject({ rank: 3, alpha: 5, targets: ['q', 'k', 'o', 'down'] });
      expect(Array.from(await m.loraParams())).toEqual(Array.from(p));
      expect(Array.from((await m.forward(BATCH)).logprobs)).toEqual(Array.from(before.logprobs));
      await expect(m.lora.load(join(dir, 'nope'), 'peft')).rejects.toMatchObject({ code: 'E_IO' });
    } finally {
      await m.dispose();
    }
  });
});

test('cancel() stops a long forward at a micro-batch boundary and the model stays usable', async () => {
  const m = await EngineModel.open(tinyModel(dir, 'qwen2'), { threads: 1 });
  try {
    const big = Array.from({ length: 400 }, () => BATCH[0]!);
    const t0 = Date.now();
    const p = m.forward(big, { tokenBudget: 9 });
    m.cancel();
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('E_CANCELLED');
    const r = await m.forward(BATCH);
    expect(r.logprobs.length).toBe(11);
    console.log(`cancelled before start after ${Date.now() - t0} ms`);
    // cancel while the native op is running (2000 micro-batches take seconds)
    const huge = Array.from({ length: 2000 }, () => BATCH[0]!);
    const t1 = Date.now();
    const q = m.forward(huge, { tokenBudget: 9 });
    await new Promise((res) => setTimeout(res, 50));
    m.cancel();
    const e2 = await q.then(() => undefined, (x: unknown) => x);
    const dt = Date.now() - t1;
    console.log(`cancelled while running after ${dt} ms`);
    expect((e2 as EngineError).code).toBe('E_CANCELLED');
    expect((await m.forward(BATCH)).logprobs.length).toBe(11);
  } finally {
    await m.dispose();
  }
});
