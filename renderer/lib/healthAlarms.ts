/** The health checks live in the API contract (shared with the main process, which keeps each run's alarm history). */
export * from '../../main/api/contract/healthAlarms.js';
