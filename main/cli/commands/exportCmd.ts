/** `clipo export <run> --format gguf|peft|ollama|merged-gguf|verl --out DIR [--checkpoint N] [--force]`. */
import { resolve } from 'node:path';
import { storedStep, type ExportFormat } from '../../api/contract/index.js';
import { exportRun } from '../../trainer/export/exportRun.js';
import { CliError } from '../CliError.js';
import type { CliContext } from '../openCliStore.js';

export const EXPORT_FORMATS: ExportFormat[] = ['gguf', 'peft', 'ollama', 'merged-gguf', 'verl'];

export interface ExportCmdOptions { format?: string; out?: string; checkpoint?: string; force: boolean; json: boolean }

export async function exportCmd(ctx: CliContext, runId: number, o: ExportCmdOptions): Promise<number> {
  if (!o.format || !EXPORT_FORMATS.includes(o.format as ExportFormat)) throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (!o.out) throw new CliError('--out DIR is required (the folder to write into)');
  // --checkpoint N: the step as shown ("checkpoint after step N", `clipo show`, the app), stored as N − 1.
  const shown = o.checkpoint === undefined ? undefined : Number(o.checkpoint);
  if (shown !== undefined && (!Number.isSafeInteger(shown) || shown < 1)) throw new CliError('--checkpoint must be a step number (1 or more, as `clipo show` lists them)');
  const checkpoint = shown === undefined ? undefined : storedStep(shown);
  const r = await exportRun({
    store: ctx.store, dataDir: ctx.dataDir, runId, format: o.format as ExportFormat, outDir: resolve(o.out),
    ...(checkpoint !== undefined ? { checkpoint } : {}), overwrite: o.force,
  }).catch((e: unknown) => {
    // The shared message says "allow overwriting"; on the command line that is --force (the app has a checkbox).
    if (e instanceof Error && /allow overwriting$/.test(e.message)) e.message += ' (--force)';
    throw e;
  });
  if (o.json) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`exported run ${runId} as ${o.format}:`);
    for (const f of r.files) console.log(`  ${f}`);
    if (r.command) console.log(`next: ${r.command}`);
  }
  return 0;
}
