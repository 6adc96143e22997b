/**
 * The desktop app's file and folder pickers (datasets.pickFile, models.pickFile,
 * runs.pickFolder): the system open dialog, injected (`OpenDialog`, Electron's
 * `dialog.showOpenDialog` in main.ts, a fake in tests), so the renderer never
 * types a path. What the dialog returns is checked before any service sees it:
 * an absolute path, no NUL, and for a file the kind's extension (the dialog's
 * filter is only a hint: GTK's location bar accepts any typed path). A cancelled
 * dialog is `null` (the API's `{ path: null }`); a refused path is a typed
 * `invalid_argument` error that says what to choose.
 */
import { isAbsolute } from 'node:path';

/** The subset of Electron's OpenDialogOptions the pickers use. */
export interface OpenDialogOptions {
  title: string;
  properties: ('openFile' | 'openDirectory' | 'createDirectory')[];
  filters?: { name: string; extensions: string[] }[];
}
export type OpenDialog = (options: OpenDialogOptions) => Promise<{ canceled: boolean; filePaths: string[] }>;

export type PickKind = 'dataset' | 'model' | 'folder';

export const PICKER_OPTIONS: Record<PickKind, OpenDialogOptions> = {
  dataset: {
    title: 'Import a dataset', properties: ['openFile'],
    filters: [{ name: 'Datasets (JSONL, CSV, Parquet)', extensions: ['jsonl', 'ndjson', 'json', 'csv', 'parquet'] }],
  },
  model: { title: 'Add a GGUF model', properties: ['openFile'], filters: [{ name: 'GGUF models', extensions: ['gguf'] }] },
  folder: { title: 'Export into this folder', properties: ['openDirectory', 'createDirectory'] },
};

const refused = (message: string) => Object.assign(new Error(message), { code: 'invalid_argument', field: 'path' });

/** The chosen path, or null when cancelled; throws a typed error for a path the kind cannot use. */
export async function pick(dialog: OpenDialog, kind: PickKind): Promise<string | null> {
  const options = PICKER_OPTIONS[kind];
  const r = await dialog({ ...options, properties: [...options.properties], ...(options.filters ? { filters: options.filters.map((f) => ({ ...f, extensions: [...f.extensions] })) } : {}) });
  const path = r.canceled ? undefined : r.filePaths[0];
  if (path === undefined || path === '') return null;
  if (typeof path !== 'string' || path.includes('\0') || !isAbsolute(path)) throw refused(`The dialog returned an unusable path (${JSON.stringify(String(path)).slice(0, 200)}); choose the ${kind === 'folder' ? 'folder' : 'file'} again.`);
  const extensions = options.filters?.flatMap((f) => f.extensions);
  if (extensions && !extensions.some((e) => path.toLowerCase().endsWith(`.${e}`))) {
    throw refused(kind === 'model'
      ? `${path} is not a .gguf file: choose a GGUF model (convert other formats with llama.cpp first).`
      : `${path} is not a dataset file: choose a ${extensions.map((e) => `.${e}`).join(', ')} file.`);
  }
  return path;
}

/** The two picker hooks createDefaultServices takes (pickFile: datasets; pickPath: models and export folders). */
export function createPickers(dialog: OpenDialog): { pickFile: () => Promise<string | null>; pickPath: (kind: 'model' | 'folder') => Promise<string | null> } {
  return { pickFile: () => pick(dialog, 'dataset'), pickPath: (kind) => pick(dialog, kind) };
}
