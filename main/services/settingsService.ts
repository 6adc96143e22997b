/**
 * settings.get/set, persisted as `<dataDir>/settings.json`. Reads are
 * forgiving (a hand-edited or half-valid file keeps its valid fields and
 * falls back to defaults for the rest, so a typo never bricks the app);
 * writes are strict and atomic (temp file + rename) so a crash mid-write
 * cannot leave a truncated file. Writes are serialised in-process.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Settings } from '../api/contract/index.js';

export interface SettingsService {
  get(): Promise<Settings>;
  set(patch: Partial<Settings>): Promise<Settings>;
}

export const DEFAULT_SETTINGS: Settings = { theme: 'system', threads: 0, backend: 'auto', hfToken: '' };

const fieldSchemas = {
  theme: z.enum(['light', 'dark', 'system']),
  threads: z.number().int().min(0).max(1024),
  backend: z.enum(['auto', 'cpu', 'cuda', 'metal', 'vulkan']),
  hfToken: z.string().max(400),
} satisfies { [K in keyof Settings]: z.ZodType<Settings[K]> };
const settingsSchema: z.ZodType<Settings> = z.object(fieldSchemas);

export const SETTINGS_FILE = 'settings.json';

export function createSettingsService(dataDir: string): SettingsService {
  const file = join(dataDir, SETTINGS_FILE);
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Settings> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        console.warn(`[settings] ${file} is unreadable; using defaults:`, (err as Error).message);
      }
      return { ...DEFAULT_SETTINGS };
    }
    const rec = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const [key, schema] of Object.entries(fieldSchemas)) {
      const parsed = (schema as z.ZodType).safeParse(rec[key]);
      if (parsed.success) out[key] = parsed.data;
    }
    return out as unknown as Settings;
  }

  async function save(patch: Partial<Settings>): Promise<Settings> {
    const next = settingsSchema.parse({ ...(await load()), ...stripUndefined(patch) });
    await mkdir(dataDir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    // 0o600: the file may hold a Hugging Face token.
    await writeFile(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
    return next;
  }

  return {
    get: () => load(),
    set(patch) {
      const result = queue.then(() => save(patch));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
