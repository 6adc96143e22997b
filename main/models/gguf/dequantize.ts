/**
 * Tensor bytes → F32 for every weight type the engine accepts (inspectGguf's ENGINE_TYPES).
 * Each quantised type mirrors ggml's reference dequantizer in ggml/src/ggml-quants.c (the
 * `to_float` that the engine's `frozen: 'f32'` load calls) operation for operation: ggml
 * computes in float32, so every product and difference is rounded with Math.fround in the
 * order ggml evaluates it (e.g. q4_K: `d1 = d*sc`, then `d1*q`, then `- m1`), which makes
 * the result bit-identical to ggml's. Block layouts are the structs of ggml-common.h
 * (little endian, byte offsets in each function's comment); f16 fields via halfToFloat,
 * which is exact.
 */
import { GgmlType, halfToFloat } from './ggufTypes.js';

const f = Math.fround;

/** Dequantises one block starting at byte `o` of `b` into y[at .. at + block). */
type BlockDequantizer = (b: Uint8Array, dv: DataView, o: number, y: Float32Array, at: number) => void;

const half = (dv: DataView, o: number): number => halfToFloat(dv.getUint16(o, true));

/** ggml-common.h kvalues_iq4nl: the non-linear 4-bit grid of IQ4_NL and IQ4_XS. */
const KVALUES_IQ4NL = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113] as const;

/** dequantize_row_q4_0. block_q4_0 (18 B / 32): d f16 @0, qs[16] @2; low nibbles → y[0..16), high → y[16..32). */
const q4_0: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 2 + j]!;
    y[at + j] = f(((q & 0x0f) - 8) * d);
    y[at + j + 16] = f(((q >> 4) - 8) * d);
  }
};

/** dequantize_row_q4_1. block_q4_1 (20 B / 32): d f16 @0, m f16 @2, qs[16] @4; y = x*d + m. */
const q4_1: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o), m = half(dv, o + 2);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 4 + j]!;
    y[at + j] = f(f((q & 0x0f) * d) + m);
    y[at + j + 16] = f(f((q >> 4) * d) + m);
  }
};

/** The 5th bits of q5_0/q5_1: bit j of qh for y[j], bit j+16 for y[j+16], placed at 0x10. */
const q5High = (qh: number, j: number): [number, number] => [((qh >>> j) << 4) & 0x10, (qh >>> (j + 12)) & 0x10];

/** dequantize_row_q5_0. block_q5_0 (22 B / 32): d f16 @0, qh u32 @2, qs[16] @6; y = (x - 16)*d. */
const q5_0: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o), qh = dv.getUint32(o + 2, true);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 6 + j]!;
    const [h0, h1] = q5High(qh, j);
    y[at + j] = f((((q & 0x0f) | h0) - 16) * d);
    y[at + j + 16] = f((((q >> 4) | h1) - 16) * d);
  }
};

/** dequantize_row_q5_1. block_q5_1 (24 B / 32): d f16 @0, m f16 @2, qh u32 @4, qs[16] @8; y = x*d + m. */
const q5_1: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o), m = half(dv, o + 2), qh = dv.getUint32(o + 4, true);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 8 + j]!;
    const [h0, h1] = q5High(qh, j);
    y[at + j] = f(f(((q & 0x0f) | h0) * d) + m);
    y[at + j + 16] = f(f(((q >> 4) | h1) * d) + m);
  }
};

/** dequantize_row_q8_0. block_q8_0 (34 B / 32): d f16 @0, qs int8[32] @2; y = q*d. */
const q8_0: BlockDequantizer = (_b, dv, o, y, at) => {
  const d = half(dv, o);
  for (let j = 0; j < 32; j++) y[at + j] = f(dv.getInt8(o + 2 + j) * d);
};

/**
 * dequantize_row_q2_K. block_q2_K (84 B / 256): scales[16] @0 (low nibble scale, high nibble min),
 * qs[64] @16 (2-bit, four shifts per byte), d f16 @80, dmin f16 @82; y = (d*sc)*q - dmin*m per 16.
 */
const q2_K: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o + 80), min = half(dv, o + 82);
  let is = 0, k = at;
  for (let n = 0; n < 256; n += 128) {
    const q = o + 16 + n / 4;
    for (let shift = 0; shift < 8; shift += 2) {
      for (const half16 of [0, 16]) {
        const sc = b[o + is++]!;
        const dl = f(d * (sc & 0x0f)), ml = f(min * (sc >> 4));
        for (let l = 0; l < 16; l++) y[k++] = f(f(dl * ((b[q + l + half16]! >> shift) & 3)) - ml);
      }
    }
  }
};

/**
 * The 16 6-bit scales of block_q3_K, unpacked as dequantize_row_q3_K does with kmask1/kmask2 on
 * three little-endian u32 (low nibbles from bytes 0-7, high 2 bits from bytes 8-11).
 */
