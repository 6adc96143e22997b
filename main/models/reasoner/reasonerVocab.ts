/**
 * The reasoning model's vocabulary (models/reasoner): an SPM ("llama") tokenizer
 * built for the arith-word task, so a prompt and its worked solution are short
 * sequences and every number is spelled one digit per token.
 *
 * - Digits 0–9 are single characters and no piece holds a digit next to anything
 *   else (no "▁3", no "12"): " 36" is "▁", "3", "6", as in Llama's tokenizer, so
 *   the model sees each digit at its place.
 * - Every word of the task's templates, names, items, distractors, worked
 *   solutions and prompt suffix is one piece, with and without the leading "▁"
 *   (a word after a newline or a hyphen has no space before it).
 * - llama.cpp's SPM tokenizer (llm_tokenizer_spm in src/llama-vocab.cpp) merges
 *   adjacent symbols only into pieces that exist, highest score first, so each
 *   word also brings its prefixes ("▁d", "▁do", "▁dol", …). Why merges always
 *   reach the whole word: every multi-character piece is a word prefix (with or
 *   without "▁") and holds only letters after its optional "▁", so once the
 *   word's first symbol is a prefix P, its right neighbour R is a substring of
 *   the same word and P+R is again a prefix of it: the merge exists, whatever
 *   order the scores chose. test/models/reasonerVocab.test.ts checks it on real
 *   prompts with node-llama-cpp.
 * - Operators with their space ("▁*", "▁=", …) and "\boxed{" (with and without
 *   "▁") are single pieces; every other printable ASCII character is a piece;
 *   anything else falls back to the 256 byte tokens.
 * - Specials: <unk>, <s>, </s>, and ChatML's <|im_start|> / <|im_end|> (end of turn).
 */

/** Words of the arith-word task text (templates, entity lists, distractors, solutions, the boxed prompt suffix) and ChatML roles. */
export const REASONER_WORDS: readonly string[] = [
  'A', 'Ava', 'Ben', 'Chloe', 'Diego', 'Each', 'Elena', 'Farid', 'Grace', 'Hiro', 'How', 'In', 'Ines', 'It', 'Jonas', 'Kemi',
  'Let', 'Liam', 'Maya', 'Noor', 'Oscar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara', 'The', 'a', 'ago', 'among', 'and', 'answer',
  'apples', 'at', 'away', 'be', 'bill', 'board', 'book', 'boxed', 'bus', 'buttons', 'buys', 'by', 'candles', 'car', 'cards',
  'change', 'cookies', 'cost', 'cousins', 'day', 'days', 'do', 'does', 'dollar', 'dollars', 'each', 'equally', 'every', 'far',
  'favourite', 'ferry', 'final', 'finish', 'for', 'friend', 'friends', 'game', 'get', 'gets', 'gives', 'has', 'have', 'hour',
  'hours', 'in', 'is', 'it', 'kilometers', 'lamp', 'last', 'left', 'live', 'machine', 'machines', 'make', 'makes', 'many',
  'marbles', 'month', 'nearby', 'needs', 'notebooks', 'now', 'number', 'of', 'old', 'older', 'on', 'opened', 'oranges',
  'output', 'pack', 'packs', 'pages', 'pays', 'pencils', 'per', 'plant', 'rained', 'read', 'reads', 'saves', 'scarf',
  'shares', 'shop', 'spends', 'step', 'stickers', 'such', 'take', 'than', 'that', 'the', 'them', 'then', 'they', 'think',
  'to', 'train', 'travel', 'travels', 'truck', 'wants', 'week', 'weeks', 'who', 'will', 'with', 'within', 'years',
  'user', 'assistant', 'system',
];

/** Multi-character pieces other than words: operators with their space, and the answer box opener. */
const SYMBOL_PIECES = ['▁*', '▁=', '▁+', '▁-', '▁/', '\\boxed{', '▁\\boxed{'];

export const REASONER_SPECIALS = { unk: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4 } as const;

export interface ReasonerVocab { tokens: string[]; scores: number[]; types: number[] }

/** Tokens, scores and types (1 normal, 2 unknown, 3 control, 6 byte), in a fixed order. */
export function reasonerVocab(): ReasonerVocab {
  const tokens: string[] = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types: number[] = [2, 3, 3, 3, 3];
  for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`); types.push(6); }
  const pieces = new Set<string>(['▁']);
  // printable ASCII except the space (written "▁" by SPM)
  for (let c = 0x21; c <= 0x7e; c++) pieces.add(String.fromCharCode(c));
  const withPrefixes = (w: string): void => { for (let k = 2; k <= w.length; k++) pieces.add(w.slice(0, k)); };
  for (const w of REASONER_WORDS) { withPrefixes(`▁${w}`); withPrefixes(w); }
  for (const p of SYMBOL_PIECES) withPrefixes(p);
  for (const p of pieces) {
    if (/\d/.test(p) && p.length > 1) throw new Error(`piece "${p}" holds a digit with something else`);
    tokens.push(p); types.push(1);
  }
  // Longer pieces score higher (the order merges are tried in; any order reaches whole words, see above).
  const scores = tokens.map((t, i) => (types[i] === 1 ? t.length - i / 1e5 : 0));
  return { tokens, scores, types };
}

export const REASONER_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
