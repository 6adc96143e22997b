// The interface of a built-in procedural task: an infinite, indexable,
// deterministic sequence of rows per split. Pure: row(seed, split, i) depends
// on nothing else, so the trainer's data cursor is just (seed, split, index).
import type { TaskRow } from '../types.js';
import type { RewardDefault } from '../../api/contract/index.js';
import type { PromptStyleName } from '../promptStyles.js';

export interface Task {
  readonly name: string;
  readonly description: string;
  readonly splits: readonly string[];
  /** The prompt style the task is meant to be asked with (see promptStyles). */
  readonly promptStyle: PromptStyleName;
  /** The reward that grades this task's answers, and why (the wizard's Reward step shows it). */
  readonly defaultReward: RewardDefault;
  row(seed: number, split: string, index: number): TaskRow;
}

/** `count` consecutive rows starting at `start`. */
export function taskRows(task: Task, seed: number, split: string, count: number, start = 0): TaskRow[] {
  return Array.from({ length: count }, (_, i) => task.row(seed, split, start + i));
}

export function checkSplit(task: Task, split: string): void {
  if (!task.splits.includes(split)) {
    throw new Error(`task ${task.name} has no split "${split}"; valid splits: ${task.splits.join(', ')}`);
  }
}
