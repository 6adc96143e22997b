/**
 * Starts trainer processes with Electron's utilityProcess (a Node process the
 * app manages; a native crash or OOM kill there never takes the UI down).
 */
import { utilityProcess } from 'electron';
import type { TrainerSpawner } from '../trainer/Supervisor.js';

export const utilityTrainerSpawner: TrainerSpawner = (entry) => {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Clipo Workbench trainer', stdio: 'inherit' });
  return {
    get pid() { return child.pid; },
    send: (m) => child.postMessage(m),
    onMessage: (cb) => { child.on('message', cb); },
    // utilityProcess reports only an exit code; describeExit words a non-zero code.
    onExit: (cb) => { child.on('exit', (code) => cb(code, null)); },
    kill: () => { child.kill(); },
  };
};
