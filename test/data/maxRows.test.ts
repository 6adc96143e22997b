// data.maxRows: a run trains on the first N usable rows of its source (every kind), and
// evaluations never inherit the cap (withoutMaxRows).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DATA_ROWS } from '../../main/api/contract/index.js';
import { validateRecipe } from '../../main/recipes/index.js';
import { loadTaskRows, withoutMaxRows } from '../../main/trainer/loadTaskRows.js';

const dir = mkdtempSync(join(tmpdir(), 'clipo-maxrows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const none = () => undefined;

describe('data.maxRows', () => {
  it.each(['train', 'heldout'] as const)('a built-in pool (%s) keeps exactly its first N rows, in order', async (split) => {
    const all = await loadTaskRows({ kind: 'builtin', task: 'arith-word', split }, none);
    const few = await loadTaskRows({ kind: 'builtin', task: 'arith-word', split, maxRows: 48 }, none);
    expect(few).toHaveLength(48);
    expect(few).toEqual(all.slice(0, 48));
    expect(all.length).toBeGreaterThan(48);
    // More than the pool holds is the whole pool, as with a file shorter than maxRows.
    expect(await loadTaskRows({ kind: 'builtin', task: 'arith-word', split, maxRows: 1_000_000 }, none)).toEqual(all);
  });

  it('counts usable rows of a JSONL file: malformed lines are skipped first, then the cap applies', async () => {
    const path = join(dir, 'rows.jsonl');
    const lines = ['{"question":"q1"}', ...[2, 3, 4, 5, 6].map((i) => JSON.stringify({ question: `q${i}`, answer: String(i) }))];
    writeFileSync(path, `${lines.join('\n')}\n`);
    const warnings: string[] = [];
    const rows = await loadTaskRows({ kind: 'jsonl', path, fields: { question: 'question', answer: 'answer' }, maxRows: 3 }, (_l, _k, m) => warnings.push(m));
    expect(rows.map((r) => r.question)).toEqual(['q2', 'q3', 'q4']);
    expect(warnings).toHaveLength(1); // the malformed line is still reported
    const uncapped = await loadTaskRows({ kind: 'jsonl', path, fields: { question: 'question', answer: 'answer' } }, none);
    expect(uncapped).toHaveLength(5);
  });

  it('spans the files of an imported dataset split in order', async () => {
    const a = join(dir, 'a.csv'), b = join(dir, 'b.csv');
    writeFileSync(a, 'question,answer\nqa1,1\nqa2,2\n');
    writeFileSync(b, 'question,answer\nqb1,3\nqb2,4\n');
    const rows = await loadTaskRows({ kind: 'dataset', name: 'two', split: 'train', format: 'csv', files: [a, b], fields: { question: 'question', answer: 'answer' }, maxRows: 3 }, none);
    expect(rows.map((r) => r.question)).toEqual(['qa1', 'qa2', 'qb1']);
  });

  it.each([0, -1, 2.5, MAX_DATA_ROWS + 1, '48'])('a recipe with maxRows %j is refused on data.maxRows', (maxRows) => {
    const v = validateRecipe({ data: { kind: 'builtin', task: 'arith-word', maxRows } });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors.map((e) => e.field)).toContain('data.maxRows');
  });

  it('a valid maxRows survives validation; evaluations drop it', () => {
    const v = validateRecipe({ data: { kind: 'builtin', task: 'arith-word', split: 'heldout', maxRows: 48 } });
    expect(v.ok && v.recipe.data).toEqual({ kind: 'builtin', task: 'arith-word', split: 'heldout', maxRows: 48 });
    expect(withoutMaxRows({ kind: 'builtin', task: 'arith-word', split: 'heldout', maxRows: 48 })).toEqual({ kind: 'builtin', task: 'arith-word', split: 'heldout' });
  });
});
