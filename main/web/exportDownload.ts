/**
 * Web mode's export download: `POST /api/runs.exportDownload` with JSON
 * `{runId, format, checkpoint?}` (same guard as every API call). The export
 * runs as runs.export into a fresh folder under `<dataDir>/exports-tmp/`, the
 * files are streamed back as one ZIP (main/export/zipWriter.ts) and the folder
 * is removed. A browser has no folder to write into, so this is the web twin of
 * Electron's folder picker. Failures before the first byte are ApiResult JSON,
 * like every API answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import type { ApiResult, ExportResult } from '../api/contract/index.js';
import type { ApiRouter } from '../api/router.js';
import { zodToApiError } from '../api/router.js';
import { writeZip, ZipTooLargeError } from '../export/zipWriter.js';

export const EXPORT_DOWNLOAD_PATH = '/api/runs.exportDownload';

const args = z.strictObject({
  runId: z.string().min(1, 'must not be empty').max(200, 'is too long'),
  format: z.enum(['gguf', 'peft', 'ollama', 'merged-gguf', 'verl']),
  checkpoint: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional(),
});

/** Already-compressed weights gain nothing from deflate: stored, so a big adapter downloads at disk speed. */
const incompressible = (name: string) => /\.(gguf|safetensors|parquet)$/i.test(name);

export async function handleExportDownload(
  body: unknown, res: ServerResponse, o: { dataDir: string; route: ApiRouter },
  send: (status: number, value: ApiResult<never>) => void,
): Promise<void> {
  const parsed = args.safeParse(body);
  if (!parsed.success) return send(200, { ok: false, error: zodToApiError(parsed.error) });
  const dir = join(o.dataDir, 'exports-tmp', randomBytes(8).toString('hex'));
  mkdirSync(dir, { recursive: true });
  try {
    const { runId, format, checkpoint } = parsed.data;
    const r = await o.route('runs.export', { runId, format, outDir: dir, overwrite: true, ...(checkpoint !== undefined ? { checkpoint } : {}) });
    if (!r.ok) return send(200, r as ApiResult<never>);
    const files = (r.value as ExportResult).files.map((f) => ({ path: f, name: relative(dir, f).split(sep).join('/') }));
    const filename = `run-${runId}-${format}${checkpoint === undefined ? '' : `-step${checkpoint + 1}`}.zip`;
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${filename}"`, 'X-Clipo-Files': String(files.length) });
    try {
      await writeZip(res, files, { store: incompressible });
      res.end();
    } catch (err) {
      // Headers are out: the only honest signal left is a broken download.
      console.error('[web] export download failed:', err);
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  } catch (err) {
    if (err instanceof ZipTooLargeError) return send(200, { ok: false, error: { code: 'invalid_argument', message: err.message } });
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
