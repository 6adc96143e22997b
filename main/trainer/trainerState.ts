/**
 * Saves and restores everything a run needs to continue exactly where it was:
 * the engine's adapter + AdamW state (engine.state), and in trainer.json the
 * data cursor, the CLIPO head (weights, moments, RNG) and the scatter plot's
 * PCA axes. Written as one atomic checkpoint directory (checkpointFiles.ts).
 */
import { join } from 'node:path';
import type { EngineModel } from '../../engine/index.js';
import { restoreHeadState, serializeHeadState, type ClipoHeadState, type SerializedHeadState } from '../rl/clipo/headState.js';
import { readJson, writeCheckpointDir, writeJsonSynced } from './checkpointFiles.js';
import type { CursorState } from './PromptCursor.js';

export interface TrainerSnapshot {
  step: number;
  cursor: CursorState;
  clipo: ClipoHeadState | null;
  axes: { head: Float64Array | null; pooled: Float64Array | null };
}

interface TrainerJson {
  step: number;
  cursor: CursorState;
  clipo: SerializedHeadState | null;
  axes: { head: number[] | null; pooled: number[] | null };
}

export async function saveCheckpoint(runDir: string, engine: EngineModel, s: TrainerSnapshot): Promise<{ path: string; bytes: number }> {
  return writeCheckpointDir(runDir, s.step, async (dir) => {
    await engine.saveState(join(dir, 'engine.state'));
    const json: TrainerJson = {
      step: s.step, cursor: s.cursor, clipo: s.clipo ? serializeHeadState(s.clipo) : null,
      axes: { head: s.axes.head ? Array.from(s.axes.head) : null, pooled: s.axes.pooled ? Array.from(s.axes.pooled) : null },
    };
    writeJsonSynced(join(dir, 'trainer.json'), json);
  });
}

export async function loadCheckpoint(path: string, engine: EngineModel): Promise<TrainerSnapshot> {
  await engine.loadState(join(path, 'engine.state'));
  const j = readJson<TrainerJson>(join(path, 'trainer.json'));
  return {
    step: j.step, cursor: j.cursor, clipo: j.clipo ? restoreHeadState(j.clipo) : null,
    axes: { head: j.axes.head ? Float64Array.from(j.axes.head) : null, pooled: j.axes.pooled ? Float64Array.from(j.axes.pooled) : null },
  };
}
