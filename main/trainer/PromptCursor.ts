/**
 * Walks a dataset in a seeded order, epoch after epoch, and can be saved and
 * restored (checkpoint `cursor`), so a resumed run sees exactly the prompts an
 * uninterrupted one would have. Pure apart from holding its position.
 */
import { deriveSeed } from './seeds.js';

export interface CursorState { epoch: number; index: number }

export class PromptCursor {
  private order: Uint32Array;
  constructor(private readonly size: number, private readonly seed: number, private state: CursorState = { epoch: 0, index: 0 }) {
    if (size <= 0) throw Object.assign(new Error('the dataset has no usable rows'), { code: 'invalid_argument' });
    this.order = shuffled(size, deriveSeed(seed, state.epoch));
  }

  /** The next `n` row indices (wrapping into a new, reshuffled epoch). */
  take(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.state.index >= this.size) {
        this.state = { epoch: this.state.epoch + 1, index: 0 };
        this.order = shuffled(this.size, deriveSeed(this.seed, this.state.epoch));
      }
      out.push(this.order[this.state.index++]!);
    }
    return out;
  }

  save(): CursorState { return { ...this.state }; }
}

/** Fisher–Yates with a small seeded generator (mulberry32). */
function shuffled(n: number, seed: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = a[i]!; a[i] = a[j]!; a[j] = tmp;
  }
  return a;
}
