/** Builds a Supervisor over a Store (the narrow store interface it needs). */
import type { Store } from '../store/index.js';
import { Supervisor, type SupervisorOptions } from '../trainer/Supervisor.js';

export function supervisorFor(store: Store, dbPath: string, dataDir: string, onMessage: SupervisorOptions['onMessage']): Supervisor {
  return new Supervisor({
    dbPath, dataDir, onMessage,
    store: {
      updateStatus: (id, status, extra) => store.runs.updateStatus(id, status, extra),
      currentStep: (id) => store.runs.get(id).currentStep,
      status: (id) => store.runs.get(id).status,
    },
  });
}
