/**
 * The ConSPO module shipped in verl bundles (main/export/verl/clipo_conspo.py) against the desktop
 * objective (main/rl/objectives/conspo.ts, the source of truth): on hand-made batches (groups with
 * mixed correctness, an all-wrong group, different lengths, a margin mid-schedule) the Python math gives
 * the same per-token weights, objective and metrics; with torch, replaying verl's update path
 * (driver advantages, balance_batch reordering, data-parallel ranks, micro-batches with dp_actor's
 * loss_scale_factor, FSDP's mean over ranks) gives the same weights as gradients; a 1+1 group matches
 * the closed form of Lemma 2. verl itself is not installed here: the module must import without it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLIPO_CONSPO_PY } from '../../main/export/verl/clipoConspoSource.js';
import { computePolicyWeights } from '../../main/rl/objectives/index.js';
import { conspoMargin } from '../../main/rl/objectives/conspo.js';
import type { RolloutBatch } from '../../main/rl/types.js';
import { BUNDLES, writeBundle } from './verlHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const moduleDir = join(here, '../../main/export/verl');

interface Seq { uid: string; acc: number; logp: number[] }
interface Spec { tau: number; margin: number; alpha: number; totalSteps: number; normalizer: 'all-groups' | 'valid-groups' }
interface PyOut {
  pure: { weights: number[][]; g: number[]; z: number; metrics: Record<string, number>; margin: number };
  torch: { weights: number[][]; metrics: Record<string, number>; padding_grad_max: number } | null;
}

function runPy(py: string, input: object): PyOut {
  const r = spawnSync(py, [join(here, 'verl_conspo_check.py')], { input: JSON.stringify({ module_dir: moduleDir, ...input }), encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PyOut;
}

/** The desktop objective on the same sequences (groups by uid in order of appearance, labels = acc). */
function desktop(seqs: Seq[], spec: Spec, rlStep: number) {
  const uids = [...new Set(seqs.map((s) => s.uid))];
  const off = [0];
  for (const s of seqs) off.push(off.at(-1)! + s.logp.length);
  const logp = Float32Array.from(seqs.flatMap((s) => s.logp));
  const batch: RolloutBatch = {
    tokenOffsets: Int32Array.from(off), logp, oldLogp: logp, advantages: new Float64Array(seqs.length),
    groupIndex: Int32Array.from(seqs.map((s) => uids.indexOf(s.uid))), numGroups: uids.length, labels: Uint8Array.from(seqs.map((s) => s.acc)),
  };
  const res = computePolicyWeights('conspo', batch, { tau: spec.tau, margin: spec.margin, alpha: spec.alpha, normalizer: spec.normalizer },
    { step: rlStep, totalSteps: spec.totalSteps, aggregation: 'token-mean' });
  const w = seqs.map((_, i) => Array.from(res.weights.slice(off[i]!, off[i + 1]!)));
  return { weights: w, objective: res.objective, metrics: res.metrics };
}

/** python3 with torch (Debian python3-torch), else null: the verl-path replay is skipped without one. */
function pythonWithTorch(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 }).status === 0) return py;
  }
  return null;
}
const torchPy = pythonWithTorch();

// Two groups with mixed correctness (2+1 and 1+2), one all-wrong group (g = 0, but it counts in Z_norm
// 'all-groups'), lengths 1–5, uids as verl writes them (uuid strings), sequences interleaved.
const SEQS: Seq[] = [
  { uid: 'a3f1-uuid', acc: 1, logp: [-0.21, -0.05, -1.3] },
  { uid: '7c02-uuid', acc: 0, logp: [-2.4, -0.7] },
  { uid: 'a3f1-uuid', acc: 0, logp: [-1.9, -2.2, -0.4, -3.1, -0.05] },
  { uid: '7c02-uuid', acc: 1, logp: [-0.9] },
  { uid: 'a3f1-uuid', acc: 1, logp: [-0.6, -0.8] },
  { uid: '7c02-uuid', acc: 0, logp: [-0.3, -0.45, -0.2, -1.0] },
  { uid: 'e9d4-uuid', acc: 0, logp: [-1.1, -0.3] },
  { uid: 'e9d4-uuid', acc: 0, logp: [-0.7] },
  { uid: 'e9d4-uuid', acc: 0, logp: [-2.0, -0.1, -0.9] },
];
// τ small enough that the softmax is far from uniform; the margin mid-ramp: rl step 2 of α·T = 5.
const SPEC: Spec = { tau: 0.5, margin: 0.3, alpha: 0.5, totalSteps: 10, normalizer: 'all-groups' };

