/**
 * The `clipo` command as a user runs it (bin/clipo.js over the build output):
 * train a preset with --json (one object per step), list and show runs, and
 * clear errors with the field at fault for a bad recipe.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recipePresets } from '../../main/recipes/index.js';

const BIN = resolve('bin/clipo.js');
const dataDir = mkdtempSync(join(tmpdir(), 'cli-'));
const clipo = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CLIPO_DATA_DIR: dataDir }, timeout: 120_000 });

describe('clipo CLI', () => {
  it('trains the demo with --json, then lists and shows the run', () => {
    expect(existsSync(resolve('dist/main/cli/clipo.js')), 'run `npm run build` first').toBe(true);
    const r = clipo('train', 'demo', '--steps', '4', '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = lines.filter((l) => 'step' in l);
    expect(steps.map((l) => l.step)).toEqual([0, 1, 2, 3]);
    for (const l of steps) {
      expect(l.totalSteps).toBe(4);
      expect(typeof l['reward/mean']).toBe('number');
      expect(typeof l['time/step']).toBe('number');
    }
    const runs = JSON.parse(clipo('runs', '--json').stdout) as { id: string; status: string; step: number }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'finished', step: 4 });
    const show = clipo('show', runs[0]!.id);
    expect(show.stdout).toMatch(/status: finished/);
    // Steps as people count them, like the progress line ("checkpoint after step 4") and the app: stored step 3.
    expect(show.stdout).toMatch(/checkpoints: 4\n/);
    expect(show.stdout).toMatch(/metrics at step 4:/);
    expect(show.stdout).toMatch(/reward\/accuracy/);
    // --checkpoint takes the number `show` lists; one that is not there names the ones that are.
    const out = join(dataDir, 'exported');
    const ok = clipo('export', runs[0]!.id, '--format', 'gguf', '--out', out, '--checkpoint', '4', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    const missing = clipo('export', runs[0]!.id, '--format', 'gguf', '--out', out, '--checkpoint', '3', '--force');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no checkpoint after step 3; checkpoints after steps 4/);
    expect(clipo('export', runs[0]!.id, '--format', 'gguf', '--out', out, '--checkpoint', '0').stderr).toMatch(/--checkpoint must be a step number \(1 or more/);
  });

  it('trains an SFT-only recipe file: sft/loss per step, falling, and the run in the store', () => {
    const file = join(dataDir, 'sft.json');
    writeFileSync(file, JSON.stringify({
      name: 'cli sft', model: { kind: 'builtin', name: 'tiny-demo' }, data: { kind: 'builtin', task: 'tiny-demo' },
      prompt: { chatTemplate: 'none' }, reward: { components: [{ name: 'exactMatch', weight: 1 }] }, lora: { rank: 4, alpha: 8 },
      rollout: { maxTokens: 8 }, // held-out answers are sampled: the tiny model's context is 512 tokens
      sft: { enabled: true, steps: 8, batchSize: 16, lr: 5e-3, evalRows: 8, evalEvery: 4 }, training: { steps: 0, tokenBudget: 1024, checkpointEvery: 4 },
    }));
    const r = clipo('train', file, '--json');
    expect(r.status, r.stderr).toBe(0);
    const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).filter((l) => 'step' in l);
    expect(steps.map((l) => l.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const l of steps) {
      expect(l.totalSteps).toBe(8);
      expect(l['run/phase']).toBe(0);
      expect(l['sft/loss']).toBeGreaterThan(0);
      expect(l['reward/mean']).toBeUndefined();
    }
    expect(steps.at(-1)!['sft/loss']).toBeLessThan(steps[0]!['sft/loss']!);
    expect(typeof steps[3]!['sft/heldoutAccuracy']).toBe('number');
    const runs = JSON.parse(clipo('runs', '--json').stdout) as { name: string; status: string; step: number }[];
    expect(runs.find((x) => x.name === 'cli sft')).toMatchObject({ status: 'finished', step: 8 });
  });

  it('refuses a bad recipe naming the field, and unknown presets listing the valid ones', () => {
    const bad = join(dataDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ optim: { lr: 5 }, lora: { targets: ['q', 'emb'] } }));
    const r = clipo('train', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/optim\.lr/);
    expect(r.stderr).toMatch(/lora\.targets\.1/);
    const p = clipo('train', 'nope');
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/neither a preset \(.*\) nor a readable recipe file/);
    for (const { id } of recipePresets()) expect(p.stderr).toContain(id);
    expect(clipo('show', 'abc').stderr).toMatch(/expected a run id/);
  });
});
