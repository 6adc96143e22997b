// tiny-demo: the smallest task a tiny random-weight model can learn in about a
// minute of CPU RL. The prompt is "Say X" and the answer is X, one character
// from a small set (letters and digits: the demo model's vocabulary is bytes
// and digits). Verified by exact match of the completion's first characters
// (meta.match = 'prefix'). 'test' draws from another seed stream; the space
// is tiny, so test rows repeat train prompts by design: it checks learning,
// not generalisation.
import { pick, rngFor } from '../rng.js';
import { checkSplit, type Task } from './Task.js';

export const TINY_DEMO_TARGETS = ['A', 'B', 'C', 'D', '1', '2', '3', '4'] as const;

export const tinyDemo: Task = {
  name: 'tiny-demo',
  description: 'Say X -> X: single-character answers a tiny model learns in a minute of CPU RL.',
  splits: ['train', 'test'],
  promptStyle: 'plain',
  defaultReward: {
    components: [{ name: 'exactMatch', weight: 1, params: { mode: 'prefix', boundary: false } }],
    explanation: 'The answer is one character, and the tiny model has two tokens: the first characters of the completion must be that character (exactMatch, prefix mode, no boundary check, so a random second token does not matter).',
  },
  row(seed, split, index) {
    checkSplit(this, split);
    const target = pick(rngFor(seed, 'tiny-demo', split, index), TINY_DEMO_TARGETS);
    return { id: `tiny-demo/${split}/${seed}/${index}`, question: `Say ${target}`, answer: target, split, meta: { target, match: 'prefix' } };
  },
};
