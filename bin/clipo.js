#!/usr/bin/env node
// The `clipo` command. Runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/main/cli/clipo.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('clipo: the app is not built yet; run `npm run build` first');
  process.exit(2);
}
const { main } = await import(entry.href);
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  if (err && err.name === 'CliError') { console.error(`clipo: ${err.message}`); process.exitCode = err.exitCode ?? 2; }
  else if (err && err.code) { console.error(`clipo: ${err.message}`); process.exitCode = 2; }
  else { console.error(err); process.exitCode = 1; }
});
