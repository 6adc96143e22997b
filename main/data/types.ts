// Shapes shared by imports and built-in tasks: every dataset row, whatever its
// source, becomes a TaskRow the trainer can prompt with and verify against.

export interface TaskRow {
  /** Stable id: the mapped id field, `line-<n>` for imports, `<task>/<split>/<seed>/<index>` for builtins. */
  id: string;
  question: string;
  /** Ground truth as text (the verifier parses it; numbers are stringified). */
  answer: string;
  /** Multiple-choice options, in order (labelled A, B, ... by the prompt builder). */
  choices?: string[];
  split: string;
  meta: Record<string, unknown>;
}

/** Why an input row was skipped. */
export type MalformedReason = 'invalid-json' | 'invalid-csv' | 'missing-field' | 'wrong-type' | 'empty' | 'too-long' | 'invalid-utf8';

export interface MalformedRow {
  /** 1-based line number in the file (for CSV, the line the record starts on). */
  line: number;
  reason: MalformedReason;
  /** Human-readable detail naming the field or the parse error. */
  detail: string;
}

export interface ImportReport {
  /** Non-header records read (including malformed ones and blank lines). */
  total: number;
  imported: number;
  /** Exact count, even when `malformed` is capped. */
  malformedCount: number;
  /** The first `maxReported` malformed rows, in file order. */
  malformed: MalformedRow[];
}

export interface ImportResult {
  rows: TaskRow[];
  report: ImportReport;
}
