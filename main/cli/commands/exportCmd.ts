/** `clipo export <run> --format gguf|peft|ollama|merged-gguf|verl --out DIR [--checkpoint N] [--force]`. */
import { resolve } from 'node:path';
import type { ExportFormat } from '../../api/contract/index.js';
import { exportRun } from '../../trainer/export/exportRun.js';
import { checkpointArg } from '../checkpointArg.js';
import { CliError } from '../CliError.js';
import type { CliContext } from '../openCliStore.js';

export const EXPORT_FORMATS: ExportFormat[] = ['gguf', 'peft', 'ollama', 'merged-gguf', 'verl'];

export interface ExportCmdOptions { format?: string; out?: string; checkpoint?: string; force: boolean; json: boolean }

export async function exportCmd(ctx: CliContext, runId: number, o: ExportCmdOptions): Promise<number> {
  if (!o.format || !EXPORT_FORMATS.includes(o.format as ExportFormat)) throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (!o.out) throw new CliError('--out DIR is required (the folder to write into)');
  const checkpoint = o.checkpoint === undefined ? undefined : checkpointArg(o.checkpoint);
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
