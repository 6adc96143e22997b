/**
 * Run folders: <dataDir>/runs/<id> holds a run's checkpoints and adapters. A
 * new run must never get an existing folder (a database recreated after it was
 * lost would otherwise start again at id 1, next to run 1's old checkpoints),
 * so run ids start above the highest folder number found here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export function runFolder(dataDir: string, runId: number): string {
  return join(dataDir, 'runs', String(runId));
}

/** 1 + the highest numeric folder name under <dataDir>/runs (1 when there is none). */
export function nextRunFolderId(dataDir: string): number {
  let names: string[] = [];
  try { names = readdirSync(join(dataDir, 'runs')); } catch { return 1; }
  let max = 0;
  for (const n of names) if (/^\d{1,15}$/.test(n)) max = Math.max(max, Number(n));
  return max + 1;
}
