/**
 * Starts tool processes (export, evaluation: main/trainer/toolMain.ts) in a
 * process group of their own (detached: setsid), so killing the tool kills
 * everything it started too: kill(-pgid) reaches the whole group (kill(2)).
 * A tool stuck in native code may never run a SIGTERM handler, so a tool that
 * does not finish is killed with SIGKILL.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { TrainerSpawner } from '../trainer/Supervisor.js';

export function forkToolSpawner(execArgv: string[] = []): TrainerSpawner {
  return (entry) => {
    const child: ChildProcess = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, serialization: 'json', detached: process.platform !== 'win32' });
    return {
      get pid() { return child.pid; },
      send: (m) => { if (child.connected) child.send(m); },
      onMessage: (cb) => child.on('message', cb),
      onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
      kill: (s = 'SIGKILL') => {
        if (child.pid !== undefined && process.platform !== 'win32') {
          try { process.kill(-child.pid, s); return; } catch { /* the group is gone; fall through */ }
        }
        child.kill(s);
      },
    };
  };
}
