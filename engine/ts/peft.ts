/**
 * PEFT export: adapter_model.safetensors + adapter_config.json.
 * Byte layout: ggml lora_a ne=[in,r] is torch [r,in] row-major, lora_b ne=[r,out]
 * is torch [out,r]: no transpose, only renaming. For the llama arch the HF->GGUF
 * conversion permuted Q/K rows for RoPE (convert_hf_to_gguf LlamaModel.permute),
 * so q/k lora_B rows get the inverse permutation here (ENGINE-NOTES §5).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PEFT_NAMES: Record<string, string> = {
  attn_q: 'self_attn.q_proj', attn_k: 'self_attn.k_proj', attn_v: 'self_attn.v_proj', attn_output: 'self_attn.o_proj',
  ffn_gate: 'mlp.gate_proj', ffn_up: 'mlp.up_proj', ffn_down: 'mlp.down_proj',
};

/** Inverse of llama.cpp's Q/K permute on the rows of a [nOut, r] matrix. */
export function unpermuteRows(b: Float32Array, nOut: number, r: number, nHead: number): Float32Array {
  const hd = nOut / nHead;
  const out = new Float32Array(b.length);
  for (let h = 0; h < nHead; h++)
    for (let j = 0; j < 2; j++)
      for (let i = 0; i < hd / 2; i++) {
        const hf = h * hd + j * (hd / 2) + i;
        const gg = h * hd + 2 * i + j;
        out.set(b.subarray(gg * r, gg * r + r), hf * r);
      }
  return out;
}

export interface PeftExportInput {
  arch: string;
  nHead: number;
  nHeadKv: number;
  rank: number;
  alpha: number;
  baseModel: string;
  tensors: { name: string; ne0: number; ne1: number }[];
  values: Float32Array;
}

export function writePeft(dir: string, inp: PeftExportInput): void {
  mkdirSync(dir, { recursive: true });
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const blobs: Float32Array[] = [];
  let off = 0, byteOff = 0;
  const modules = new Set<string>();
  for (const t of inp.tensors) {
    const n = t.ne0 * t.ne1;
    let data = inp.values.subarray(off, off + n);
    off += n;
    const m = /^blk\.(\d+)\.([a-z_]+)\.weight\.lora_([ab])$/.exec(t.name);
    if (!m) throw new Error(`unexpected LoRA tensor ${t.name}`);
    const [, layer, kind, ab] = m as unknown as [string, string, string, string];
    const mod = PEFT_NAMES[kind];
    if (!mod) throw new Error(`unexpected LoRA target ${kind}`);
    modules.add(mod.split('.')[1]!);
    if (inp.arch === 'llama' && ab === 'b' && (kind === 'attn_q' || kind === 'attn_k'))
      data = unpermuteRows(data, t.ne1, t.ne0, kind === 'attn_q' ? inp.nHead : inp.nHeadKv);
    const name = `base_model.model.model.layers.${layer}.${mod}.lora_${ab.toUpperCase()}.weight`;
    header[name] = { dtype: 'F32', shape: [t.ne1, t.ne0], data_offsets: [byteOff, byteOff + n * 4] };
    byteOff += n * 4;
    blobs.push(data);
  }
  let hjson = JSON.stringify(header);
  hjson += ' '.repeat((8 - (hjson.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(hjson)));
  const body = Buffer.concat([len, Buffer.from(hjson), ...blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))]);
  const st = join(dir, 'adapter_model.safetensors');
  writeFileSync(`${st}.tmp`, body);
  renameSync(`${st}.tmp`, st);
  const config = {
    peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: inp.baseModel, r: inp.rank, lora_alpha: inp.alpha,
    lora_dropout: 0, target_modules: [...modules], bias: 'none', fan_in_fan_out: false, inference_mode: true, use_rslora: false,
    use_dora: false, init_lora_weights: true, modules_to_save: null, layers_to_transform: null, rank_pattern: {}, alpha_pattern: {}, revision: null,
  };
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2));
}

/** llama.cpp's HF->GGUF Q/K row permutation (convert_hf_to_gguf LlamaModel.permute) on a [nOut, r] matrix. */
export function permuteRows(hf: Float32Array, nOut: number, r: number, nHead: number): Float32Array {
  const hd = nOut / nHead;
  const out = new Float32Array(hf.length);
  for (let h = 0; h < nHead; h++)
    for (let j = 0; j < 2; j++)
      for (let i = 0; i < hd / 2; i++) {
        const src = h * hd + j * (hd / 2) + i;
        const dst = h * hd + 2 * i + j;
        out.set(hf.subarray(src * r, src * r + r), dst * r);
      }
  return out;
}

export interface PeftAdapter {
  rank: number;
  alpha: number;
  /** our target names (q,k,v,o,gate,up,down) */
  targets: string[];
  /** GGUF-style tensor name -> values in ggml layout (already permuted for llama q/k B) */
  tensors: Map<string, { shape: [number, number]; data: Float32Array }>;
}

const TARGET_OF: Record<string, [string, string]> = {
  q_proj: ['q', 'attn_q'], k_proj: ['k', 'attn_k'], v_proj: ['v', 'attn_v'], o_proj: ['o', 'attn_output'],
  gate_proj: ['gate', 'ffn_gate'], up_proj: ['up', 'ffn_up'], down_proj: ['down', 'ffn_down'],
};

