// Prompt building: question -> chat messages as plain data.
import { describe, expect, it } from 'vitest';
import { buildMessages, formatChoices } from '../../main/data/buildMessages.js';

describe('buildMessages', () => {
  it('appends the boxed instruction by default', () => {
    expect(buildMessages({ question: 'What is 2+3?' })).toEqual([
      { role: 'user', content: "What is 2+3?\n\nLet's think step by step and output the final answer within \\boxed{}." },
    ]);
  });

  it('plain style is the question alone; a system prompt comes first', () => {
    expect(buildMessages({ question: 'Say A' }, 'plain')).toEqual([{ role: 'user', content: 'Say A' }]);
    expect(buildMessages({ question: 'Q' }, { system: 'You are terse.', suffix: 'Answer:' })).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Q\n\nAnswer:' },
    ]);
  });

  it('lists choices as "Options: A. ..." before the instruction', () => {
    const [m] = buildMessages({ question: 'Pick one.', choices: ['red', 'blue'] }, 'choice');
    expect(m!.content).toBe("Pick one.\n\nOptions: A. red\nB. blue\n\nLet's think step by step and output the letter of the correct option within \\boxed{}.");
    expect(() => formatChoices(Array.from({ length: 27 }, String))).toThrow(/at most 26/);
  });
});