function q3Scales(dv: DataView, o: number): number[] {
  const kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
  const a0 = dv.getUint32(o, true), a1 = dv.getUint32(o + 4, true), tmp = dv.getUint32(o + 8, true);
  const aux = [
    (a0 & kmask2) | (((tmp >>> 0) & kmask1) << 4),
    (a1 & kmask2) | (((tmp >>> 2) & kmask1) << 4),
    ((a0 >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4),
    ((a1 >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4),
  ];
  const out: number[] = [];
  for (const w of aux) for (let i = 0; i < 4; i++) out.push((w >>> (8 * i)) & 0xff);
  return out;
}

/**
 * dequantize_row_q3_K. block_q3_K (110 B / 256): hmask[32] @0 (high bit, one bit plane per 32 groups),
 * qs[64] @32 (low 2 bits), scales[12] @96 (16 × 6-bit, offset 32), d f16 @108;
 * y = (d*(sc-32)) * (q - (hbit ? 0 : 4)).
 */
const q3_K: BlockDequantizer = (b, dv, o, y, at) => {
  const dAll = half(dv, o + 108);
  const scales = q3Scales(dv, o + 96);
  const hm = o;
  let is = 0, k = at, m = 1;
  for (let n = 0; n < 256; n += 128) {
    const q = o + 32 + n / 4;
    for (let shift = 0; shift < 8; shift += 2) {
      for (const half16 of [0, 16]) {
        const dl = f(dAll * (scales[is++]! - 32));
        for (let l = 0; l < 16; l++) {
          y[k++] = f(dl * (((b[q + l + half16]! >> shift) & 3) - (b[hm + l + half16]! & m ? 0 : 4)));
        }
      }
      m <<= 1;
    }
  }
};

/** ggml-quants.c get_scale_min_k4: scale and min j (0..7) of the 12 packed 6-bit bytes of q4_K/q5_K. */
function getScaleMinK4(j: number, b: Uint8Array, q: number): [sc: number, m: number] {
  if (j < 4) return [b[q + j]! & 63, b[q + j + 4]! & 63];
  return [(b[q + j + 4]! & 0x0f) | ((b[q + j - 4]! >> 6) << 4), (b[q + j + 4]! >> 4) | ((b[q + j]! >> 6) << 4)];
}

/** Scales and mins of sub-blocks `is` and `is+1` of a q4_K/q5_K block times d and dmin, as ggml forms them (d1, m1, d2, m2). */
function kScalesMins(b: Uint8Array, o: number, is: number, d: number, min: number): [number, number, number, number] {
  const [sc1, m1] = getScaleMinK4(is, b, o + 4);
  const [sc2, m2] = getScaleMinK4(is + 1, b, o + 4);
  return [f(d * sc1), f(min * m1), f(d * sc2), f(min * m2)];
}

/**
 * dequantize_row_q4_K. block_q4_K (144 B / 256): d f16 @0, dmin f16 @2, scales[12] @4 (get_scale_min_k4),
 * qs[128] @16; per 64: low nibbles of 32 bytes with scale/min 2i, high nibbles with 2i+1; y = (d*sc)*q - dmin*m.
 */
const q4_K: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o), min = half(dv, o + 2);
  let k = at;
  for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
    const q = o + 16 + j / 2;
    const [d1, m1, d2, m2] = kScalesMins(b, o, is, d, min);
    for (let l = 0; l < 32; l++) y[k++] = f(f(d1 * (b[q + l]! & 0x0f)) - m1);
    for (let l = 0; l < 32; l++) y[k++] = f(f(d2 * (b[q + l]! >> 4)) - m2);
  }
};

/**
 * dequantize_row_q5_K. block_q5_K (176 B / 256): d f16 @0, dmin f16 @2, scales[12] @4, qh[32] @16
 * (5th bits: bit pair 2i, 2i+1 for the i-th 64), qs[128] @48; as q4_K with q + 16·hbit.
 */
const q5_K: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o), min = half(dv, o + 2);
  const qh = o + 16;
  let k = at, u1 = 1, u2 = 2;
  for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
    const ql = o + 48 + j / 2;
    const [d1, m1, d2, m2] = kScalesMins(b, o, is, d, min);
    for (let l = 0; l < 32; l++) y[k++] = f(f(d1 * ((b[ql + l]! & 0x0f) + (b[qh + l]! & u1 ? 16 : 0))) - m1);
    for (let l = 0; l < 32; l++) y[k++] = f(f(d2 * ((b[ql + l]! >> 4) + (b[qh + l]! & u2 ? 16 : 0))) - m2);
    u1 <<= 2; u2 <<= 2;
  }
};

