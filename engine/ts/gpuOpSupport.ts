/**
 * Which ops (with which operand types and layouts) the GPU backends of the pinned llama.cpp run,
 * transcribed as data from their supports_op functions in the source node-llama-cpp 3.21.1 ships
 * (node_modules/node-llama-cpp/llama/gitRelease.bundle, llama.cpp v0.4.0):
 *   CUDA   ggml/src/ggml-cuda/ggml-cuda.cu            ggml_backend_cuda_device_supports_op (line 5059)
 *   Metal  ggml/src/ggml-metal/ggml-metal-device.m    ggml_metal_device_supports_op (line 1508)
 *   Vulkan ggml/src/ggml-vulkan/ggml-vulkan.cpp       ggml_backend_vk_device_supports_op (line 18561)
 * Only the ops the engine's graphs use are listed; an op missing from a backend's table is one it
 * would hand to the CPU. Each entry cites the `case` line. test/engine/opAllowlist.test.ts walks the
 * forward, backward and optimizer graphs (model.graphOps) against this table. docs/ENGINE.md explains.
 */

/** One graph node as the addon reports it (engine_graph_ops). Type names are ggml's (f32, q4_K, ...). */
export interface GraphOpSrc { type: string; contiguous: boolean; contiguousRows: boolean; contiguous1: boolean; contiguous2: boolean; ne0: number; ne3: number }
export interface GraphOp { op: string; type: string; contiguous: boolean; contiguousRows: boolean; srcs: GraphOpSrc[] }

export interface OpRule {
  /** `file:line` of the case in supports_op */
  cite: string;
  /** allowed types of src[i] (absent: any) */
  srcTypes?: (readonly string[] | undefined)[];
  /** allowed result types */
  dstTypes?: readonly string[];
  /** [src0, dst] type pairs (copies) */
  copyPairs?: readonly (readonly [string, string])[];
  /** src[0] must be contiguous / have contiguous rows / be contiguous in dims 1 or 2 (ggml_is_contiguous_1/_2) */
  src0Contiguous?: boolean; src0ContiguousRows?: boolean; src0Contiguous1?: boolean; src0Contiguous2?: boolean;
  /** every source must have contiguous rows */
  srcsContiguousRows?: boolean;
  /** the result must have contiguous rows */
  dstContiguousRows?: boolean;
  /** src[0], src[1] and the result have one type */
  sameTypes?: boolean;
  /** src[0] of these types must have ne0 % 256 == 0 */
  ne0Mult256?: readonly string[];
  /** src[0].ne3 == src[1].ne3 */
  sameNe3?: boolean;
  /** a device capability the backend also checks (reported, not modelled) */
  needs?: string;
}

export type GpuBackend = 'CUDA' | 'Metal' | 'Vulkan';

const F = ['f32', 'f16'] as const;
const VIEWS = ['NONE', 'RESHAPE', 'VIEW', 'PERMUTE', 'TRANSPOSE'] as const;
// weight types the engine accepts (engine_model.cpp engine_weight_types), as ggml names them
const WEIGHTS = ['f32', 'f16', 'bf16', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'q2_K', 'q3_K', 'q4_K', 'q5_K', 'q6_K', 'iq4_nl', 'iq4_xs'] as const;

const cu = (line: number): string => `ggml/src/ggml-cuda/ggml-cuda.cu:${line}`;
const mtl = (line: number): string => `ggml/src/ggml-metal/ggml-metal-device.m:${line}`;
const vk = (line: number): string => `ggml/src/ggml-vulkan/ggml-vulkan.cpp:${line}`;

function views(cite: string): Record<string, OpRule> {
  return Object.fromEntries(VIEWS.map((v) => [v, { cite }]));
}

