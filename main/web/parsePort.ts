/** The web-mode port: `--port N` / `--port=N`, else CLIPO_PORT, else 5317; 0 picks a free port. */
export const DEFAULT_WEB_PORT = 5317;

export function parsePort(argv: string[], env: NodeJS.ProcessEnv): number {
  const flag = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = flag >= 0
    ? (argv[flag]!.includes('=') ? argv[flag]!.split('=')[1] : argv[flag + 1])
    : env.CLIPO_PORT;
  if (raw === undefined || raw === '') return DEFAULT_WEB_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid port "${raw}": use a number from 0 to 65535 (0 picks a free port).`);
  }
  return port;
}