/**
 * dequantize_row_q6_K. block_q6_K (210 B / 256): ql[128] @0 (low 4 bits), qh[64] @128 (high 2 bits),
 * scales int8[16] @192, d f16 @208; y = (d*sc)*(q - 32), each 128 from 64 ql, 32 qh, 8 scales.
 */
const q6_K: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o + 208);
  for (let n = 0; n < 2; n++) {
    const ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n, yy = at + 128 * n;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4, h = b[qh + l]!;
      const q1 = ((b[ql + l]! & 0x0f) | (((h >> 0) & 3) << 4)) - 32;
      const q2 = ((b[ql + l + 32]! & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((b[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
      y[yy + l] = f(f(d * dv.getInt8(sc + is)) * q1);
      y[yy + l + 32] = f(f(d * dv.getInt8(sc + is + 2)) * q2);
      y[yy + l + 64] = f(f(d * dv.getInt8(sc + is + 4)) * q3);
      y[yy + l + 96] = f(f(d * dv.getInt8(sc + is + 6)) * q4);
    }
  }
};

/** dequantize_row_iq4_nl. block_iq4_nl (18 B / 32): d f16 @0, qs[16] @2; y = d * kvalues_iq4nl[nibble]. */
const iq4_nl: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 2 + j]!;
    y[at + j] = f(d * KVALUES_IQ4NL[q & 0x0f]!);
    y[at + j + 16] = f(d * KVALUES_IQ4NL[q >> 4]!);
  }
};

/**
 * dequantize_row_iq4_xs. block_iq4_xs (136 B / 256): d f16 @0, scales_h u16 @2 (2 high bits per 32),
 * scales_l[4] @4 (4 low bits per 32), qs[128] @8; y = (d*(ls-32)) * kvalues_iq4nl[nibble].
 */
const iq4_xs: BlockDequantizer = (b, dv, o, y, at) => {
  const d = half(dv, o), scalesH = dv.getUint16(o + 2, true);
  for (let ib = 0; ib < 8; ib++) {
    const ls = ((b[o + 4 + (ib >> 1)]! >> (4 * (ib % 2))) & 0x0f) | (((scalesH >> (2 * ib)) & 3) << 4);
    const dl = f(d * (ls - 32));
    const qs = o + 8 + 16 * ib, yy = at + 32 * ib;
    for (let j = 0; j < 16; j++) {
      y[yy + j] = f(dl * KVALUES_IQ4NL[b[qs + j]! & 0x0f]!);
      y[yy + j + 16] = f(dl * KVALUES_IQ4NL[b[qs + j]! >> 4]!);
    }
  }
};

/** Plain floats, one "block" per element: F32 as stored, F16 via halfToFloat, BF16 as the top 16 bits of an F32 (GGML_BF16_TO_FP32). */
const bf16Bits = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Bits.buffer);
const f32: BlockDequantizer = (_b, dv, o, y, at) => { y[at] = dv.getFloat32(o, true); };
const f16: BlockDequantizer = (_b, dv, o, y, at) => { y[at] = half(dv, o); };
const bf16: BlockDequantizer = (_b, dv, o, y, at) => { bf16Bits[0] = dv.getUint16(o, true) << 16; y[at] = bf16Float[0]!; };

const DEQUANTIZERS: Record<string, BlockDequantizer> = {
  F32: f32, F16: f16, BF16: bf16, Q4_0: q4_0, Q4_1: q4_1, Q5_0: q5_0, Q5_1: q5_1, Q8_0: q8_0,
  Q2_K: q2_K, Q3_K: q3_K, Q4_K: q4_K, Q5_K: q5_K, Q6_K: q6_K, IQ4_NL: iq4_nl, IQ4_XS: iq4_xs,
};

/** The types `dequantize` handles (the engine's ENGINE_TYPES). */
const DEQUANTIZE_TYPES = Object.keys(DEQUANTIZERS);

/** The first `n` values of a tensor of ggml type `type` stored in `bytes`, as F32 (what ggml's to_float gives). */
export function dequantize(bytes: Uint8Array, type: string, n: number): Float32Array {
  const fn = DEQUANTIZERS[type];
  const layout = GgmlType[type];
  if (!fn || !layout) throw new Error(`cannot dequantise tensor type ${type} (supported: ${DEQUANTIZE_TYPES.join(', ')})`);
  const { block, bytes: size } = layout;
  if (n % block !== 0) throw new Error(`${type} holds blocks of ${block} values; ${n} is not a multiple`);
  const nb = n / block;
  if (bytes.byteLength < nb * size) throw new Error(`${type}: ${n} values need ${nb * size} bytes, got ${bytes.byteLength}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const y = new Float32Array(n);
  for (let i = 0; i < nb; i++) fn(bytes, dv, i * size, y, i * block);
  return y;
}
