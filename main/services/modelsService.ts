/**
 * The models area: the local library of GGUF files (rows in the store) with
 * what the header says about each: architecture, size, quantisation, context,
 * chat template, and whether the engine can train it (and why not).
 */
import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import type { ModelInfo } from '../api/contract/index.js';
import { inspectGguf, inspectGgufIsolated, type GgufModelSummary } from '../models/gguf/index.js';
import type { Store } from '../store/index.js';
import type { TrainerSpawner } from '../trainer/Supervisor.js';
import type { ModelsService } from './createHandlers.js';

function dominantType(types: Record<string, number>): string {
  const matrices = Object.entries(types).filter(([t]) => t !== 'F32');
  const pool = matrices.length ? matrices : Object.entries(types);
  return pool.sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

export function describeModel(path: string, id = ''): ModelInfo {
  return toModelInfo(path, id, modelSize(path), inspectGguf(path)); // throws a GgufError with a clear message for corrupt or non-GGUF files
}

/** describeModel with the header read in a child process (bounded time and memory): for paths a user just chose. */
export async function describeModelIsolated(path: string, id = '', spawn?: TrainerSpawner): Promise<ModelInfo> {
  const size = modelSize(path);
  return toModelInfo(path, id, size, await inspectGgufIsolated(path, spawn ? { spawn } : {}));
}

/** The file's size, after checking it is a regular file: checked before any open, since opening a FIFO blocks and a folder or a device is never a model. */
function modelSize(path: string): number {
  let st: Stats;
  try { st = statSync(path); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw Object.assign(new Error(`cannot read ${path}: permission denied`), { code: 'unavailable', field: 'path' });
    throw Object.assign(new Error(`no model file at ${path}`), { code: 'not_found', field: 'path' });
  }
  if (st.isDirectory()) throw Object.assign(new Error(`${path} is a folder; choose a .gguf file inside it`), { code: 'invalid_argument', field: 'path' });
  if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file (a pipe, socket or device); choose a .gguf file`), { code: 'invalid_argument', field: 'path' });
  return st.size;
}

function toModelInfo(path: string, id: string, size: number, s: GgufModelSummary): ModelInfo {
  return {
    id, name: s.name ?? basename(path, '.gguf'), path, arch: s.arch, sizeBytes: size, parameterCount: s.parameterCount,
    quantization: dominantType(s.tensorTypes), contextLength: s.contextLength ?? 0, hasChatTemplate: !!s.chatTemplate,
    supported: s.engineSupported, reason: s.engineUnsupportedReason ?? null,
  };
}

/** The library half of the models area (downloads are modelDownloads.ts). */
export type ModelLibraryService = Pick<ModelsService, 'list' | 'inspect' | 'add' | 'remove'>;

export interface ModelsServiceOptions {
  /** How the header-reading child starts; required in Electron (utilityProcess), execFile of Node otherwise. */
  inspectSpawn?: TrainerSpawner;
}

export function createModelsService(store: Store, o: ModelsServiceOptions = {}): ModelLibraryService {
  // A file the user picked that is not a usable GGUF is their input at fault (invalid_argument), whatever
  // the reader threw; only I/O trouble (E_IO: permissions, a failing disk) is `unavailable`.
  const invalid = (e: unknown) => {
    const code = (e as { code?: unknown }).code;
    const mapped = code === 'not_found' || code === 'unavailable' ? code : code === 'E_IO' ? 'unavailable' : 'invalid_argument';
    const message = e instanceof Error ? e.message : String(e);
    return Object.assign(new Error(message), { code: mapped, field: 'path' });
  };
  return {
    list: () => store.library.models().map((m) => {
      try { return describeModel(m.path, String(m.id)); } catch {
        // The file moved or was deleted since it was added: keep the row, say so.
        return { id: String(m.id), name: m.name, path: m.path, arch: m.arch, sizeBytes: m.sizeBytes, parameterCount: m.nParams ?? 0,
          quantization: m.quant ?? 'unknown', contextLength: 0, hasChatTemplate: false, supported: false, reason: 'the file is missing or unreadable' };
      }
    }),
    // An untrusted path: read in a child process, so a FIFO or a crafted header cannot stall or exhaust this one.
    inspect: async ({ path }) => { try { return await describeModelIsolated(path, '', o.inspectSpawn); } catch (e) { throw invalid(e); } },
    // Also untrusted (a path typed in, or a file just downloaded): the header is read in a child process too,
    // so a crafted file cannot take this process's memory or block its event loop (issue 16).
    add: async ({ path }) => {
      let info: ModelInfo;
      try { info = await describeModelIsolated(path, '', o.inspectSpawn); } catch (e) { throw invalid(e); }
      const existing = store.library.modelByPath(path);
      if (existing) return { ...info, id: String(existing.id) };
      const st = statSync(path);
      const fingerprint = createHash('sha256').update(`${path}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
      const id = store.library.addModel({ path, name: info.name, arch: info.arch, sizeBytes: info.sizeBytes, nParams: info.parameterCount, quant: info.quantization, fingerprint });
      return { ...info, id: String(id) };
    },
    remove: ({ id }) => { store.library.removeModel(Number(id)); return { removed: true as const }; },
  };
}
