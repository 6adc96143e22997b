/**
 * datasets.promptStats: prompt lengths in tokens measured by the chosen model
 * in a tool process (the built toolMain), rendered as training renders them.
 * On the built-in tiny model: one length per usable row, longer questions give
 * more tokens, and the rendered prompt carries the question and the suffix.
 * One tool process only: starting node-llama-cpp is the slow part.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../../main/models/gguf/index.js';
import { createDatasetsService } from '../../main/services/datasetsService.js';
import { findAppRoot } from '../../main/services/findAppRoot.js';
import { createPromptStats } from '../../main/services/promptStatsService.js';
import { Store } from '../../main/store/index.js';
import { TINY_DEMO_MODEL } from '../../main/trainer/resolveModelPath.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-pstats-'));
const store = Store.open(join(dir, 'clipo.db'));
afterAll(() => store.close());

describe('datasets.promptStats', () => {
  it('tokenises each usable row with the model, in a tool process', async () => {
    const modelPath = join(dir, 'tiny.gguf');
    writeTinyModel(modelPath, { ...TINY_DEMO_MODEL });
    const modelId = store.library.addModel({ path: modelPath, name: 'tiny', arch: 'qwen2', sizeBytes: statSync(modelPath).size, fingerprint: 'tiny' });
    const file = join(dir, 'q.jsonl');
    const qs = ['Say A', 'Say A and then say B', 'Say A and then say B and then say C and D'];
    writeFileSync(file, [...qs.map((q) => JSON.stringify({ question: q, answer: 'A' })), '{"question": "no answer"}'].join('\n'));
    const d = await createDatasetsService({ store, dataDir: dir }).importFile({ path: file });
    const stats = createPromptStats({ store, entry: join(findAppRoot(), 'dist', 'main', 'trainer', 'toolMain.js'), timeoutMs: 60_000 });
    const measured = await stats({ id: d.id, split: 'train', modelId: String(modelId), suffix: 'Answer:' });
    expect(measured.rows).toBe(3);
    expect(measured.lengths).toHaveLength(3);
    expect(measured.lengths[0]).toBeLessThan(measured.lengths[1]!);
    expect(measured.lengths[1]).toBeLessThan(measured.lengths[2]!);
    expect(measured.rendered[0]).toContain('Say A\nAnswer:');
    expect(measured.model).toBe('tiny');
    await expect(stats({ id: d.id, split: 'train', modelId: '999' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(stats({ id: d.id, split: 'nope', modelId: String(modelId) })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
