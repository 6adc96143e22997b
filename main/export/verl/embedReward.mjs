// Regenerates clipoRewardSource.ts from clipo_reward.py and clipoConspoSource.ts from clipo_conspo.py
// (the bundle ships the Python files, and only dist/ is packaged, so the text travels as a TypeScript
// string). test/export/verlReward.test.ts and verlConspo.test.ts fail when they differ.
// Usage: node main/export/verl/embedReward.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const [py, ts, name] of [['clipo_reward.py', 'clipoRewardSource.ts', 'CLIPO_REWARD_PY'], ['clipo_conspo.py', 'clipoConspoSource.ts', 'CLIPO_CONSPO_PY']]) {
  writeFileSync(join(here, ts),
    `// Generated from ${py} by embedReward.mjs; do not edit by hand.\n` +
    `export const ${name} = ${JSON.stringify(readFileSync(join(here, py), 'utf8'))};\n`);
}
