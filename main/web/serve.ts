/**
 * `npm run web`: the workbench in a browser. Binds 127.0.0.1 only and prints
 * the one URL (with its per-launch token) that can use the API.
 * Port: --port N, else CLIPO_PORT, else 5317; 0 picks a free one. Opens the
 * default browser on that URL unless --no-open (or CLIPO_NO_OPEN=1).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findAppRoot } from '../services/findAppRoot.js';
import { resolveDataDir } from '../services/resolveDataDir.js';
import { openBrowser, shouldOpen } from './openBrowser.js';
import { parsePort } from './parsePort.js';
import { startWebServer } from './startWebServer.js';

async function main(): Promise<void> {
  const port = parsePort(process.argv.slice(2), process.env);
  const appRoot = findAppRoot();
  const dataDir = resolveDataDir();
  const staticDir = join(appRoot, 'dist', 'renderer');
  if (!existsSync(join(staticDir, 'index.html'))) {
    console.warn(`Warning: ${staticDir} has no index.html; run \`npm run build\` first.`);
  }
  const server = await startWebServer({ port, dataDir, staticDir });
  console.log(`Clipo Workbench (web mode): ${server.url}`);
  console.log(`Data folder: ${dataDir}. Press Ctrl+C to stop.`);
  if (shouldOpen(process.argv.slice(2), process.env)) openBrowser(server.url);
  else console.log('(--no-open: open the URL above in your browser.)');
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') console.error(`Port in use: pass --port N (or CLIPO_PORT=N), or --port 0 for any free port.`);
  else console.error(`Clipo Workbench (web mode) failed to start: ${e.message ?? String(err)}`);
  process.exit(1);
});
