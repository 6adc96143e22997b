/**
 * Starts, steers and watches trainer processes, one per running run. Lives in
 * the main process (or the CLI / web server); never loads native code itself,
 * so a crash or an out-of-memory kill of a trainer leaves it and the database
 * intact. When a trainer dies without saying it finished, its run is marked
 * crashed with the reason, and can be resumed from its last checkpoint.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunStatus } from '../api/contract/index.js';
import { describeExit } from './describeExit.js';
import { isTrainerMessage, type SupervisorToTrainer, type TrainerToSupervisor } from './protocol.js';

/** What the supervisor needs from the run store (a narrow interface, easy to test). */
export interface SupervisorRunStore {
  updateStatus(id: number, status: 'queued' | 'running' | 'paused' | 'finished' | 'crashed' | 'failed' | 'stopped', extra?: { error?: string | null }): void;
  currentStep(id: number): number;
  status(id: number): RunStatus;
}

/** A started trainer: Node's ChildProcess or an adapter around Electron's utilityProcess. */
export interface TrainerHandle {
  readonly pid: number | undefined;
  send(msg: SupervisorToTrainer): void;
  onMessage(cb: (msg: unknown) => void): void;
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
  /** Kills the trainer and everything it started (its process group, where it has one). */
  killTree?(signal: NodeJS.Signals): void;
}
export type TrainerSpawner = (entry: string) => TrainerHandle;

export const TRAINER_ENTRY = fileURLToPath(new URL('./trainerMain.js', import.meta.url));

export function forkSpawner(execArgv: string[] = []): TrainerSpawner {
  return (entry) => {
    // detached: the trainer leads its own process group, so a force stop can kill it and anything it
    // started (kill(-pid)), and a terminal's Ctrl+C reaches only the CLI, which asks the trainer to
    // finish its step; if the CLI dies, the trainer sees the IPC channel close and stops cleanly.
    const child: ChildProcess = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, serialization: 'json', detached: true });
    return {
      get pid() { return child.pid; },
      send: (m) => { if (child.connected) child.send(m, undefined, {}, () => undefined); },
      onMessage: (cb) => child.on('message', cb),
      onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
      kill: (s) => child.kill(s),
      killTree: (s) => killProcessGroup(child.pid, s),
    };
  };
}

/** kill(-pid): the whole group a detached trainer leads; falls back to the process alone (Windows, no group). */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try { process.kill(-pid, signal); return; } catch { /* not a group leader (or Windows) */ }
  try { process.kill(pid, signal); } catch { /* already gone */ }
}

export interface SupervisorOptions {
  dbPath: string;
  dataDir: string;
  store: SupervisorRunStore;
  spawn?: TrainerSpawner;
  entry?: string;
  onMessage?: (runId: number, msg: TrainerToSupervisor) => void;
}

interface Live { handle: TrainerHandle; finished: boolean; forced: boolean; done: Promise<RunStatus> }

export class Supervisor {
  private readonly live = new Map<number, Live>();
  constructor(private readonly opts: SupervisorOptions) {}

  isRunning(runId: number): boolean {
    return this.live.has(runId);
  }

  pid(runId: number): number | undefined {
    return this.live.get(runId)?.handle.pid;
  }

  /** Starts (or resumes) a run's trainer; resolves with the run's final status when the process ends. */
  start(runId: number, resume: boolean): Promise<RunStatus> {
    if (this.live.has(runId)) throw Object.assign(new Error(`run ${runId} is already running`), { code: 'conflict' });
    const handle = (this.opts.spawn ?? forkSpawner())(this.opts.entry ?? TRAINER_ENTRY);
    let resolveDone!: (s: RunStatus) => void;
    const entry: Live = { handle, finished: false, forced: false, done: new Promise((r) => { resolveDone = r; }) };
    this.live.set(runId, entry);
    handle.onMessage((raw) => {
      if (!isTrainerMessage(raw)) return;
      if (raw.type === 'exit') entry.finished = true;
      this.opts.onMessage?.(runId, raw);
    });
    handle.onExit((code, signal) => {
      this.live.delete(runId);
      let status = this.safeStatus(runId);
      if (entry.forced && !entry.finished && status !== 'finished') {
        // A force stop is a stop the user asked for: the steps after the last checkpoint are
        // re-run on resume (prepareResume), nothing before it is lost.
        this.opts.store.updateStatus(runId, 'stopped');
        status = 'stopped';
        this.opts.onMessage?.(runId, { type: 'status', status, error: null });
      } else if (!entry.finished && (status === 'running' || status === 'queued' || status === 'paused')) {
        const error = describeExit(code, signal, this.safeStep(runId));
        this.opts.store.updateStatus(runId, 'crashed', { error });
        status = 'crashed';
        this.opts.onMessage?.(runId, { type: 'status', status, error });
      }
      resolveDone(status);
    });
    handle.send({ type: 'start', runId, dbPath: this.opts.dbPath, dataDir: this.opts.dataDir, resume });
    return entry.done;
  }

  pause(runId: number): void { this.require(runId).handle.send({ type: 'pause' }); }
  resume(runId: number): void { this.require(runId).handle.send({ type: 'resume' }); }
  stop(runId: number, mode: 'finish-step' | 'abandon' = 'finish-step'): void {
    this.require(runId).handle.send({ type: 'stop', mode });
  }

  /**
   * Force stop: kills the trainer's process group now (a trainer stuck in a long
   * synchronous phase never reads a stop message). The run becomes 'stopped';
   * resolves with its final status once the process has exited.
   */
  forceStop(runId: number): Promise<RunStatus> {
    const l = this.require(runId);
    l.forced = true;
    if (l.handle.killTree) l.handle.killTree('SIGKILL');
    else l.handle.kill('SIGKILL');
    return l.done;
  }

  /** Kills every trainer (app quit): their runs become crashed and resumable. */
  async shutdown(): Promise<void> {
    const all = [...this.live.values()];
    for (const l of all) l.handle.send({ type: 'stop', mode: 'finish-step' });
    await Promise.race([Promise.all(all.map((l) => l.done)), new Promise((r) => setTimeout(r, 10_000))]);
    for (const l of this.live.values()) l.handle.kill('SIGKILL');
  }

  private require(runId: number): Live {
    const l = this.live.get(runId);
    if (!l) throw Object.assign(new Error(`run ${runId} is not running`), { code: 'conflict' });
    return l;
  }
  private safeStatus(runId: number): RunStatus {
    try { return this.opts.store.status(runId); } catch { return 'crashed'; }
  }
  private safeStep(runId: number): number {
    try { return this.opts.store.currentStep(runId); } catch { return -1; }
  }
}