describe('verl ConSPO module (clipo_conspo.py) vs the desktop objective', () => {
  it('the bundle embeds clipo_conspo.py verbatim (node main/export/verl/embedReward.mjs after editing it)', () => {
    expect(CLIPO_CONSPO_PY).toBe(readFileSync(join(moduleDir, 'clipo_conspo.py'), 'utf8'));
  });

  it('margin schedule: verl global_steps N is desktop step N − 1', () => {
    for (const gs of [1, 3, 6, 11]) {
      const out = runPy('python3', { sequences: SEQS, global_steps: gs, spec: SPEC, ranks: 3, micro: [2, 1], permutation: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
      expect(out.pure.margin).toBeCloseTo(conspoMargin(gs - 1, SPEC.totalSteps, SPEC.margin, SPEC.alpha), 12);
    }
  });

  for (const normalizer of ['all-groups', 'valid-groups'] as const) {
    it(`per-token weights, objective and metrics equal the TypeScript objective (${normalizer})`, () => {
      const spec = { ...SPEC, normalizer };
      const ts = desktop(SEQS, spec, 2);
      const out = runPy('python3', { sequences: SEQS, global_steps: 3, spec, ranks: 3, micro: [2, 1], permutation: [4, 0, 8, 2, 6, 1, 3, 7, 5] });
      expect(out.pure.z).toBe(normalizer === 'all-groups' ? 3 : 2);
      // not trivially zero: both signs present, the all-wrong group gets nothing
      expect(ts.weights.flat().some((w) => w > 1e-3) && ts.weights.flat().some((w) => w < -1e-3)).toBe(true);
      for (const i of [6, 7, 8]) expect(ts.weights[i]!.every((w) => w === 0)).toBe(true);
      for (let i = 0; i < SEQS.length; i++) {
        for (let t = 0; t < SEQS[i]!.logp.length; t++) expect(Math.abs(out.pure.weights[i]![t]! - ts.weights[i]![t]!), `seq ${i} token ${t}`).toBeLessThan(1e-6);
      }
      expect(Math.abs(out.pure.metrics['conspo/objective']! - ts.objective)).toBeLessThan(1e-6);
      for (const k of ['conspo/margin', 'conspo/validGroups', 'conspo/posProbMean']) expect(Math.abs(out.pure.metrics[k]! - ts.metrics[k]!), k).toBeLessThan(1e-6);
    });
  }

  it('a 1-correct + 1-wrong group matches Lemma 2 in closed form: g = ±(1 − σ((s⁺ − m − s⁻)/τ))', () => {
    const seqs: Seq[] = [{ uid: 'q', acc: 1, logp: [-0.4, -1.0] }, { uid: 'q', acc: 0, logp: [-0.2, -0.3, -0.1] }];
    const spec: Spec = { tau: 0.7, margin: 0.2, alpha: 0.3, totalSteps: 4, normalizer: 'all-groups' };
    const out = runPy('python3', { sequences: seqs, global_steps: 5, spec, ranks: 1, micro: [1, 1], permutation: [1, 0] }); // past the ramp: m = M
    const sPos = -0.7;
    const sNeg = -0.2;
    const g = 1 - 1 / (1 + Math.exp(-((sPos - 0.2 - sNeg) / 0.7)));
    expect(Math.abs(out.pure.weights[0]![0]! - g / 2)).toBeLessThan(1e-12);
    expect(Math.abs(out.pure.weights[1]![2]! + g / 3)).toBeLessThan(1e-12);
    const ts = desktop(seqs, spec, 4);
    expect(Math.abs(ts.weights[0]![1]! - g / 2)).toBeLessThan(1e-6);
    expect(Math.abs(ts.weights[1]![0]! + g / 3)).toBeLessThan(1e-6);
  });

  it.skipIf(!torchPy)('verl\'s update path (driver advantages → balance_batch order → 3 ranks → micro-batches → loss_scale_factor → FSDP mean) applies the desktop weights', () => {
    const ts = desktop(SEQS, SPEC, 2);
    for (const [perm, micro] of [[[4, 0, 8, 2, 6, 1, 3, 7, 5], [2, 1]], [[8, 7, 6, 5, 4, 3, 2, 1, 0], [1, 1, 1]], [[0, 1, 2, 3, 4, 5, 6, 7, 8], [3]]] as const) {
      const out = runPy(torchPy!, { sequences: SEQS, global_steps: 3, spec: SPEC, ranks: 3, micro, permutation: perm });
      expect(out.torch).not.toBeNull();
      expect(out.torch!.padding_grad_max).toBe(0);
      for (let i = 0; i < SEQS.length; i++) {
        for (let t = 0; t < SEQS[i]!.logp.length; t++) expect(Math.abs(out.torch!.weights[i]![t]! - ts.weights[i]![t]!), `seq ${i} token ${t} (${perm})`).toBeLessThan(1e-6);
      }
      expect(Math.abs(out.torch!.metrics['conspo/objective']! - ts.objective)).toBeLessThan(1e-6);
    }
  });

  it.skipIf(!torchPy)('inside an exported bundle, against a stand-in verl with upstream\'s names: registration, driver hooks, resume step, pass-through, loss, config checks', () => {
    const r = BUNDLES.conspo!();
    const root = writeBundle(r, [{ id: 'a', question: 'q?', answer: '1', split: 'train', meta: {} }], []);
    const resume = 40;
    const res = spawnSync(torchPy!, [join(here, 'verl_conspo_glue.py'), root], { input: JSON.stringify({ sequences: SEQS, resume_step: resume }), encoding: 'utf8', timeout: 60_000 });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as {
      registered: { loss: boolean; adv: boolean }; estimator_outside_entry: string; advantages_match: boolean[]; advantages: number[][]; verl_calls: string[];
      metrics_lines: { step: number; data: Record<string, number> }[]; loss: number; loss_expected: number; config_checks: Record<string, string | null>;
    };
    expect(out.registered).toEqual({ loss: true, adv: true });
    expect(out.estimator_outside_entry).toMatch(/python3 -m clipo_conspo/);
    expect(out.advantages_match).toEqual([true, true, true]);
    expect(out.verl_calls).toEqual(['grpo']); // only the other estimator reached verl's own function
    // the bundle's spec (the preset: τ 10, M 0.01, α 0.3 over the run's steps) and the step after a resume
    const spec: Spec = { tau: r.algorithm.conspo.tau, margin: r.algorithm.conspo.margin, alpha: r.algorithm.conspo.alpha, totalSteps: r.training.steps, normalizer: 'all-groups' };
    const ts = desktop(SEQS, spec, resume);
    for (let i = 0; i < SEQS.length; i++) {
      for (let t = 0; t < SEQS[i]!.logp.length; t++) expect(Math.abs(out.advantages[i]![t]! / SEQS.length - ts.weights[i]![t]!)).toBeLessThan(1e-6);
      for (let t = SEQS[i]!.logp.length; t < out.advantages[i]!.length; t++) expect(Math.abs(out.advantages[i]![t]!)).toBe(0); // padding
    }
    expect(out.metrics_lines.map((l) => l.step)).toEqual([resume + 1, resume + 3]);
    expect(out.metrics_lines[0]!.data['conspo/margin']).toBeCloseTo(conspoMargin(resume, spec.totalSteps, spec.margin, spec.alpha), 12);
    expect(Math.abs(out.metrics_lines[0]!.data['conspo/objective']! - ts.objective)).toBeLessThan(1e-6);
    expect(Math.abs(out.loss - out.loss_expected)).toBeLessThan(1e-9);
    expect(out.config_checks.ok).toBeNull();
    expect(out.config_checks.two_updates).toMatch(/one optimiser step per rollout batch/);
    expect(out.config_checks.vanilla).toMatch(/runs ConSPO only/);
    expect(out.config_checks.new_engine).toMatch(/legacy fsdp workers/);
  });
});
