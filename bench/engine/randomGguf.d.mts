/** Types of bench/engine/randomGguf.mjs (imported from TypeScript benches). */
export interface RandomModelShape { arch: 'qwen2' | 'llama'; nLayer: number; d: number; nHead: number; nKv: number; ff: number; vocab: number }
export type RandomWeightType = 'F32' | 'F16' | 'Q8_0' | 'Q4_K';
export declare const TYPES: Record<RandomWeightType, { id: number; blck: number; bytes: number }>;
export declare function matrixType(wtype: RandomWeightType, nIn: number): RandomWeightType;
export declare function writeRandomModel(path: string, shape: RandomModelShape, opts?: { weightType?: RandomWeightType; zeros?: boolean }): void;
export declare function f16(x: number): number;
