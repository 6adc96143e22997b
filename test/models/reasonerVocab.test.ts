/**
 * The arith-reasoner's tokenizer as llama.cpp (node-llama-cpp 3.21.1) runs it:
 * every task word is one token, every digit its own token, the prompt the build
 * script makes is the one the trainer renders (renderPromptTokens), text
 * round-trips, and prompts and solutions stay short.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Llama, LlamaModel, Token } from 'node-llama-cpp';
import { promptStyles } from '../../main/data/promptStyles.js';
import { arithWord } from '../../main/data/tasks/arithWord.js';
import { PERTURBATIONS, perturbArithWord } from '../../main/data/tasks/perturbArithWord.js';
import type { TaskRow } from '../../main/data/types.js';
import { writeReasonerInit } from '../../main/models/reasoner/reasonerModel.js';
import { REASONER_WORDS, reasonerVocab } from '../../main/models/reasoner/reasonerVocab.js';
import { loadLlama } from '../../main/trainer/rollout/loadLlama.js';
import { renderPromptTokens } from '../../main/trainer/rollout/renderPrompt.js';
import { reasonerTokenizer, rowSolutionText, type ReasonerTokenizer } from '../../main/trainer/reasoner/reasonerTokens.js';

let llama: Llama;
let model: LlamaModel;
let tk: ReasonerTokenizer;
const vocab = reasonerVocab();
beforeAll(async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'reasoner-vocab-')), 'm.gguf');
  writeReasonerInit(path);
  llama = await loadLlama('cpu', 1);
  model = await llama.loadModel({ modelPath: path });
  tk = reasonerTokenizer(model);
}, 120_000);
afterAll(async () => { await model?.dispose(); await llama?.dispose(); });

const rows = (): TaskRow[] => ['train', 'test', 'test-ood'].flatMap((s) => Array.from({ length: 60 }, (_, i) => arithWord.row(2, s, i)))
  .flatMap((r, i) => (i % 6 === 0 ? [r, ...PERTURBATIONS.map((k) => perturbArithWord(r, k, 3))] : [r]));

describe('arith-reasoner tokenizer (llama.cpp SPM)', () => {
  it('builds the same prompt tokens as the trainer (ChatML from the GGUF template, boxed suffix)', () => {
    for (const r of rows().slice(0, 3)) {
      const want = renderPromptTokens(model, { systemPrompt: '', question: r.question, suffix: promptStyles.boxed.suffix }, 'auto');
      expect(tk.prompt(r.question)).toEqual(want);
    }
  }, 60_000);

  it('spells every digit as its own token and every task word as one token; only the newline uses a byte token', () => {
    const nl = vocab.tokens.indexOf('<0x0A>');
    for (const r of rows()) {
      for (const text of [r.question, rowSolutionText(r)]) {
        const ids = model.tokenize(text, false) as number[];
        const pieces = ids.map((t) => vocab.tokens[t]!);
        // digits: exactly the text's digits, one per token, in order
        expect(pieces.filter((p) => /\d/.test(p)).join(''), text).toBe(text.replace(/\D/g, ''));
        expect(pieces.every((p) => !/\d/.test(p) || p.length === 1), pieces.join('|')).toBe(true);
        // words: each maximal run of letters is one token ("▁" + word, or the word after a non-space); "\boxed{" is one piece
        const boxes = pieces.filter((p) => p === '\\boxed{' || p === '▁\\boxed{').length;
        expect(boxes, text).toBe(text.split('\\boxed{').length - 1);
        const words = text.replaceAll('\\boxed{', ' ').match(/[A-Za-z]+/g)!.filter((w) => REASONER_WORDS.includes(w));
        const wordTokens = pieces.map((p) => p.replace(/^▁/, '')).filter((p) => /^[A-Za-z]+$/.test(p) && p.length > 1);
        expect(wordTokens, text).toEqual(words.filter((w) => w.length > 1));
        expect(ids.some((t) => vocab.types[t] === 6 && t !== nl), pieces.join('|')).toBe(false);
        expect(model.detokenize(ids as Token[])).toBe(text);
      }
    }
  });

  it('keeps prompts and worked solutions short (token counts per split)', () => {
    const stats: Record<string, { prompt: number[]; solution: number[] }> = {};
    for (const r of rows()) {
      const s = (stats[r.split] ??= { prompt: [], solution: [] });
      s.prompt.push(tk.prompt(r.question).length);
      s.solution.push(tk.target(rowSolutionText(r)).length);
    }
    for (const [split, s] of Object.entries(stats)) {
      const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
      console.log(`${split}: prompt tokens mean ${mean(s.prompt).toFixed(1)} max ${Math.max(...s.prompt)}; solution tokens mean ${mean(s.solution).toFixed(1)} min ${Math.min(...s.solution)} max ${Math.max(...s.solution)}`);
      expect(Math.max(...s.prompt)).toBeLessThan(80);
      // the demo's completions: roughly 30–100 tokens (issue 15), place-value chains included
      expect(Math.max(...s.solution)).toBeLessThanOrEqual(100);
      expect(mean(s.solution)).toBeGreaterThan(25);
    }
  });
});
