/** `clipo download <owner/repo> <file.gguf>`: fetch a model from Hugging Face (resumable) and add it to the library. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadModel } from '../../models/hub/downloadModel.js';
import { createModelsService } from '../../services/modelsService.js';
import { CliError } from '../CliError.js';
import type { CliContext } from '../openCliStore.js';
import { formatDuration } from '../progressLine.js';

function savedToken(dataDir: string): string | undefined {
  try { return (JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as { hfToken?: string }).hfToken || undefined; } catch { return undefined; }
}

export async function downloadCmd(ctx: CliContext, repo: string | undefined, file: string | undefined, o: { revision?: string; json: boolean }): Promise<number> {
  if (!repo || !file) throw new CliError('usage: clipo download <owner/repo> <file.gguf> [--revision REV]');
  const t0 = Date.now();
  const token = process.env.HF_TOKEN || savedToken(ctx.dataDir);
  let r;
  try {
    r = await downloadModel({
      repo, file, dataDir: ctx.dataDir, ...(o.revision ? { revision: o.revision } : {}), ...(token ? { token } : {}),
      onProgress: (p) => {
        if (o.json || !process.stderr.isTTY) return;
        const pct = p.total ? ` ${((100 * p.received) / p.total).toFixed(1)}%` : '';
        process.stderr.write(`\r${(p.received / 2 ** 20).toFixed(1)} MiB${p.total ? ` of ${(p.total / 2 ** 20).toFixed(1)} MiB` : ''}${pct}  ${formatDuration((Date.now() - t0) / 1000)}   `);
      },
    });
  } catch (e) {
    throw new CliError(`download failed: ${(e as Error).message}`, 1);
  }
  if (process.stderr.isTTY && !o.json) process.stderr.write('\n');
  const info = await createModelsService(ctx.store).add({ path: r.path }) as { id: string; arch: string; supported: boolean; reason: string | null };
  if (o.json) console.log(JSON.stringify({ path: r.path, ...info }));
  else console.log(`${r.alreadyThere ? 'already downloaded' : 'downloaded'}: ${r.path}\nmodel ${info.id}: ${info.arch}${info.supported ? '' : ` (cannot train: ${info.reason})`}`);
  return 0;
}
