// CSV import with csv-parse (RFC 4180: quoted fields, doubled quotes, line
// breaks inside quotes, CRLF or LF, a UTF-8 BOM), the header row giving the
// keys. Records csv-parse rejects are 'invalid-csv', a record with the wrong
// number of fields is 'wrong-type', each with the line it starts on (see readRecords).
import { importFile, type ImportOptions } from './importFile.js';
import type { FieldMapping } from './mapRecord.js';
import type { ImportResult } from './types.js';

export function importCsv(path: string, mapping: FieldMapping, options: ImportOptions = {}): Promise<ImportResult> {
  return importFile(path, 'csv', mapping, options);
}
