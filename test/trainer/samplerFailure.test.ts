/**
 * A failure inside the sampler mid-run (here: a prompt too long for the sampler's context, which
 * node-llama-cpp would otherwise answer by silently erasing the prompt's start) fails the step with
 * a clear message; the steps and checkpoints already written stay, and nothing of the failed step is.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipe, recipePresets } from '../../main/recipes/index.js';
import { Store } from '../../main/store/index.js';
import { executeRun } from '../../main/trainer/executeRun.js';
import { PromptCursor } from '../../main/trainer/PromptCursor.js';
import type { TrainerToSupervisor } from '../../main/trainer/protocol.js';
import { TrainerControl } from '../../main/trainer/TrainerControl.js';

describe('sampler failure mid-run', () => {
  it('fails the step with the sampler’s message and keeps every step written before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samplerfail-'));
    const rows = 12, P = 2, seed = 1;
    // the row the cursor draws first at step 2 gets a question far longer than the demo model's 512-token context
    const cursor = new PromptCursor(rows, seed);
    cursor.take(P);
    cursor.take(P);
    const long = cursor.take(P)[0]!;
    const lines = Array.from({ length: rows }, (_, i) => JSON.stringify({ q: i === long ? 'the '.repeat(700) : `Say ${'AB12'[i % 4]}`, a: 'AB12'[i % 4] }));
    writeFileSync(join(dir, 'data.jsonl'), lines.join('\n'));
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const recipe = parseRecipe({ ...demo, data: { kind: 'jsonl', path: join(dir, 'data.jsonl'), fields: { question: 'q', answer: 'a' } },
      rollout: { ...demo.rollout, promptsPerStep: P }, training: { ...demo.training, steps: 4, checkpointEvery: 1, seed } });
    const store = Store.open(join(dir, 'clipo.db'));
    const runId = store.runs.create({ name: 'f', recipeJson: JSON.stringify(recipe), totalSteps: 4 });
    const msgs: TrainerToSupervisor[] = [];
    const out = await executeRun({ store, runId, dataDir: dir, resume: false, control: new TrainerControl(), send: (m) => msgs.push(m) });
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/a prompt of \d+ tokens plus 2 new tokens does not fit the sampler's 512-token context: shorten the prompt or lower rollout.maxTokens/);
    expect(store.runs.get(runId)).toMatchObject({ status: 'failed', error: out.error });
    const steps = store.db.prepare('SELECT step FROM steps WHERE run_id = ? ORDER BY step').all(runId) as { step: number }[];
    expect(steps.map((s) => s.step)).toEqual([0, 1]);
    expect(store.checkpoints.list(runId).map((c) => c.step)).toEqual([0, 1]);
    expect(store.samples.countOfRun(runId)).toBe(2 * P * recipe.rollout.groupSize);
    expect(msgs.at(-1)).toMatchObject({ type: 'exit', status: 'failed' });
    store.close();
  });
});
