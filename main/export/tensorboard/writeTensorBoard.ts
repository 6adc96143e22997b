/**
 * A run's metrics as a TensorBoard log directory: one events file
 * (`events.out.tfevents.<seconds>.clipo`, the name TensorBoard's loader looks
 * for) in `<outDir>/<run-id>-<run-name>/`, so several runs exported into one
 * folder show up as separate runs. One Event per stored step holds every
 * finite metric of that step as a scalar (`simple_value`) tagged with the
 * metric's name, at the step's wall time; a NaN/∞ value (stored as NULL) is
 * left out, as TensorBoard draws a gap for a missing point. Written without
 * TensorFlow: TFRecord framing (tfRecord.ts) around hand-encoded protobufs
 * (eventProto.ts). Written atomically; an existing events file in that
 * folder is replaced only with `overwrite`.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../store/index.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { ExportPathError, makeDirBounded, resolveInside, slugify } from '../safePath.js';
import { fileVersionEvent, scalarEvent } from './eventProto.js';
import { tfRecord } from './tfRecord.js';

export interface TensorBoardExport {
  /** The events file written. */
  file: string;
  /** The run's folder inside outDir (point `tensorboard --logdir` at outDir or at this). */
  dir: string;
  steps: number;
  scalars: number;
}

export function writeTensorBoard(store: Store, runId: number, outDir: string, options: { overwrite?: boolean } = {}): TensorBoardExport {
  const run = store.runs.get(runId);
  const rows = store.metrics.latest(runId, -1); // every step, oldest first (LIMIT -1: no limit)
  makeDirBounded(outDir);
  const dir = resolveInside(outDir, `${runId}-${slugify(run.name)}`);
  makeDirBounded(dir);
  const old = readdirSync(dir).filter((f) => f.includes('tfevents'));
  if (old.length && !options.overwrite) {
    throw new ExportPathError(`${dir} already holds a TensorBoard log (${old[0]}); choose another folder or allow overwriting`, 'conflict');
  }
  const start = rows[0]?.wallTime ?? Date.now() / 1000;
  const records: Uint8Array[] = [tfRecord(fileVersionEvent(start))];
  let scalars = 0;
  for (const r of rows) {
    const values = Object.entries(r.metrics)
      .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    if (!values.length) continue;
    scalars += values.length;
    records.push(tfRecord(scalarEvent(r.wallTime, r.step, values)));
  }
  const bytes = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let off = 0;
  for (const r of records) { bytes.set(r, off); off += r.length; }
  const file = resolveInside(dir, `events.out.tfevents.${Math.floor(start)}.clipo`);
  writeFileAtomic(file, bytes);
  for (const f of old) if (join(dir, f) !== file) rmSync(join(dir, f), { force: true });
  return { file, dir, steps: rows.length, scalars };
}
