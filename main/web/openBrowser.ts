/**
 * `npm run web` opens the workbench in the default browser on the tokenised
 * URL (the token travels in the fragment, so only this browser tab gets it).
 * `--no-open` (or CLIPO_NO_OPEN=1, e.g. over SSH) only prints the URL.
 */
import { spawn } from 'node:child_process';

export function shouldOpen(argv: string[], env: NodeJS.ProcessEnv): boolean {
  return !argv.includes('--no-open') && env.CLIPO_NO_OPEN !== '1';
}

/** The platform's "open this URL" command (xdg-open on Linux, open on macOS, start on Windows). */
export function openCommand(url: string, platform: NodeJS.Platform = process.platform): { cmd: string; args: string[] } {
  if (platform === 'darwin') return { cmd: 'open', args: [url] };
  // `start` is a cmd.exe builtin; the empty "" is its window title, so the URL is not taken for one.
  if (platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  return { cmd: 'xdg-open', args: [url] };
}

/** Starts the browser and returns at once; a missing opener only prints a hint (the URL is printed anyway). */
export function openBrowser(url: string): void {
  const { cmd, args } = openCommand(url);
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => console.log(`Could not start a browser (${cmd}); open the URL above yourself.`));
    child.unref();
  } catch {
    console.log(`Could not start a browser (${cmd}); open the URL above yourself.`);
  }
}
