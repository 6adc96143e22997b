// Registry of built-in procedural tasks (STYLE §6 registries: one shared
// signature, an unknown name lists the valid ones).
import { arithWord } from './arithWord.js';
import type { Task } from './Task.js';
import { tinyDemo } from './tinyDemo.js';

export const tasks = {
  'arith-word': arithWord,
  'tiny-demo': tinyDemo,
} satisfies Record<string, Task>;

export type TaskName = keyof typeof tasks;

export const TASK_NAMES = Object.keys(tasks) as TaskName[];

export function getTask(name: string): Task {
  if (!Object.prototype.hasOwnProperty.call(tasks, name)) {
    throw new Error(`unknown task "${name}"; valid tasks: ${TASK_NAMES.join(', ')}`);
  }
  return tasks[name as TaskName];
}
