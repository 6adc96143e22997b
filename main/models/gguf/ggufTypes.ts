/**
 * GGUF constants shared by the reader and writer.
 * reference: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (version 3)
 */
export const GGUF_MAGIC = 0x46554747; // "GGUF" little endian
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types (gguf_type). */
export const GgufValueType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7,
  STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;
export type GgufValueTypeId = (typeof GgufValueType)[keyof typeof GgufValueType];

/** Tensor types (ggml_type) we can size; block = elements per block, bytes = bytes per block (ggml_blck_size, ggml_type_size). */
export const GgmlType: Record<string, { id: number; block: number; bytes: number }> = {
  F32: { id: 0, block: 1, bytes: 4 }, F16: { id: 1, block: 1, bytes: 2 },
  Q4_0: { id: 2, block: 32, bytes: 18 }, Q4_1: { id: 3, block: 32, bytes: 20 },
  Q5_0: { id: 6, block: 32, bytes: 22 }, Q5_1: { id: 7, block: 32, bytes: 24 },
  Q8_0: { id: 8, block: 32, bytes: 34 }, Q8_1: { id: 9, block: 32, bytes: 36 },
  Q2_K: { id: 10, block: 256, bytes: 84 }, Q3_K: { id: 11, block: 256, bytes: 110 },
  Q4_K: { id: 12, block: 256, bytes: 144 }, Q5_K: { id: 13, block: 256, bytes: 176 },
  Q6_K: { id: 14, block: 256, bytes: 210 }, Q8_K: { id: 15, block: 256, bytes: 292 },
  IQ2_XXS: { id: 16, block: 256, bytes: 66 }, IQ2_XS: { id: 17, block: 256, bytes: 74 },
  IQ3_XXS: { id: 18, block: 256, bytes: 98 }, IQ1_S: { id: 19, block: 256, bytes: 50 },
  IQ4_NL: { id: 20, block: 32, bytes: 18 }, IQ3_S: { id: 21, block: 256, bytes: 110 },
  IQ2_S: { id: 22, block: 256, bytes: 82 }, IQ4_XS: { id: 23, block: 256, bytes: 136 },
  IQ1_M: { id: 29, block: 256, bytes: 56 }, TQ1_0: { id: 34, block: 256, bytes: 54 },
  TQ2_0: { id: 35, block: 256, bytes: 66 }, MXFP4: { id: 39, block: 32, bytes: 17 },
  I8: { id: 24, block: 1, bytes: 1 }, I16: { id: 25, block: 1, bytes: 2 }, I32: { id: 26, block: 1, bytes: 4 },
  I64: { id: 27, block: 1, bytes: 8 }, F64: { id: 28, block: 1, bytes: 8 }, BF16: { id: 30, block: 1, bytes: 2 },
};
export type GgmlTypeName = keyof typeof GgmlType;

export function ggmlTypeById(id: number): { name: string; block: number; bytes: number } | undefined {
  for (const [name, t] of Object.entries(GgmlType)) if (t.id === id) return { name, block: t.block, bytes: t.bytes };
  return undefined;
}

/** A metadata value as read or written. Arrays keep their element type. */
export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u8' | 'i8' | 'u16' | 'i16' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; elementType: 'string'; value: string[] }
  | { type: 'array'; elementType: 'f32' | 'i32' | 'u32' | 'u8' | 'i8' | 'u16' | 'i16' | 'f64'; value: number[] }
  | { type: 'array'; elementType: 'u64' | 'i64'; value: bigint[] }
  | { type: 'array'; elementType: 'bool'; value: boolean[] };

/** Convert a float to IEEE half bits (round to nearest even). */
export function floatToHalf(f: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  let exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  exp = exp - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >>> (1 - exp);
    if (mant & 0x1000 && mant & 0x2fff) mant += 0x2000;
    return sign | (mant >>> 13);
  }
  let h = sign | (exp << 10) | (mant >>> 13);
  if (mant & 0x1000 && (mant & 0x2fff)) h += 1;
  return h;
}

/** IEEE half bits to float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
