import { describe, expect, it } from 'vitest';
import { evalDatasetHint, finishSummary } from '../../main/cli/finishSummary.js';
import { formatDuration, progressLine } from '../../main/cli/progressLine.js';
import { describeExit } from '../../main/trainer/describeExit.js';

describe('progressLine', () => {
  it('shows steps, percent, ETA from this process’s pace, and rewards', () => {
    // 10 steps done in 20 s since step 0 → 2 s/step, 30 steps left → 60 s.
    const line = progressLine({ step: 9, totalSteps: 40, startedAt: 0, firstStep: 0, now: 20_000, reward: 0.25, bestReward: 0.5 }, 8);
    expect(line).toBe('██░░░░░░ 10/40  25%  ETA 1:00  reward 0.250 (best 0.500)  2.00 s/step');
  });
  it('an SFT step shows its loss and, when measured, held-out accuracy instead of the reward', () => {
    const base = { step: 4, totalSteps: 10, startedAt: 0, firstStep: 0, now: 5_000, reward: null, bestReward: null };
    expect(progressLine({ ...base, sftLoss: 1.23456, sftHeldoutAccuracy: 0.5 }, 4)).toBe('██░░ 5/10  50%  ETA 0:05  SFT loss 1.235 held-out 0.500  1.00 s/step');
    expect(progressLine({ ...base, sftLoss: 2, sftHeldoutAccuracy: null }, 4)).toContain('SFT loss 2.000  1.00');
  });
  it('on resume, paces only the steps this process ran', () => {
    const line = progressLine({ step: 21, totalSteps: 22, startedAt: 0, firstStep: 20, now: 4_000, reward: null, bestReward: null }, 4);
    expect(line).toContain('22/22 100%  ETA 0:00');
    expect(line).toContain('2.00 s/step');
    expect(line).toContain('reward – (best –)');
  });
  it('shows the mean reward of the last 5 RL steps, and of the first 5 once there are 10', () => {
    const base = { totalSteps: 40, startedAt: 0, firstStep: 0, now: 1_000, bestReward: 0.9 };
    // steps 3..14 (0-based): a resumed or SFT-chained run's RL steps need not start at 0
    const hist = [0.5, 0.6, 0.4, 0.5, 0.5, 0.7, 0.8, 0.6, 0.9, 0.7, 0.8, 0.7].map((reward, i) => ({ step: 3 + i, reward }));
    expect(progressLine({ ...base, step: 6, reward: 0.5, rewardHistory: hist.slice(0, 4) }, 4)).toContain('reward 0.500 (best 0.900)');
    // steps 4–8 (1-based): (0.5 + 0.6 + 0.4 + 0.5 + 0.5) / 5 = 0.5
    expect(progressLine({ ...base, step: 7, reward: 0.5, rewardHistory: hist.slice(0, 5) }, 4)).toContain('reward 0.500 (mean 0.500 over steps 4–8)');
    // last five 0.9, 0.7, 0.8, 0.7 and 0.6 → 0.74 over steps 11–15; first five 0.5 over 4–8
    expect(progressLine({ ...base, step: 14, reward: 0.7, rewardHistory: hist }, 4))
      .toContain('reward 0.700 (mean 0.740 over steps 11–15; 0.500 over 4–8)');
  });
  it('formats durations', () => {
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(NaN)).toBe('--:--');
  });
});

describe('describeExit', () => {
  it('names the likely out-of-memory kill and the step', () => {
    expect(describeExit(null, 'SIGKILL', 12)).toMatch(/SIGKILL\) after step 13.*out of memory/); // stored step 12 is the 13th step
    expect(describeExit(3, null, -1)).toMatch(/code 3 before the first step/);
  });
});

describe('finishSummary', () => {
  const hist = [0.9, 0.4, 0.3, 0.4, 0.6, 0.7, 0.7, 0.8, 0.9, 0.8].map((reward, step) => ({ step, reward }));
  const data = { kind: 'builtin' as const, task: 'arith-word', split: 'heldout' as const, maxRows: 48 };
  it('a finished run: duration, the reward trend, and the next commands with its id', () => {
    const lines = finishSummary({ runId: 7, status: 'finished', seconds: 98, steps: 10, rewardHistory: hist, data });
    expect(lines[0]).toBe('run 7 finished after 1:38 (10 steps in this session)');
    // last five (0.7, 0.7, 0.8, 0.9, 0.8) → 0.78; first five (0.9, 0.4, 0.3, 0.4, 0.6) → 0.52
    expect(lines[1]).toBe('  reward: mean 0.780 over steps 6–10; 0.520 over 1–5');
    expect(lines.join('\n')).toContain('npx clipo eval 7 --dataset arith-word:test --checkpoint base, then without --checkpoint (latest)');
    expect(lines.join('\n')).toContain('npx clipo export 7 --format gguf');
    expect(lines.join('\n')).not.toContain('resume');
  });
  it('a stopped run also says how to continue; a failed one lists no next steps', () => {
    expect(finishSummary({ runId: 3, status: 'stopped', seconds: 5, steps: 1, rewardHistory: [], data }).at(-1)).toBe('  continue:  npx clipo resume 3');
    const failed = finishSummary({ runId: 3, status: 'failed', seconds: 5, steps: 0, rewardHistory: [], data });
    expect(failed).toEqual(['run 3 failed after 0:05 (0 steps in this session)']);
  });
  it('suggests an evaluation set that is not the training data where one is known', () => {
    expect(evalDatasetHint({ kind: 'builtin', task: 'tiny-demo' })).toBe('tiny-demo:test');
    expect(evalDatasetHint({ kind: 'jsonl', path: '/d/train.jsonl', fields: { question: 'q', answer: 'a' } })).toBe('<held-out file>.jsonl');
  });
});
