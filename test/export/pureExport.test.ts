/**
 * Pure parts of export: path safety and overwrite consent, the Ollama Modelfile
 * (parsed by a small parser here), the model card's evaluation table.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationTable } from '../../main/export/modelCard.js';
import { ollamaCreateCommand, ollamaModelfile, ollamaModelName, templateFamily } from '../../main/export/modelfile.js';
import { planExport, resolveInside, slugify } from '../../main/export/safePath.js';
import { parseModelfile } from './modelfileParser.js';

describe('export path safety', () => {
  it('slugs run names: no separators, no traversal, never empty', () => {
    expect(slugify('../../etc/passwd')).toBe('etc-passwd');
    expect(slugify('My run: GRPO+CLIPO (τ=0.05)')).toBe('My-run-GRPO-CLIPO-0.05');
    expect(slugify('..')).toBe('run');
    expect(slugify('a/b\\c')).toBe('a-b-c');
    expect(slugify('x'.repeat(200))).toHaveLength(64);
  });

  it('refuses targets outside the chosen folder (.., absolute, symlink out)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exp-'));
    expect(resolveInside(dir, 'a/b.gguf')).toBe(join(dir, 'a/b.gguf'));
    expect(() => resolveInside(dir, '../x')).toThrow(/inside/);
    expect(() => resolveInside(dir, 'a/../../x')).toThrow(/inside/);
    expect(() => resolveInside(dir, '/etc/passwd')).toThrow(/inside/);
    expect(() => resolveInside(dir, '')).toThrow();
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    symlinkSync(outside, join(dir, 'link'));
    expect(() => resolveInside(dir, 'link/file')).toThrow(/symbolic link/);
    expect(() => planExport('relative/dir', ['a'], false)).toThrow(/absolute/);
  });

  it('refuses to overwrite without consent, before writing anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exp-'));
    writeFileSync(join(dir, 'README.md'), 'mine');
    expect(() => planExport(dir, ['a.gguf', 'README.md'], false)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(planExport(dir, ['a.gguf', 'README.md'], true).targets).toEqual([join(dir, 'a.gguf'), join(dir, 'README.md')]);
    const fresh = join(dir, 'new', 'nested');
    expect(planExport(fresh, ['x'], false).root).toBe(fresh); // created
    mkdirSync(join(dir, 'sub'));
  });
});

describe('Ollama Modelfile', () => {
  it('parses, names the base and the adapter, carries the chat template and stop tokens', () => {
    const chatml = '{% for m in messages %}<|im_start|>{{ m.role }}...{% endfor %}';
    const family = templateFamily(chatml, 'auto');
    expect(family).toBe('chatml');
    const text = ollamaModelfile({ baseModelPath: '/models/Qwen2.5-0.5B-Instruct-Q8_0.gguf', adapterFile: 'my-run-step59.gguf', family, systemPrompt: 'Be brief.', stop: ['</answer>'] });
    const cmds = parseModelfile(text);
    expect(cmds.filter((c) => c.cmd === 'FROM')).toEqual([{ cmd: 'FROM', args: '/models/Qwen2.5-0.5B-Instruct-Q8_0.gguf' }]);
    expect(cmds.filter((c) => c.cmd === 'ADAPTER')).toEqual([{ cmd: 'ADAPTER', args: './my-run-step59.gguf' }]);
    const tpl = cmds.find((c) => c.cmd === 'TEMPLATE')!.args;
    expect(tpl).toContain('<|im_start|>user\n{{ .Prompt }}<|im_end|>');
    expect(tpl).toContain('<|im_start|>assistant\n');
    expect(cmds.find((c) => c.cmd === 'SYSTEM')!.args).toBe('Be brief.');
    const stops = cmds.filter((c) => c.cmd === 'PARAMETER').map((c) => c.args);
    expect(stops).toEqual(['stop "<|im_end|>"', 'stop "<|im_start|>"', 'stop "</answer>"']);
  });

  it('raw prompts for chatTemplate none / no template; llama3 headers detected', () => {
    expect(templateFamily('<|im_start|>', 'none')).toBe('raw');
    expect(templateFamily(undefined, 'auto')).toBe('raw');
    expect(templateFamily('<|start_header_id|>{{ role }}', 'auto')).toBe('llama3');
    const cmds = parseModelfile(ollamaModelfile({ baseModelPath: '/m.gguf', adapterFile: 'a.gguf', family: 'raw', systemPrompt: '', stop: [] }));
    expect(cmds.map((c) => c.cmd)).toEqual(['FROM', 'ADAPTER', 'TEMPLATE']);
  });

  it('ollama create command: valid model name, quoted path', () => {
    expect(ollamaModelName('My-Run.step59')).toBe('my-run.step59');
    expect(ollamaCreateCommand('my-run', '/tmp/a b/Modelfile')).toBe("ollama create my-run -f '/tmp/a b/Modelfile'");
  });
});

describe('model card evaluation table', () => {
  it('puts base and checkpoints side by side', () => {
    const t = evaluationTable([
      { checkpoint: 'base', dataset: 'tiny-demo', split: 'test', metric: 'pass@1', k: 1, value: 0.2, n: 40 },
      { checkpoint: 19, dataset: 'tiny-demo', split: 'test', metric: 'pass@1', k: 1, value: 0.9, n: 40 },
      { checkpoint: 19, dataset: 'tiny-demo', split: 'test', metric: 'pass@k', k: 4, value: 1, n: 40 },
    ]);
    // Stored checkpoint 19 is "step 20" as people count (the app, `clipo show`).
    expect(t.split('\n')[0]).toBe('| dataset | split | metric | base | step 20 |');
    expect(t).toContain('| tiny-demo | test | pass@1 | 0.2000 (n=40) | 0.9000 (n=40) |');
    expect(t).toContain('| tiny-demo | test | pass@4 | – | 1 (n=40) |');
  });
});
