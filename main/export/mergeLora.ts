/**
 * Merged GGUF: base weights with the LoRA delta folded in, W' = W + (alpha/r)·B·A.
 * Only the tensors that have a LoRA pair change; every other tensor and all
 * metadata are copied byte for byte. A merged tensor is dequantised to F32
 * exactly as ggml's to_float does (models/gguf/dequantize.ts: every engine weight
 * type, so a downloaded Q4_K_M file's Q4_K/Q6_K/Q5_0/Q8_0 mix merges), the delta
 * added in F32, then written back in the base tensor's type when that type is
 * F32, F16 or Q8_0 (we requantise those exactly like ggml does); any other type
 * (BF16, Q4_K, Q6_K, IQ4_XS, ...) is written as F16, since re-quantising to a
 * k-quant would need ggml's search-based quantiser, and the file's
 * `general.file_type` is left as is (mixed files are normal in GGUF).
 * Pure TS; assembles the file in memory (fine up to a few GB).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { dequantize, readGguf, writeGguf, type GgufTensorInput } from '../models/gguf/index.js';
import { floatToHalf, type GgmlTypeName } from '../models/gguf/ggufTypes.js';

export interface LoraPairs {
  alpha: number;
  /** GGUF names (blk.N.attn_q.weight.lora_a) → ggml shape [ne0, ne1] and F32 values */
  tensors: { name: string; shape: [number, number]; data: Float32Array }[];
}

/** ggml's quantize_row_q8_0_ref: d = max|x|/127 (stored as F16), q = round(x/d). */
export function quantize(x: Float32Array, type: 'F32' | 'F16' | 'Q8_0'): Uint8Array {
  if (type === 'F32') return new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
  if (type === 'F16') { const u = new Uint16Array(x.length); for (let i = 0; i < x.length; i++) u[i] = floatToHalf(x[i]!); return new Uint8Array(u.buffer); }
  const nb = x.length / 32;
  const out = new Uint8Array(34 * nb);
  const dv = new DataView(out.buffer);
  for (let b = 0; b < nb; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]!));
    const d = amax / 127;
    const id = d ? 1 / d : 0;
    dv.setUint16(34 * b, floatToHalf(d), true);
    for (let j = 0; j < 32; j++) dv.setInt8(34 * b + 2 + j, Math.round(x[32 * b + j]! * id));
  }
  return out;
}

/** Adds scale·B·A to W (all row-major as ggml stores them: W [nOut][nIn], A [r][nIn], B [nOut][r]). */
export function addLoraDelta(w: Float32Array, a: Float32Array, b: Float32Array, nIn: number, nOut: number, r: number, scale: number): void {
  for (let o = 0; o < nOut; o++) {
    const row = o * nIn;
    for (let j = 0; j < r; j++) {
      const s = scale * b[o * r + j]!;
      if (s === 0) continue;
      const arow = j * nIn;
      for (let i = 0; i < nIn; i++) w[row + i]! += s * a[arow + i]!;
    }
  }
}

export interface MergeReport { merged: { name: string; from: string; to: string }[] }

export function mergeLoraIntoGguf(basePath: string, outPath: string, lora: LoraPairs, extraMetadata: Record<string, string> = {}): MergeReport {
  const f = readGguf(basePath);
  const pairs = new Map<string, { a?: LoraPairs['tensors'][number]; b?: LoraPairs['tensors'][number] }>();
  for (const t of lora.tensors) {
    const m = /^(.*)\.lora_([ab])$/.exec(t.name);
    if (!m) throw new Error(`unexpected LoRA tensor name ${t.name}`);
    const p = pairs.get(m[1]!) ?? {};
    p[m[2] as 'a' | 'b'] = t;
    pairs.set(m[1]!, p);
  }
  const report: MergeReport = { merged: [] };
  const fd = openSync(basePath, 'r');
  const tensors: GgufTensorInput[] = [];
  try {
    for (const t of f.tensors) {
      const raw = new Uint8Array(t.size);
      readSync(fd, raw, 0, t.size, t.offset);
      const p = pairs.get(t.name);
      if (!p) { tensors.push({ name: t.name, shape: t.shape, type: t.type as GgmlTypeName, data: raw }); continue; }
      if (!p.a || !p.b) throw new Error(`LoRA pair for ${t.name} is incomplete`);
      const [nIn, nOut] = t.shape as [number, number];
      const r = p.a.shape[1];
      if (p.a.shape[0] !== nIn || p.b.shape[0] !== r || p.b.shape[1] !== nOut) throw new Error(`LoRA shapes for ${t.name} do not match the base tensor [${t.shape.join(', ')}]`);
      const w = dequantize(raw, t.type, nIn * nOut);
      addLoraDelta(w, p.a.data, p.b.data, nIn, nOut, r, lora.alpha / r);
      const to = t.type === 'F32' || t.type === 'F16' || t.type === 'Q8_0' ? t.type : 'F16';
      tensors.push({ name: t.name, shape: t.shape, type: to, data: quantize(w, to) });
      report.merged.push({ name: t.name, from: t.type, to });
      pairs.delete(t.name);
    }
  } finally {
    closeSync(fd);
  }
  if (pairs.size > 0) throw new Error(`the base model has no tensor for LoRA ${[...pairs.keys()].join(', ')}`);
  const md = { ...f.metadata };
  for (const [k, v] of Object.entries(extraMetadata)) md[k] = { type: 'string', value: v };
  writeGguf(outPath, md, tensors);
  return report;
}
