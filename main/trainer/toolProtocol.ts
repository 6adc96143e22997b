/**
 * Messages between the main process and a tool process (toolMain.ts), which
 * runs one export or evaluation with the engine and node-llama-cpp so the UI
 * process never loads native code. Pure (no native imports).
 */
import { fileURLToPath } from 'node:url';
import type { ApiArgs, ExportResult } from '../api/contract/index.js';
import type { Evaluation } from '../store/index.js';
import type { EvaluateOptions } from './eval/evaluateRun.js';

/** evaluateRun's options that are plain data (the store, signal, callbacks and a loaded llama stay on each side). */
export type ToolEvaluateOptions = Omit<EvaluateOptions, 'store' | 'dataDir' | 'signal' | 'onProgress' | 'llama'>;
/** What an evaluation reports back; `rows` for `clipo eval`'s table. */
export interface ToolEvalResult { complete: boolean; problems: number; metrics: Record<string, number>; checkpointStep: number | null; gradedBy?: string; rows?: Evaluation[] }

export const TOOL_ENTRY = fileURLToPath(new URL('./toolMain.js', import.meta.url));

export type ToolJob =
  | { type: 'export'; dbPath: string; dataDir: string; args: Omit<ApiArgs<'runs.export'>, 'runId'> & { runId: number } }
  | { type: 'eval'; dbPath: string; dataDir: string; args: Omit<ApiArgs<'runs.evaluate'>, 'runId'> & { runId: number } }
  /** `clipo eval`: a run's checkpoint or a bare model file, exactly evaluateRun's options minus what cannot cross a process boundary. */
  | { type: 'evaluate'; dbPath: string; dataDir: string; options: ToolEvaluateOptions }
  /** Prompt lengths in tokens with a model's tokenizer and chat template (datasets.promptStats). */
  | { type: 'promptStats'; modelPath: string; chatTemplate: 'auto' | 'none'; prompts: { systemPrompt: string; question: string; suffix: string }[] }
  /** The playground: base vs adapter answers to one question, streamed as `chunk` messages. */
  | { type: 'playground'; dbPath: string; dataDir: string; runId: number; checkpoint: 'latest' | number; question: string;
      temperature: number; topP: number; maxTokens: number; seed: number; timeLimitMs: number };

export type ToolMessage =
  | { type: 'progress'; done: number; total: number | null; correct: number; samples: number }
  | { type: 'result'; value: ExportResult | ToolEvalResult | { lengths: number[]; rendered: string[] } | { checkpointStep: number } }
  | { type: 'error'; message: string; code: string }
  | { type: 'chunk'; pane: 'base' | 'adapter'; text: string }
  | { type: 'paneDone'; pane: 'base' | 'adapter'; finishReason: 'eos' | 'stop' | 'length' | 'time' | 'cancelled'; fullText: string; tokens: number };

export function isToolMessage(m: unknown): m is ToolMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'progress' || t === 'result' || t === 'error' || t === 'chunk' || t === 'paneDone';
}
