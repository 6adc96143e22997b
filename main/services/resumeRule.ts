/**
 * Which runs may be resumed: one rule for the API (runs.resume) and the CLI
 * (`clipo resume`), so neither restarts a run the other refuses. A finished
 * run has reached its step count and a failed one hit an error that a resume
 * would hit again; both are duplicated to train again.
 */
import type { RunStatus } from '../api/contract/index.js';

export function resumeRefusal(runId: number | string, status: RunStatus): string | null {
  if (status === 'draft') return `run ${runId} is a draft that never started; start it (Start in the workbench, or clipo start ${runId})`;
  if (status === 'finished' || status === 'failed') return `run ${runId} is ${status}; duplicate it to train again`;
  return null;
}
