// Regenerates clipoRewardSource.ts from clipo_reward.py (the bundle ships the Python file, and
// only dist/ is packaged, so the text travels as a TypeScript string). test/export/verlReward.test.ts
// fails when the two differ.  Usage: node main/export/verl/embedReward.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const py = readFileSync(join(here, 'clipo_reward.py'), 'utf8');
writeFileSync(join(here, 'clipoRewardSource.ts'),
  '// Generated from clipo_reward.py by embedReward.mjs; do not edit by hand.\n' +
  `export const CLIPO_REWARD_PY = ${JSON.stringify(py)};\n`);