function toF32(buf: Buffer, dtype: string): Float32Array {
  if ((dtype === 'F32' && buf.length % 4 !== 0) || ((dtype === 'F16' || dtype === 'BF16') && buf.length % 2 !== 0)) {
    throw new Error(`a ${dtype} tensor's byte length ${buf.length} is not a whole number of values`);
  }
  const u8 = Uint8Array.from(buf);
  if (dtype === 'F32') return new Float32Array(u8.buffer);
  const u16 = new Uint16Array(u8.buffer);
  const out = new Float32Array(u16.length);
  if (dtype === 'BF16') {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < u16.length; i++) u32[i] = u16[i]! << 16;
    return out;
  }
  if (dtype === 'F16') {
    for (let i = 0; i < u16.length; i++) {
      const h = u16[i]!, s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
      out[i] = e === 0 ? s * m * 2 ** -24 : e === 0x1f ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
    }
    return out;
  }
  throw new Error(`unsupported safetensors dtype ${dtype} (supported: F32, F16, BF16)`);
}

/** The model geometry a PEFT adapter must match (EngineModelInfo has it all). */
export interface PeftModelShape {
  arch: string; nHead: number; nHeadKv: number;
  nLayer?: number; dModel?: number; headDim?: number; nFf?: number;
}

const mismatch = (message: string) => Object.assign(new Error(message), { code: 'E_MISMATCH' });

/** torch shape [rows, cols] of lora_A ([r, in]) or lora_B ([out, r]) of `proj` in this model, or null when unknown. */
function expectedShape(model: PeftModelShape, proj: string, ab: string, r: number): [number, number] | null {
  const { dModel: D, headDim: hd, nFf: F } = model;
  if (D === undefined || hd === undefined || F === undefined) return null;
  const q = hd * model.nHead, kv = hd * model.nHeadKv;
  const io: Record<string, [number, number]> = {
    q_proj: [D, q], k_proj: [D, kv], v_proj: [D, kv], o_proj: [q, D], gate_proj: [D, F], up_proj: [D, F], down_proj: [F, D],
  };
  const d = io[proj];
  if (!d) return null;
  return ab === 'A' ? [r, d[0]] : [d[1], r];
}

/** Read a PEFT LoRA directory into GGUF-layout tensors. Throws Error with a clear message (code E_MISMATCH for another model's adapter). */
export function readPeft(dir: string, model: PeftModelShape): PeftAdapter {
  const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  if (cfg.peft_type !== 'LORA') throw new Error(`adapter_config.json: peft_type ${String(cfg.peft_type)} is not LORA`);
  if (cfg.use_dora) throw new Error('DoRA adapters are not supported');
  const rank = Number(cfg.r), alpha = Number(cfg.lora_alpha ?? cfg.r);
  if (!Number.isInteger(rank) || rank < 1) throw new Error('adapter_config.json: invalid r');
  const b = readFileSync(join(dir, 'adapter_model.safetensors'));
  if (b.length < 8) throw new Error('adapter_model.safetensors is truncated');
  const n = Number(b.readBigUInt64LE(0));
  if (8 + n > b.length) throw new Error('adapter_model.safetensors is truncated (header)');
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const body = b.subarray(8 + n);
  const tensors = new Map<string, { shape: [number, number]; data: Float32Array }>();
  const targets = new Set<string>();
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const m = /layers\.(\d+)\.(?:self_attn|mlp)\.(\w+_proj)\.lora_([AB])(?:\.default)?\.weight$/.exec(name);
    if (!m) throw new Error(`unexpected PEFT tensor ${name}`);
    const [, layer, proj, ab] = m as unknown as [string, string, string, string];
    const t = TARGET_OF[proj];
    if (!t) throw new Error(`unsupported PEFT target ${proj}`);
    const [begin, end] = Array.isArray(h.data_offsets) ? h.data_offsets : [NaN, NaN];
    if (!Array.isArray(h.shape) || h.shape.length !== 2 || !h.shape.every((d) => Number.isSafeInteger(d) && d > 0) ||
        !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin || end > body.length) {
      throw new Error(`PEFT tensor ${name} is malformed or truncated`);
    }
    const [rows, cols] = h.shape as [number, number];
    // Check the geometry against this model before touching the data: an adapter of another model
    // (another architecture or size) would otherwise fail deep in the Q/K row permutation.
    if (model.nLayer !== undefined && Number(layer) >= model.nLayer) {
      throw mismatch(`the adapter has layer ${layer} but this ${model.arch} model has ${model.nLayer} layers: it was trained for another model` +
        (typeof cfg.base_model_name_or_path === 'string' ? ` (${cfg.base_model_name_or_path})` : ''));
    }
    const want = expectedShape(model, proj, ab, rank);
    if (want && (rows !== want[0] || cols !== want[1])) {
      throw mismatch(`tensor ${name} has shape [${rows}, ${cols}], this ${model.arch} model (d_model ${model.dModel}, ${model.nHead} heads, ` +
        `${model.nHeadKv} KV heads, head dim ${model.headDim}, FFN ${model.nFf}) at rank ${rank} needs [${want.join(', ')}]: ` +
        'the adapter was trained for another model' + (typeof cfg.base_model_name_or_path === 'string' ? ` (${cfg.base_model_name_or_path})` : ''));
    }
    let data = toF32(body.subarray(begin, end), h.dtype);
    if (data.length !== rows * cols) throw new Error(`PEFT tensor ${name}: size does not match its shape`);
    if (model.arch === 'llama' && ab === 'B' && (proj === 'q_proj' || proj === 'k_proj'))
      data = permuteRows(data, rows, cols, proj === 'q_proj' ? model.nHead : model.nHeadKv);
    targets.add(t[0]);
    tensors.set(`blk.${layer}.${t[1]}.weight.lora_${ab.toLowerCase()}`, { shape: [cols, rows], data });
  }
  return { rank, alpha, targets: [...targets], tensors };
}
