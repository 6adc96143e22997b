// Streaming writer of a random-weight llama/qwen2 GGUF without a tokenizer (the engine needs none):
// any width and vocabulary, up to full Qwen2.5/Llama-3.2 sizes, without holding the file in memory
// (main/models/gguf/writeGguf.ts assembles everything in memory and has the tiny tokenizer's vocab).
// Used by bench/engine/benchEngine.mjs and bench/engine/sftThroughput.bench.ts.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';

// GGUF type ids and block geometry (ggml.h ggml_type; ggml.c type_traits)
export const TYPES = { F32: { id: 0, blck: 1, bytes: 4 }, F16: { id: 1, blck: 1, bytes: 2 }, Q8_0: { id: 8, blck: 32, bytes: 34 }, Q4_K: { id: 12, blck: 256, bytes: 144 } };

/** Type of a matrix whose rows hold nIn weights: Q4_K where rows are a multiple of 256, Q8_0 elsewhere, as llama.cpp's Q4_K_M does. */
export function matrixType(wtype, nIn) {
  if (wtype === 'Q4_K') return nIn % 256 === 0 ? 'Q4_K' : 'Q8_0';
  return wtype;
}

/**
 * shape: { arch: 'qwen2'|'llama', nLayer, d, nHead, nKv, ff, vocab } (tied embeddings; qwen2 gets q/k/v biases).
 * Matrices uniform with std ≈ 1/√nIn, norms 1. Quantised matrices get valid blocks of uniform random values
 * (Q8_0: random int8 quants with one scale per block; Q4_K: random nibbles with one scale/min per block,
 * centred); zeros: true writes zero matrices as holes (a sparse file, for reserve-only runs).
 * Atomic (temp file + rename): the benches cache the file by name, so an interrupted write must not leave one.
 */
export function writeRandomModel(path, shape, { weightType = 'F16', zeros = false } = {}) {
  const { arch, nLayer, d, nHead, nKv, ff, vocab } = shape;
  const hd = d / nHead;
  const qwen = arch === 'qwen2';
  const tensors = [['token_embd.weight', [d, vocab], 1], ['output_norm.weight', [d], 0]];
  for (let l = 0; l < nLayer; l++) {
    const b = `blk.${l}.`;
    tensors.push([`${b}attn_norm.weight`, [d], 0], [`${b}attn_q.weight`, [d, d], 1], [`${b}attn_k.weight`, [d, hd * nKv], 1],
      [`${b}attn_v.weight`, [d, hd * nKv], 1]);
    if (qwen) tensors.push([`${b}attn_q.bias`, [d], 0], [`${b}attn_k.bias`, [hd * nKv], 0], [`${b}attn_v.bias`, [hd * nKv], 0]);
    tensors.push([`${b}attn_output.weight`, [d, d], 1], [`${b}ffn_norm.weight`, [d], 0], [`${b}ffn_gate.weight`, [d, ff], 1],
      [`${b}ffn_up.weight`, [d, ff], 1], [`${b}ffn_down.weight`, [ff, d], 1]);
  }
  const kv = [['general.architecture', 8, arch], [`${arch}.context_length`, 4, 32768], [`${arch}.embedding_length`, 4, d],
    [`${arch}.block_count`, 4, nLayer], [`${arch}.feed_forward_length`, 4, ff], [`${arch}.attention.head_count`, 4, nHead],
    [`${arch}.attention.head_count_kv`, 4, nKv], [`${arch}.attention.layer_norm_rms_epsilon`, 6, 1e-6], [`${arch}.rope.freq_base`, 6, qwen ? 1e6 : 5e5]];
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s) => { u64(Buffer.byteLength(s)); parts.push(Buffer.from(s)); };
  u32(0x46554747); u32(3); u64(tensors.length); u64(kv.length);
  for (const [k, t, v] of kv) {
    str(k); u32(t);
    if (t === 8) str(v); else if (t === 6) { const b = Buffer.alloc(4); b.writeFloatLE(v); parts.push(b); } else u32(v);
  }
  let off = 0;
  const sizes = [];
  for (const [name, dims, isMat] of tensors) {
    const type = isMat ? matrixType(weightType, dims[0]) : 'F32';
    const n = dims.reduce((a, b) => a * b, 1);
    const size = (n / TYPES[type].blck) * TYPES[type].bytes;
    str(name); u32(dims.length); for (const x of dims) u64(x); u32(TYPES[type].id); u64(off);
    sizes.push([n, type, dims, size]);
    off += Math.ceil(size / 32) * 32;
  }
  let head = Buffer.concat(parts);
  head = Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32)]);
  const tmp = `${path}.${process.pid}.partial`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, head);
  let pos = head.length;
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
  for (const [n, type, dims, size] of sizes) {
    const std = dims.length === 2 ? 1 / Math.sqrt(dims[0]) : 0;
    const padded = Math.ceil(size / 32) * 32;
    if (zeros && dims.length === 2) { pos += padded; continue; }  // zeros: a hole in a sparse file
    const { blck, bytes } = TYPES[type];
    const blocksPerChunk = Math.max(1, Math.floor((1 << 20) / blck));
    for (let blk = 0; blk < n / blck; blk += blocksPerChunk) {
      const nb = Math.min(blocksPerChunk, n / blck - blk);
      const buf = Buffer.alloc(nb * bytes);
      for (let j = 0; j < nb; j++) {
        if (dims.length === 1) { buf.writeFloatLE(1, j * 4); continue; }
        const o = j * bytes;
        if (type === 'F32') buf.writeFloatLE((rnd() * 2 - 1) * std * 1.7, o);
        else if (type === 'F16') buf.writeUInt16LE(f16((rnd() * 2 - 1) * std * 1.7), o);
        else if (type === 'Q8_0') {
          // random int8 quants (filled below for the whole chunk), one scale per block
          if (j === 0) randomFillSync(buf);
          buf.writeUInt16LE(f16((std * 1.7) / 127), o);
        } else {
          // Q4_K: w = d·sc·q − dmin·m with every 6-bit sc = m = 1; q uniform in 0..15, dmin = 7.5·d centres it
          if (j === 0) randomFillSync(buf);
          const dq = (std * 1.7) / 7.5;
          buf.writeUInt16LE(f16(dq), o);
          buf.writeUInt16LE(f16(7.5 * dq), o + 2);
          for (let k = 0; k < 4; k++) { buf[o + 4 + k] = 1; buf[o + 8 + k] = 1; }
          for (let k = 0; k < 4; k++) buf[o + 12 + k] = 0x11;
        }
      }
      writeSync(fd, buf, 0, buf.length, pos);
      pos += buf.length;
    }
    pos += padded - size;
  }
  // a trailing byte so a sparse file has its full length
  writeSync(fd, Buffer.alloc(1), 0, 1, Math.max(pos - 1, head.length));
  closeSync(fd);
  renameSync(tmp, path);
}

const f32b = new Float32Array(1), u32b = new Uint32Array(f32b.buffer);
export function f16(x) {
  f32b[0] = x;
  const b = u32b[0], s = (b >>> 16) & 0x8000, e = ((b >>> 23) & 0xff) - 127 + 15, m = b & 0x7fffff;
  if (e <= 0) return s;
  if (e >= 31) return s | 0x7c00;
  return s | (e << 10) | (m >>> 13);
}
