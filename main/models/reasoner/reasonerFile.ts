/**
 * Where the committed arith-reasoner GGUF lives (models/reasoner/arith-reasoner.gguf
 * in the repository, rebuilt by `npm run model:reasoner`) and its checksum check:
 * the builtin model name 'arith-reasoner' resolves here, and a file that does not
 * match its committed sha256 (a partial checkout, a Git LFS pointer, an edit) is
 * refused before any trainer loads it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REASONER_GGUF = 'arith-reasoner.gguf';

/**
 * The same path in the app.asar.unpacked folder electron-builder writes next to app.asar (asarUnpack):
 * llama.cpp opens the model natively, and native code cannot read inside the archive. Either separator:
 * on Windows the path reads `C:\Program Files\Clipo\resources\app.asar\models\reasoner` (as main/services/appService.ts does).
 */
export function asarUnpacked(p: string): string {
  return p.replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
}

/** The models/reasoner folder: found from source (main/models/reasoner), from dist/, and unpacked from an Electron app.asar. */
export function reasonerDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '..', '..', '..', 'models', 'reasoner'), resolve(here, '..', '..', '..', '..', 'models', 'reasoner')]
    .flatMap((p) => [asarUnpacked(p), p]);
  const found = candidates.find((p) => existsSync(join(p, REASONER_GGUF)));
  if (!found) throw Object.assign(new Error(`the built-in model arith-reasoner is missing (looked in ${[...new Set(candidates)].join(', ')}); run npm run model:reasoner`), { code: 'not_found', field: 'model.name' });
  return found;
}

/** Path of the committed GGUF after its sha256 matched the committed `.sha256` file. */
export function verifiedReasonerPath(dir = reasonerDir()): string {
  const path = join(dir, REASONER_GGUF);
  const want = readFileSync(`${path}.sha256`, 'utf8').trim().split(/\s+/)[0];
  const got = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (got !== want) {
    throw Object.assign(new Error(`${path} does not match its checksum (sha256 ${got}, expected ${want}): the file is damaged or was changed; restore it from the repository or rebuild it with npm run model:reasoner`),
      { code: 'invalid_argument', field: 'model.name' });
  }
  return path;
}