export const GPU_OP_SUPPORT: Record<GpuBackend, Record<string, OpRule>> = {
  CUDA: {
    ...views(cu(5375)),
    // unary ops: "should become contiguous_rows", today ggml_is_contiguous(src0)
    EXP: { cite: cu(5073), src0Contiguous: true },
    SIGMOID: { cite: cu(5073), src0Contiguous: true },
    SWIGLU: { cite: cu(5104), src0Contiguous1: true },
    MUL_MAT: { cite: cu(5118), srcTypes: [WEIGHTS, F], src0ContiguousRows: true, srcsContiguousRows: true },
    GET_ROWS: { cite: cu(5177), srcTypes: [WEIGHTS, ['i32']], ne0Mult256: ['iq4_nl'] },
    CPY: { cite: cu(5239), copyPairs: [['f32', 'f32'], ['f16', 'f32'], ['bf16', 'f32']] },
    CONT: { cite: cu(5418) },
    CONCAT: { cite: cu(5313), srcTypes: [['f32'], ['f32']], sameTypes: true },
    RMS_NORM: { cite: cu(5369), src0ContiguousRows: true },
    SCALE: { cite: cu(5382) },
    SQR: { cite: cu(5383) },
    SQRT: { cite: cu(5384) },
    LOG: { cite: cu(5388) },
    ADD: { cite: cu(5390), srcTypes: [F, F], dstTypes: F },
    SUB: { cite: cu(5390), srcTypes: [F, F], dstTypes: F },
    MUL: { cite: cu(5390), srcTypes: [F, F], dstTypes: F },
    DIV: { cite: cu(5390), srcTypes: [F, F], dstTypes: F },
    SOFT_MAX: { cite: cu(5422) },
    ROPE: { cite: cu(5434), src0ContiguousRows: true, src0Contiguous2: true },
    SUM: { cite: cu(5452), src0ContiguousRows: true },
    SUM_ROWS: { cite: cu(5466), src0Contiguous: true },
    OPT_STEP_ADAMW: { cite: cu(5502) },
  },
  Metal: {
    ...views(mtl(1584)),
    SCALE: { cite: mtl(1526), src0ContiguousRows: true, srcTypes: [F] },
    SQR: { cite: mtl(1529), src0ContiguousRows: true, srcTypes: [F] },
    SQRT: { cite: mtl(1530), src0ContiguousRows: true, srcTypes: [F] },
    LOG: { cite: mtl(1533), src0ContiguousRows: true, srcTypes: [F] },
    EXP: { cite: mtl(1535), src0ContiguousRows: true, srcTypes: [F] },
    SIGMOID: { cite: mtl(1535), src0ContiguousRows: true, srcTypes: [F] },
    SWIGLU: { cite: mtl(1571), src0Contiguous1: true, srcTypes: [F] },
    CONCAT: { cite: mtl(1590), srcTypes: [['f32'], ['f32']], sameTypes: true },
    ADD: { cite: mtl(1617), srcsContiguousRows: true, srcTypes: [F, F], sameTypes: true },
    SUB: { cite: mtl(1617), srcsContiguousRows: true, srcTypes: [F, F], sameTypes: true },
    MUL: { cite: mtl(1617), srcsContiguousRows: true, srcTypes: [F, F], sameTypes: true },
    DIV: { cite: mtl(1617), srcsContiguousRows: true, srcTypes: [F, F], sameTypes: true },
    SUM: { cite: mtl(1643), src0Contiguous: true, needs: 'has_simdgroup_reduction' },
    SUM_ROWS: { cite: mtl(1647), src0ContiguousRows: true, needs: 'has_simdgroup_reduction' },
    SOFT_MAX: { cite: mtl(1650), src0ContiguousRows: true, needs: 'has_simdgroup_reduction' },
    RMS_NORM: { cite: mtl(1662), src0ContiguousRows: true, needs: 'has_simdgroup_reduction' },
    ROPE: { cite: mtl(1664) },
    // ggml_metal_supports_mul_mat_op (m:1484): any src0 but NVFP4 when src1 is not F16
    MUL_MAT: { cite: mtl(1819), srcTypes: [WEIGHTS, ['f32']], needs: 'has_simdgroup_reduction' },
    CPY: { cite: mtl(1828), copyPairs: [['f32', 'f32'], ['f16', 'f32'], ['bf16', 'f32']] },
    CONT: { cite: mtl(1830), copyPairs: [['f32', 'f32'], ['f16', 'f32'], ['bf16', 'f32']] },
    GET_ROWS: { cite: mtl(1889), srcTypes: [WEIGHTS, ['i32']], needs: 'has_bfloat for bf16 (m:1513)' },
    OPT_STEP_ADAMW: { cite: mtl(1919), needs: 'has_simdgroup_reduction' },
  },
  Vulkan: {
    ...views(vk(18886)),
    EXP: { cite: vk(18592), srcTypes: [F], sameTypes: true },
    SIGMOID: { cite: vk(18592), srcTypes: [F], sameTypes: true },
    SWIGLU: { cite: vk(18622), srcTypes: [F, F], sameTypes: true },
    MUL_MAT: { cite: vk(18638), srcTypes: [WEIGHTS, F], sameNe3: true },
    GET_ROWS: { cite: vk(18752), srcTypes: [WEIGHTS, ['i32']] },
    CONT: { cite: vk(18813), copyPairs: [['f32', 'f32'], ['f16', 'f32'], ['bf16', 'f32']] },
    CPY: { cite: vk(18814), copyPairs: [['f32', 'f32'], ['f16', 'f32'], ['bf16', 'f32']] },
    ROPE: { cite: vk(18883), src0ContiguousRows: true, dstContiguousRows: true },
    RMS_NORM: { cite: vk(18891) },
    ADD: { cite: vk(18898), srcTypes: [F, F], dstTypes: F },
    SUB: { cite: vk(18898), srcTypes: [F, F], dstTypes: F },
    MUL: { cite: vk(18898), srcTypes: [F, F], dstTypes: F },
    DIV: { cite: vk(18898), srcTypes: [F, F], dstTypes: F },
    SQR: { cite: vk(18911), srcTypes: [F], sameTypes: true },
    SQRT: { cite: vk(18912), srcTypes: [F], sameTypes: true },
    OPT_STEP_ADAMW: { cite: vk(18919), src0Contiguous: true, srcTypes: [['f32']] },
    LOG: { cite: vk(18926), srcTypes: [F], sameTypes: true },
    CONCAT: { cite: vk(18968), srcTypes: [['f32'], ['f32']], sameTypes: true },
    SCALE: { cite: vk(18979), src0Contiguous: true, srcTypes: [['f32']] },
    SOFT_MAX: { cite: vk(18987), src0Contiguous: true, srcTypes: [['f32'], ['f32', 'f16']] },
    SUM: { cite: vk(18993), src0ContiguousRows: true, srcTypes: [['f32']] },
    SUM_ROWS: { cite: vk(18994), src0ContiguousRows: true, srcTypes: [['f32']] },
  },
};

