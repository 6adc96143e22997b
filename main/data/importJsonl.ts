// JSONL import: one JSON object per line, streamed (files may be larger than
// memory: rows can go to `onRow` instead of being kept). Bad lines are skipped
// and reported with their line number and reason (see importFile).
import { importFile, type ImportOptions } from './importFile.js';
import type { FieldMapping } from './mapRecord.js';
import type { ImportResult } from './types.js';

export { ImportCollector, type ImportOptions } from './importFile.js';

export function importJsonl(path: string, mapping: FieldMapping, options: ImportOptions = {}): Promise<ImportResult> {
  return importFile(path, 'jsonl', mapping, options);
}
