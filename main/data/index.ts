// Public surface of the data layer.
export type { TaskRow, MalformedReason, MalformedRow, ImportReport, ImportResult } from './types.js';
export { getPath } from './getPath.js';
export { mapRecord, type FieldMapping, type MapResult } from './mapRecord.js';
export { importJsonl, type ImportOptions } from './importJsonl.js';
export { importCsv, CsvParser } from './importCsv.js';
export { rngFor, hashKeys, randInt, pick, type Rng } from './rng.js';
export { promptStyles, type PromptStyle, type PromptStyleName } from './promptStyles.js';
export { buildMessages, formatChoices, type ChatMessage } from './buildMessages.js';
export { tasks, getTask, TASK_NAMES, type TaskName } from './tasks/tasks.js';
export { taskRows, type Task } from './tasks/Task.js';
export { arithWord, contentSplit, ARITH_SPLITS, type ArithMeta } from './tasks/arithWord.js';
export { perturbArithWord, PERTURBATIONS, type Perturbation } from './tasks/perturbArithWord.js';
export { tinyDemo, TINY_DEMO_TARGETS } from './tasks/tinyDemo.js';
