// Migration 0130: per-token log-probabilities of each stored completion, for the rollout
// inspector's token view: the sampler's (node-llama-cpp, the distribution the token was drawn
// from) and the trainer's (the engine's π_old on the same tokens). Little-endian Float32, one
// per completion token, aligned with `tokens` (4 bytes per token each: a 512-token completion
// adds 4 KiB). NULL for rows written before this migration, for empty completions, and for SFT
// steps. Columns added in place (no table rebuild: samples is the biggest table).
import type { Migration } from './Migration.js';

export const migration0130: Migration = {
  version: 130,
  name: 'sample-logprobs',
  sql: `
ALTER TABLE samples ADD COLUMN sampler_logp BLOB;
ALTER TABLE samples ADD COLUMN trainer_logp BLOB;
`,
};
