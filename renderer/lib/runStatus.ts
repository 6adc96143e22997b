/**
 * How a run's status reads in the runs list and on the run page. Only a draft
 * (created but never started: Duplicate, or runs.create without start) is
 * renamed; the other statuses read as the API spells them.
 */
import type { RunStatus } from '../../main/api/contract/index.js';

export function statusLabel(status: RunStatus | null): string {
  return status === 'draft' ? 'Draft' : status ?? '';
}
