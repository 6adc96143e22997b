// Public surface of the data layer.
export type { TaskRow, MalformedReason, MalformedRow, ImportReport, ImportResult, DataFormat } from './types.js';
export { getPath } from './getPath.js';
export { mapRecord, type FieldMapping, type MapResult } from './mapRecord.js';
export { importFile, ImportCollector, type ImportOptions } from './importFile.js';
export { importJsonl } from './importJsonl.js';
export { importCsv } from './importCsv.js';
export { readRecords, formatOf, DataFileError, DEFAULT_MAX_ROW_BYTES, type RawRecord } from './readRecords.js';
export { columnsOf, type ColumnInfo } from './columnsOf.js';
export { suggestMapping } from './suggestMapping.js';
export { extractAnswer, lastBoxed, ANSWER_FORMATS, type AnswerFormat } from './answerFormats.js';
export { rngFor, hashKeys, randInt, pick, type Rng } from './rng.js';
export { promptStyles, type PromptStyle, type PromptStyleName } from './promptStyles.js';
export { buildMessages, formatChoices, questionText, type ChatMessage } from './buildMessages.js';
export { tasks, getTask, TASK_NAMES, type TaskName } from './tasks/tasks.js';
export { taskRows, type Task } from './tasks/Task.js';
export { arithWord, contentSplit, ARITH_SPLITS, type ArithMeta } from './tasks/arithWord.js';
export { perturbArithWord, PERTURBATIONS, type Perturbation } from './tasks/perturbArithWord.js';
export { tinyDemo, TINY_DEMO_TARGETS } from './tasks/tinyDemo.js';
