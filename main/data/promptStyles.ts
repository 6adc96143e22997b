// Prompt styles: how a question becomes chat messages, as plain data. The chat
// template itself (special tokens) is applied later by the trainer with
// node-llama-cpp, so nothing here knows about a model.

export interface PromptStyle {
  /** Optional system message. */
  system?: string;
  /** Appended to the question after a blank line. */
  suffix?: string;
}

export const promptStyles = {
  /** The CLIPO/verl math instruction (ALGORITHMS.md §5): answer in \boxed{}. */
  boxed: { suffix: "Let's think step by step and output the final answer within \\boxed{}." },
  /** Multiple choice: the verifier compares the option letter. */
  choice: { suffix: "Let's think step by step and output the letter of the correct option within \\boxed{}." },
  /** The question alone (tiny-demo). */
  plain: {},
} satisfies Record<string, PromptStyle>;

export type PromptStyleName = keyof typeof promptStyles;
