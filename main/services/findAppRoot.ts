/**
 * The folder holding the app's package.json, found by walking up from this
 * file: it is `<root>/main/services` in development and
 * `<root>/dist/main/services` once built (or inside app.asar when packaged).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findAppRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown };
        if (pkg.name === 'clipo-workbench') return dir;
      } catch {
        // An unreadable package.json further down (none expected) is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the clipo-workbench package.json above ${from}`);
    dir = parent;
  }
}