/** Why `node` would not run on `backend` (null: supported per the table). */
export function unsupportedReason(backend: GpuBackend, node: GraphOp): string | null {
  const rule = GPU_OP_SUPPORT[backend][node.op];
  if (!rule) return `${node.op} is not in ${backend}'s supports_op`;
  const s0 = node.srcs[0];
  const types = `${node.op}(${node.srcs.map((s) => s.type).join(', ')}) -> ${node.type}`;
  if (rule.srcTypes) {
    for (let i = 0; i < rule.srcTypes.length; i++) {
      const allowed = rule.srcTypes[i];
      if (allowed && node.srcs[i] && !allowed.includes(node.srcs[i]!.type)) return `${types}: src${i} type ${node.srcs[i]!.type} not allowed (${rule.cite})`;
    }
  }
  if (rule.dstTypes && !rule.dstTypes.includes(node.type)) return `${types}: result type not allowed (${rule.cite})`;
  if (rule.copyPairs && s0 && !rule.copyPairs.some(([a, b]) => a === s0.type && b === node.type)) return `${types}: copy pair not allowed (${rule.cite})`;
  if (rule.sameTypes && node.srcs.slice(0, 2).some((s) => s.type !== node.type)) return `${types}: types differ (${rule.cite})`;
  if (rule.src0Contiguous && !s0?.contiguous) return `${types}: src0 not contiguous (${rule.cite})`;
  if (rule.src0ContiguousRows && !s0?.contiguousRows) return `${types}: src0 rows not contiguous (${rule.cite})`;
  if (rule.src0Contiguous1 && !s0?.contiguous1) return `${types}: src0 not contiguous_1 (${rule.cite})`;
  if (rule.src0Contiguous2 && !s0?.contiguous2) return `${types}: src0 not contiguous_2 (${rule.cite})`;
  if (rule.srcsContiguousRows && node.srcs.some((s) => !s.contiguousRows)) return `${types}: a source's rows are not contiguous (${rule.cite})`;
  if (rule.dstContiguousRows && !node.contiguousRows) return `${types}: result rows not contiguous (${rule.cite})`;
  if (rule.ne0Mult256 && s0 && rule.ne0Mult256.includes(s0.type) && s0.ne0 % 256 !== 0) return `${types}: ${s0.type} rows of ${s0.ne0} (needs a multiple of 256, ${rule.cite})`;
  if (rule.sameNe3 && node.srcs[1] && s0 && s0.ne3 !== node.srcs[1].ne3) return `${types}: ne3 differs (${rule.cite})`;
  return null;
}
