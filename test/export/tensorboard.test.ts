// TensorBoard export: the events file is read back by a reader written here from the formats'
// specifications (TFRecord framing, bitwise CRC-32C, a generic protobuf walker), independent of
// main/export/tensorboard, and compared with what the store holds. (TensorBoard and TensorFlow
// are not installed here, so no reference reader runs.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from '../../main/export/tensorboard/crc32c.js';
import { writeTensorBoard } from '../../main/export/tensorboard/writeTensorBoard.js';
import { Store } from '../../main/store/Store.js';

import { crcBitwise, mask, readRecords, text, walk } from './tfeventsReader.js';

let tmp = '';
afterEach(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

describe('CRC-32C', () => {
  it('matches the standard check value and the bitwise definition', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32c(check)).toBe(0xe3069283); // RFC 3720 / the CRC catalogue's "check" for CRC-32C
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
    expect(crc32c(bytes)).toBe(crcBitwise(bytes));
    expect(maskedCrc32c(bytes)).toBe(mask(crcBitwise(bytes)));
  });
});

describe('writeTensorBoard', () => {
  it('writes every finite stored metric of every step, at its step and wall time', () => {
    tmp = mkdtempSync(join(tmpdir(), 'clipo-tb-'));
    const store = Store.open(join(tmp, 'clipo.db'));
    const runId = store.runs.create({ name: 'tb run/1', recipeJson: '{}', totalSteps: 5 });
    const want = new Map<string, number>();
    for (let s = 0; s < 5; s++) {
      const metrics = { 'reward/mean': 0.1 * s + 0.05, 'optim/lr': 1e-4 / (s + 1), 'optim/loss': s === 2 ? NaN : -0.3 * s - 0.1 };
      store.steps.writeStep(runId, { step: s, wallTime: 1.7e9 + 2.5 * s, metrics });
      for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) want.set(`${s}|${k}`, v);
    }
    const out = writeTensorBoard(store, runId, join(tmp, 'logs'));
    expect(readdirSync(join(tmp, 'logs'))).toEqual([`${runId}-tb-run-1`]);
    expect(out.file).toMatch(/events\.out\.tfevents\.\d+\.clipo$/);
    const records = readRecords(new Uint8Array(readFileSync(out.file)));
    // First: the file-version event.
    const head = walk(records[0]!);
    expect(text(head.find((f) => f.field === 3)!.value)).toBe('brain.Event:2');
    const got = new Map<string, number>();
    for (const [i, r] of records.slice(1).entries()) {
      const ev = walk(r);
      const step = Number(ev.find((f) => f.field === 2)?.value ?? 0n);
      expect(step).toBe(i);
      expect(ev.find((f) => f.field === 1)!.value).toBe(1.7e9 + 2.5 * step);
      for (const v of walk(ev.find((f) => f.field === 5)!.value as Uint8Array)) {
        expect(v.field).toBe(1);
        const value = walk(v.value as Uint8Array);
        got.set(`${step}|${text(value.find((f) => f.field === 1)!.value)}`, value.find((f) => f.field === 2)!.value as number);
      }
    }
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, v] of want) expect(got.get(k), k).toBe(Math.fround(v));
    expect(out.scalars).toBe(want.size);
    // A second export into the same folder is refused unless overwriting.
    expect(() => writeTensorBoard(store, runId, join(tmp, 'logs'))).toThrow(/already holds a TensorBoard log/);
    writeFileSync(join(out.dir, 'events.out.tfevents.1.other'), 'x');
    const again = writeTensorBoard(store, runId, join(tmp, 'logs'), { overwrite: true });
    expect(readdirSync(again.dir).filter((f) => f.includes('tfevents'))).toEqual([again.file.split('/').pop()]);
    store.close();
  });
});

describe('clipo runs export-tb', () => {
  it('writes the run into DIR from the command line, and the file reads back as the store holds it', async () => {
    const { spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const { readScalars } = await import('./tfeventsReader.js');
    expect(existsSync(resolve('dist/main/cli/clipo.js')), 'run `npm run build` first').toBe(true);
    tmp = mkdtempSync(join(tmpdir(), 'clipo-tb-cli-'));
    const store = Store.open(join(tmp, 'clipo.db'));
    const runId = store.runs.create({ name: 'cli', recipeJson: '{}', totalSteps: 3 });
    for (let s = 0; s < 3; s++) store.steps.writeStep(runId, { step: s, wallTime: 1.75e9 + s, metrics: { 'reward/mean': 0.25 * s + 0.125 } });
    store.close();
    const r = spawnSync(process.execPath, [resolve('bin/clipo.js'), 'runs', 'export-tb', String(runId), join(tmp, 'tb'), '--json'],
      { encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: tmp }, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; steps: number };
    expect(out.steps).toBe(3);
    const { version, scalars } = readScalars(new Uint8Array(readFileSync(out.file)));
    expect(version).toBe('brain.Event:2');
    expect([...scalars.entries()]).toEqual([0, 1, 2].map((s) => [`${s}|reward/mean`, 0.25 * s + 0.125]));
    // A missing folder argument is a clear error, not a crash.
    const bad = spawnSync(process.execPath, [resolve('bin/clipo.js'), 'runs', 'export-tb', String(runId)], { encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: tmp }, timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/needs a run id and a folder/);
  });
});
