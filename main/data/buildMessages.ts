// question (+ choices) -> chat messages, using a prompt style.
import { promptStyles, type PromptStyle, type PromptStyleName } from './promptStyles.js';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** "Options: A. x\nB. y" as in the CLIPO multiple-choice data. */
export function formatChoices(choices: readonly string[]): string {
  if (choices.length > LETTERS.length) throw new Error(`at most ${LETTERS.length} choices, got ${choices.length}`);
  return `Options: ${choices.map((c, i) => `${LETTERS[i]}. ${c}`).join('\n')}`;
}

export function buildMessages(
  row: { question: string; choices?: readonly string[] },
  style: PromptStyleName | PromptStyle = 'boxed',
): ChatMessage[] {
  const s: PromptStyle = typeof style === 'string' ? promptStyles[style] : style;
  const parts = [row.question.trim()];
  if (row.choices && row.choices.length > 0) parts.push(formatChoices(row.choices));
  if (s.suffix) parts.push(s.suffix);
  const messages: ChatMessage[] = [];
  if (s.system) messages.push({ role: 'system', content: s.system });
  messages.push({ role: 'user', content: parts.join('\n\n') });
  return messages;
}

/**
 * The question as the user turn carries it: a multiple-choice row's options
 * follow it ("Options: A. …"), otherwise the model could not answer with a
 * letter. The trainer, the evaluator and the dataset preview all use this.
 */
export function questionText(row: { question: string; choices?: readonly string[] }): string {
  return row.choices && row.choices.length > 0 ? `${row.question.trim()}\n${formatChoices(row.choices)}` : row.question;
}
