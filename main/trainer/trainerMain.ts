/**
 * Entry point of a trainer process (child_process.fork in CLI and web mode,
 * utilityProcess in Electron). The only place the engine and node-llama-cpp
 * are loaded, so a native crash or an out-of-memory kill takes down this
 * process alone; the supervisor then marks the run crashed.
 *
 * When the parent (the CLI or the web server) dies, the IPC channel closes:
 * the trainer finishes the step in flight, checkpoints it, marks the run
 * stopped with the reason and exits. It never writes to the closed channel
 * (process.send would emit ERR_IPC_CHANNEL_CLOSED and crash the process).
 */
import { Store } from '../store/index.js';
import { describeFailure, executeRun } from './executeRun.js';
import type { SupervisorToTrainer, TrainerToSupervisor } from './protocol.js';
import { TrainerControl } from './TrainerControl.js';

const control = new TrainerControl();
let started = false;
let parentGone = false;

/** Electron's utilityProcess talks through process.parentPort; a forked child through process.send. */
interface ParentPort { postMessage(m: unknown): void; on(e: 'message', cb: (ev: { data: unknown }) => void): void }
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(m: TrainerToSupervisor): void {
  if (parentPort) { parentPort.postMessage(m); return; }
  if (parentGone || !process.connected || !process.send) return;
  // The callback form reports a channel that closed under us instead of emitting 'error' on process.
  process.send(m, undefined, {}, () => undefined);
}

async function start(m: Extract<SupervisorToTrainer, { type: 'start' }>): Promise<void> {
  let store: Store | null = null;
  try {
    // The supervisor's process checked the database when it opened it; a quick_check per trainer start would repeat it.
    store = Store.open(m.dbPath, { integrityCheck: false });
    await executeRun({ store, runId: m.runId, dataDir: m.dataDir, resume: m.resume, control, send });
  } catch (err) {
    const error = describeFailure(err); // the database could not even be opened
    send({ type: 'status', status: 'failed', error });
    send({ type: 'exit', status: 'failed', error });
  } finally {
    store?.close();
    // Let the IPC channel flush, then leave (native threads must not keep the process alive).
    setTimeout(() => process.exit(0), 50);
  }
}

function onMessage(raw: unknown): void {
  const m = raw as SupervisorToTrainer;
  if (m.type === 'start' && !started) { started = true; void start(m); }
  else if (m.type === 'pause') control.pause();
  else if (m.type === 'resume') control.resume();
  else if (m.type === 'stop') control.stop(m.mode);
}

// A parent that died leaves our stdout/stderr pipes without a reader: EPIPE must not kill the trainer mid-step.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

if (parentPort) parentPort.on('message', (ev) => onMessage(ev.data));
else {
  process.on('message', onMessage);
  process.on('disconnect', () => {
    parentGone = true;
    if (!started) { process.exit(0); return; } // never started: nothing to save
    control.stop('finish-step', 'the process that started this trainer (the CLI or the web server) exited; ' +
      'the run was stopped after its last finished step and can be resumed');
  });
}
