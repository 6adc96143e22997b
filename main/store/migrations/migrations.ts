// The ordered list of schema migrations. Append only: a shipped migration is
// never edited (the schema snapshot test catches that); a change is a new file.
import type { Migration } from './Migration.js';
import { migration0010 } from './0010-models.js';
import { migration0020 } from './0020-datasets.js';
import { migration0030 } from './0030-runs.js';
import { migration0040 } from './0040-steps.js';
import { migration0050 } from './0050-samples.js';
import { migration0060 } from './0060-embeddings.js';
import { migration0070 } from './0070-checkpoints.js';
import { migration0080 } from './0080-evaluations.js';
import { migration0090 } from './0090-events.js';
import { migration0100 } from './0100-run-leases.js';
import { migration0110 } from './0110-imported-datasets.js';
import { migration0120 } from './0120-alarms.js';
import { migration0130 } from './0130-sample-logprobs.js';
import { migration0140 } from './0140-run-notes.js';
import { migration0150 } from './0150-run-drafts.js';

export const migrations: readonly Migration[] = [
  migration0010,
  migration0020,
  migration0030,
  migration0040,
  migration0050,
  migration0060,
  migration0070,
  migration0080,
  migration0090,
  migration0100,
  migration0110,
  migration0120,
  migration0130,
  migration0140,
  migration0150,
];
