/** GGUF reading, writing, dequantisation and tiny-model generation (pure TS, no native code). */
export { readGguf, GgufError, type GgufFile, type GgufTensorInfo } from './readGguf.js';
export { writeGguf, encodeGguf, tensorByteSize, type GgufTensorInput } from './writeGguf.js';
export { inspectGguf, summarizeGguf, llamaCppLoadProblem, type GgufModelSummary } from './inspectGguf.js';
export { inspectGgufIsolated, type IsolatedInspectOptions } from './inspectIsolated.js';
export {
  writeTinyModel, tinyVocab, llama3RopeFactors, type TinyModelOptions, type TinyArch, type TinyWeightType, type TinyMatrix, type Llama3RopeScaling,
} from './writeTinyModel.js';
export { dequantize } from './dequantize.js';
export { GgmlType, GgufValueType, floatToHalf, halfToFloat, type GgufValue, type GgmlTypeName } from './ggufTypes.js';
