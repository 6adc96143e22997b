import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointDir, readJson, removeStrayRunFiles, writeCheckpointDir, writeJsonSynced } from '../../main/trainer/checkpointFiles.js';

describe('writeCheckpointDir', () => {
  it('renames a complete directory into place and reports its size', async () => {
    const run = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const r = await writeCheckpointDir(run, 5, async (dir) => {
      writeFileSync(join(dir, 'a.bin'), Buffer.alloc(100));
      writeJsonSynced(join(dir, 'trainer.json'), { step: 5 });
    });
    expect(r.path).toBe(checkpointDir(run, 5));
    expect(readdirSync(r.path).sort()).toEqual(['a.bin', 'trainer.json']);
    expect(r.bytes).toBe(100 + readFileSync(join(r.path, 'trainer.json')).length);
    expect(readJson<{ step: number }>(join(r.path, 'trainer.json')).step).toBe(5);
  });
  it('a failure while filling leaves no directory behind (neither final nor temp)', async () => {
    const run = mkdtempSync(join(tmpdir(), 'ckpt-'));
    await expect(writeCheckpointDir(run, 3, async (dir) => {
      writeFileSync(join(dir, 'half'), 'x');
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(existsSync(checkpointDir(run, 3))).toBe(false);
    expect(readdirSync(join(run, 'checkpoints'))).toEqual([]);
  });
  it('removes temp directories left by a killed writer', async () => {
    const run = mkdtempSync(join(tmpdir(), 'ckpt-'));
    await writeCheckpointDir(run, 1, async () => {});
    const stale = join(run, 'checkpoints', 'step-2.tmp-99999');
    writeFileSync(stale, 'partial');
    await writeCheckpointDir(run, 3, async () => {});
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual(['step-1', 'step-3']);
  });
  it('refuses a trainer.json of another format version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    writeFileSync(join(dir, 't.json'), JSON.stringify({ format: 99 }));
    expect(() => readJson(join(dir, 't.json'))).toThrow(/format 99/);
  });
});

describe('removeStrayRunFiles', () => {
  it('removes what a kill at a checkpoint boundary leaves, keeps every referenced checkpoint', async () => {
    const run = mkdtempSync(join(tmpdir(), 'stray-'));
    const kept = await writeCheckpointDir(run, 2, async (dir) => writeFileSync(join(dir, 'engine.state'), 'x'));
    const orphan = await writeCheckpointDir(run, 5, async (dir) => writeFileSync(join(dir, 'engine.state'), 'y')); // renamed, row never written
    mkdirSync(join(run, 'checkpoints', 'step-6.tmp-999')); // killed mid-write
    mkdirSync(join(run, 'adapters'));
    for (const f of ['step-5.gguf', 'step-6.gguf', 'step-7.gguf.tmp']) writeFileSync(join(run, 'adapters', f), 'a');
    const removed = removeStrayRunFiles(run, [kept.path]);
    expect(removed.sort()).toEqual(['adapters/step-5.gguf', 'adapters/step-6.gguf', 'adapters/step-7.gguf.tmp', 'checkpoints/step-5', 'checkpoints/step-6.tmp-999']);
    expect(readdirSync(join(run, 'checkpoints'))).toEqual(['step-2']);
    expect(existsSync(orphan.path)).toBe(false);
    expect(readdirSync(join(run, 'adapters'))).toEqual([]);
    expect(removeStrayRunFiles(run, [kept.path])).toEqual([]);
  });
});
