// Hub datasets that download and map themselves (STYLE §6 registry: one
// shape, an unknown id lists the valid ones). Each names the verifier and the
// prompt suffix a run on it should use, so a user goes from the preset to a
// run without mapping anything. Column names are the datasets' own (checked
// against their dataset cards): openai/gsm8k (question, answer "…#### 72"),
// HuggingFaceH4/MATH-500 (problem, solution, answer, subject, level,
// unique_id), cais/mmlu (question, subject, choices[4], answer 0-3).
import type { DatasetPreset } from '../api/contract/index.js';
import { promptStyles } from './promptStyles.js';

export const datasetPresets = {
  gsm8k: {
    id: 'gsm8k',
    title: 'GSM8K',
    description: 'Grade-school maths word problems (7.5k train, 1.3k test); the ground truth is the number after "####" in the worked answer.',
    repo: 'openai/gsm8k', config: 'main', splits: ['train', 'test'],
    fields: { question: 'question', answer: 'answer', answerFormat: 'gsm8k' },
    verifier: 'gsm8k', suffix: promptStyles.boxed.suffix,
  },
  'math-500': {
    id: 'math-500',
    title: 'MATH-500',
    description: 'The 500 competition problems of "Let\'s Verify Step by Step" (test only); answers are LaTeX, graded as boxed answers.',
    repo: 'HuggingFaceH4/MATH-500', config: 'default', splits: ['test'],
    fields: { question: 'problem', answer: 'answer', id: 'unique_id' },
    verifier: 'boxedMath', suffix: promptStyles.boxed.suffix,
  },
  'mmlu-abstract-algebra': {
    id: 'mmlu-abstract-algebra',
    title: 'MMLU (abstract algebra)',
    description: 'Multiple choice, four options; the answer index becomes its letter (A-D), graded by the multiple-choice verifier.',
    repo: 'cais/mmlu', config: 'abstract_algebra', splits: ['test', 'validation'],
    fields: { question: 'question', answer: 'answer', choices: 'choices', answerFormat: 'choice-index' },
    verifier: 'multipleChoice', suffix: promptStyles.choice.suffix,
  },
} satisfies Record<string, DatasetPreset>;

export type DatasetPresetId = keyof typeof datasetPresets;

export function getDatasetPreset(id: string): DatasetPreset {
  if (!Object.prototype.hasOwnProperty.call(datasetPresets, id)) {
    throw Object.assign(new Error(`unknown dataset preset "${id}"; valid presets: ${Object.keys(datasetPresets).join(', ')}`), { code: 'invalid_argument', field: 'preset' });
  }
  return datasetPresets[id as DatasetPresetId];
}
