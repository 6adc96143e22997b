#!/usr/bin/env node
// The `clipo` command. Runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/main/cli/clipo.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('clipo: the app is not built yet; run `npm run build` first');
  process.exit(2);
}
const { main } = await import(entry.href);
const { reportFailure } = await import(new URL('../dist/main/cli/reportFailure.js', import.meta.url).href);
const argv = process.argv.slice(2);
main(argv).then((code) => { process.exitCode = code; }, (err) => {
  process.exitCode = reportFailure(err, argv.includes('--json'));
});
