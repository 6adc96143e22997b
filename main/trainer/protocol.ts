/**
 * Messages between the supervisor (main process, CLI or web server) and a
 * trainer process. Plain JSON, one run per trainer process.
 */
import type { RunStatus } from '../api/contract/index.js';

export interface TrainerStartMessage {
  type: 'start';
  runId: number;
  dbPath: string;
  dataDir: string;
  /** Continue from the run's last checkpoint instead of step 0. */
  resume: boolean;
}

export type SupervisorToTrainer =
  | TrainerStartMessage
  | { type: 'pause' }
  | { type: 'resume' }
  /** finish-step: end after the current step is written and checkpointed; abandon: drop the step in flight. */
  | { type: 'stop'; mode: 'finish-step' | 'abandon' };

export type TrainerToSupervisor =
  | { type: 'status'; status: RunStatus; error: string | null }
  | { type: 'step'; step: number; totalSteps: number; time: number; metrics: Record<string, number> }
  | { type: 'event'; level: 'info' | 'warn' | 'error'; kind: string; message: string }
  | { type: 'exit'; status: RunStatus; error: string | null };

export function isTrainerMessage(m: unknown): m is TrainerToSupervisor {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string'
    && ['status', 'step', 'event', 'exit'].includes((m as { type: string }).type);
}
