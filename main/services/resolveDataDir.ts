/**
 * Where the workbench keeps its data (settings, run database, models list).
 * CLIPO_DATA_DIR wins; otherwise `<app data>/clipo-workbench`, using the same
 * per-OS base Electron's app.getPath('appData') uses, so the desktop app, web
 * mode and the CLI all see the same runs.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function resolveDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const override = env.CLIPO_DATA_DIR?.trim();
  if (override) return override;
  return join(appDataBase(env, platform), 'clipo-workbench');
}

function appDataBase(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (platform === 'win32') return env.APPDATA || join(homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(homedir(), '.config');
}
