// `npm run results [-- SPEC.json] [-- --model NAME|file.gguf]`: regenerates docs/RESULTS.md and
// docs/results/figures/*.svg from an experiment spec (default: the shipped experiments/clipo-vs-grpo.json)
// with `clipo experiment`. The runs go to the data folder ($CLIPO_DATA_DIR, else the app's), so the app's
// Compare view shows them; a rerun skips finished runs and evaluations. docs/results/INTRO.md is the
// hand-written setup text placed at the top. Builds the Node code first (incremental).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const spec = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--model') ?? 'experiments/clipo-vs-grpo.json';
const rest = args.filter((a) => a !== spec);
const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, [join(root, 'scripts/build.mjs'), 'node']);
run(process.execPath, [join(root, 'bin/clipo.js'), 'experiment', spec, '--out', 'docs/results', '--results', 'docs/RESULTS.md',
  ...(existsSync(join(root, 'docs/results/INTRO.md')) ? ['--intro', 'docs/results/INTRO.md'] : []), ...rest]);
