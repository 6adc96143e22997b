/**
 * The playground area: a question (free text, or one from the run's own data)
 * answered by the base model and by a checkpoint's adapter side by side, the
 * way a person checks what training changed before exporting. Generation runs
 * in a tool process (main/trainer/playground/playgroundChat.ts), never in this
 * one; its text is relayed as `playground.chunk` events as it arrives. A
 * dataset question's answers are graded with the run's own reward
 * (gradeCompletion, the code behind rewards.test) when each pane finishes.
 * Bounded: maxTokens (≤ 4096 by schema), a per-pane time limit in the tool,
 * and a kill timer here; cancel kills the tool's process group.
 */
import { randomBytes } from 'node:crypto';
import type { ApiEvents, PlaygroundChunk, PlaygroundPrompt } from '../api/contract/index.js';
import { questionText } from '../data/buildMessages.js';
import type { TaskRow } from '../data/types.js';
import { evalDataset } from '../eval/evalDataset.js';
import { parseRecipe } from '../recipes/index.js';
import type { RewardSpec } from '../rl/verifiers/scoreCompletion.js';
import type { Store } from '../store/index.js';
import type { TrainerHandle, TrainerSpawner } from '../trainer/Supervisor.js';
import { isToolMessage, TOOL_ENTRY } from '../trainer/toolProtocol.js';
import type { PlaygroundService } from './createHandlers.js';
import { gradeCompletion } from './rewardsService.js';
import { parseRunId } from './toRunSummary.js';
import { forkToolSpawner } from './toolSpawner.js';

export interface PlaygroundDeps {
  store: Store;
  dbPath: string;
  dataDir: string;
  emit: <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;
  spawn?: TrainerSpawner;
  /** Per-pane generation limit inside the tool (default 120 s); the tool is killed 30 s after it. */
  timeLimitMs?: number;
  /** Sessions at once (each loads the model twice); default 2. */
  maxSessions?: number;
}

const fail = (message: string, code: string, field?: string) => Object.assign(new Error(message), { code, ...(field ? { field } : {}) });
const DEFAULT_PROMPTS = 20;

async function rowsOf(store: Store, runId: number, count: number): Promise<TaskRow[]> {
  const recipe = parseRecipe(JSON.parse(store.runs.get(runId).recipeJson));
  const rows: TaskRow[] = [];
  for await (const r of evalDataset(recipe.data).rows(count)) rows.push(r);
  return rows;
}

export function createPlaygroundService(d: PlaygroundDeps): PlaygroundService & { dispose(): void } {
  const sessions = new Map<string, { h: TrainerHandle; cancel: () => void }>();
  return {
    prompts: async ({ runId, count }): Promise<PlaygroundPrompt[]> => {
      const rows = await rowsOf(d.store, parseRunId(runId), count ?? DEFAULT_PROMPTS);
      return rows.map((r, index) => ({ index, question: questionText(r), answer: r.answer }));
    },

    start: async (args) => {
      const runId = parseRunId(args.runId);
      const run = d.store.runs.get(runId);
      if (sessions.size >= (d.maxSessions ?? 2)) throw fail('another playground answer is still being generated; wait for it or press Stop', 'conflict');
      if (d.store.checkpoints.list(runId).length === 0) {
        throw fail(`run “${run.name}” has no checkpoint yet: the playground compares the base model with a saved adapter, so train until its first checkpoint`, 'not_found');
      }
      let row: TaskRow | null = null;
      if (args.prompt.kind === 'dataset') {
        const rows = await rowsOf(d.store, runId, args.prompt.index + 1);
        row = rows[args.prompt.index] ?? null;
        if (!row) throw fail(`the run's data has ${rows.length} usable questions; pick one of them`, 'invalid_argument', 'prompt.index');
      }
      const question = row ? questionText(row) : (args.prompt as { text: string }).text;
      const recipe = parseRecipe(JSON.parse(run.recipeJson));
      const reward = recipe.reward as RewardSpec;
      const sessionId = randomBytes(8).toString('hex');
      const open = new Set<'base' | 'adapter'>(['base', 'adapter']);
      const emit = (c: Omit<PlaygroundChunk, 'sessionId'>) => d.emit('playground.chunk', { sessionId, ...c });
      const endAll = (finishReason: 'cancelled' | 'error', error?: string) => {
        for (const pane of [...open]) { open.delete(pane); emit({ pane, text: '', done: true, finishReason, ...(error ? { error } : {}) }); }
      };
      const timeLimitMs = d.timeLimitMs ?? 120_000;
      const h = (d.spawn ?? forkToolSpawner())(TOOL_ENTRY);
      let killTimer: NodeJS.Timeout | undefined;
      const finish = () => { clearTimeout(killTimer); sessions.delete(sessionId); };
      // Grades are computed in order, so a pane's done chunk never overtakes its text.
      let queue = Promise.resolve();
      h.onMessage((m) => {
        if (!isToolMessage(m)) return;
        if (m.type === 'chunk') queue = queue.then(() => emit({ pane: m.pane, text: m.text, done: false }));
        else if (m.type === 'paneDone') {
          queue = queue.then(async () => {
            const grade = row ? await gradeCompletion(reward, { completion: m.fullText, answer: row.answer, ...(row.choices ? { choices: row.choices } : {}) }).catch(() => undefined) : undefined;
            if (!open.delete(m.pane)) return;
            emit({ pane: m.pane, text: '', done: true, finishReason: m.finishReason, fullText: m.fullText, tokens: m.tokens, ...(grade ? { grade } : {}) });
          });
        } else if (m.type === 'error') queue = queue.then(() => endAll('error', m.message));
      });
      h.onExit((code, signal) => {
        finish();
        void queue.then(() => endAll(signal === 'SIGKILL' ? 'cancelled' : 'error', signal === 'SIGKILL' ? undefined : `the generator process ended unexpectedly (${signal ?? `exit ${code}`}); try again`));
      });
      h.send({
        type: 'playground', dbPath: d.dbPath, dataDir: d.dataDir, runId, checkpoint: args.checkpoint, question,
        temperature: args.temperature, topP: args.topP ?? 1, maxTokens: args.maxTokens, seed: args.seed ?? 1, timeLimitMs,
      } as never);
      killTimer = setTimeout(() => h.kill('SIGKILL'), timeLimitMs + 30_000);
      sessions.set(sessionId, { h, cancel: () => h.kill('SIGKILL') });
      return { sessionId, question, answer: row?.answer ?? null };
    },

    cancel: ({ sessionId }) => {
      const s = sessions.get(sessionId);
      s?.cancel();
      return { cancelled: s !== undefined };
    },

    dispose: () => { for (const s of sessions.values()) s.cancel(); },
  };
}
