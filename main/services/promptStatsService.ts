/**
 * datasets.promptStats: the first `limit` usable rows of a dataset split,
 * rendered as training renders them (system prompt, question with its options,
 * suffix, the model's chat template) and tokenised by the chosen model in a
 * tool process (main/trainer/promptStats.ts), so this process never loads
 * native code. Bounded: the tool is stopped after `timeoutMs`.
 */
import { join } from 'node:path';
import type { PromptStats } from '../api/contract/index.js';
import { questionText } from '../data/buildMessages.js';
import { importFile } from '../data/importFile.js';
import type { Store } from '../store/index.js';
import { forkSpawner, type TrainerSpawner } from '../trainer/Supervisor.js';
import { isToolMessage, TOOL_ENTRY } from '../trainer/toolProtocol.js';
import type { DatasetsService } from './createHandlers.js';

export interface PromptStatsDeps { store: Store; spawn?: TrainerSpawner; entry?: string; timeoutMs?: number }

const fail = (message: string, code: string, field?: string) => Object.assign(new Error(message), { code, ...(field ? { field } : {}) });

export function createPromptStats(d: PromptStatsDeps): DatasetsService['promptStats'] {
  return async ({ id, split, modelId, systemPrompt, suffix, limit }): Promise<PromptStats> => {
    const ds = /^\d+$/.test(id) ? d.store.library.dataset(Number(id)) : null;
    if (!ds) throw fail(`no imported dataset ${id}`, 'not_found', 'id');
    const files = ds.splits[split]?.files;
    if (!files) throw fail(`${ds.name} has no split "${split}"; it has ${Object.keys(ds.splits).join(', ')}`, 'invalid_argument', 'split');
    const model = /^\d+$/.test(modelId) ? d.store.library.models().find((m) => m.id === Number(modelId)) : undefined;
    if (!model) throw fail(`no model ${modelId} in the library; add it on the Models page`, 'not_found', 'modelId');
    const n = limit ?? 500;
    const prompts: { systemPrompt: string; question: string; suffix: string }[] = [];
    for (const rel of files) {
      if (prompts.length >= n) break;
      const { rows } = await importFile(join(ds.path, ...rel.split("/")), ds.kind as 'jsonl' | 'csv' | 'parquet', ds.fieldMapping as never, { split, limit: n - prompts.length, maxReported: 0 });
      for (const r of rows) prompts.push({ systemPrompt: systemPrompt ?? '', question: questionText(r), suffix: suffix ?? '' });
    }
    if (prompts.length === 0) throw fail(`no usable rows in ${ds.name}/${split} to measure; check the field mapping`, 'invalid_argument', 'split');
    const value = await new Promise<{ lengths: number[]; rendered: string[] }>((resolve, reject) => {
      const h = (d.spawn ?? forkSpawner())(d.entry ?? TOOL_ENTRY);
      let settled = false;
      const timer = setTimeout(() => { if (!settled) { settled = true; h.kill(); reject(fail('measuring the prompts took too long and was stopped', 'unavailable')); } }, d.timeoutMs ?? 120_000);
      h.onMessage((m) => {
        if (!isToolMessage(m) || settled) return;
        if (m.type === 'result') { settled = true; clearTimeout(timer); resolve(m.value as { lengths: number[]; rendered: string[] }); }
        else if (m.type === 'error') { settled = true; clearTimeout(timer); reject(fail(`cannot tokenise with ${model.name}: ${m.message}`, m.code)); }
      });
      h.onExit((code, signal) => { clearTimeout(timer); if (!settled) { settled = true; reject(fail(`the tokeniser process ended unexpectedly (${signal ?? `exit ${code}`})`, 'internal')); } });
      h.send({ type: 'promptStats', modelPath: model.path, chatTemplate: 'auto', prompts } as never);
    });
    return { model: model.name, lengths: value.lengths, rendered: value.rendered, rows: prompts.length };
  };
}
