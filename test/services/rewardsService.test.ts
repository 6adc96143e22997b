/**
 * The rewards API end to end through the router (schema validation included):
 * the registry listing, task defaults, the reward tester, and the recipe's
 * reward validation (one schema for training, evaluation and the tester).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, ApiResult } from '../../main/api/contract/index.js';
import { createRouter } from '../../main/api/router.js';
import { validateRecipe } from '../../main/recipes/index.js';
import { closeRewardSandbox } from '../../main/rewards/quickjsRunner.js';
import { createHandlers } from '../../main/services/createHandlers.js';
import { createRewardsService } from '../../main/services/rewardsService.js';
import { verifiers } from '../../main/rl/verifiers/verifiers.js';

const route = createRouter(createHandlers({
  app: { info: () => { throw new Error('unused'); } } as never,
  settings: {} as never,
  rewards: createRewardsService(),
}));
const ok = <T>(r: ApiResult<unknown>): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value as T;
};
const err = (r: ApiResult<unknown>): ApiErrorBody => {
  if (r.ok) throw new Error('expected an error');
  return r.error;
};
afterAll(() => closeRewardSandbox());

describe('rewards.components', () => {
  it('lists every registry entry with its explanation, defaults and parameter docs', async () => {
    const list = ok<{ name: string; kind: string; summary: string; defaults: object; params: object }[]>(await route('rewards.components', {}));
    expect(list.map((c) => c.name).sort()).toEqual(Object.keys(verifiers).sort());
    const gsm = list.find((c) => c.name === 'gsm8k')!;
    expect(gsm.kind).toBe('answer');
    expect(gsm.defaults).toEqual({ mode: 'flexible', correctReward: 1, incorrectReward: 0 });
    expect(Object.keys(gsm.params).sort()).toEqual(['correctReward', 'incorrectReward', 'mode']);
  });
});

describe('rewards.defaultFor', () => {
  it('each built-in task has its own default; the demo verifier is not the arithmetic one', async () => {
    const demo = ok<{ components: { name: string }[]; explanation: string }>(await route('rewards.defaultFor', { source: { kind: 'builtin', task: 'tiny-demo' } }));
    const arith = ok<{ components: { name: string; params: object }[]; explanation: string }>(await route('rewards.defaultFor', { source: { kind: 'builtin', task: 'arith-word' } }));
    expect(demo.components[0]!.name).toBe('exactMatch');
    expect(arith.components).toEqual([{ name: 'gsm8k', weight: 1, params: { mode: 'strict' } }]);
    expect(arith.explanation).toMatch(/strict/);
  });
  it('a file with choices gets multiple choice; one without gets boxedMath', async () => {
    const mc = ok<{ components: { name: string }[] }>(await route('rewards.defaultFor', { source: { kind: 'jsonl', path: '/x.jsonl', fields: { question: 'q', answer: 'a', choices: 'opts' } } }));
    const math = ok<{ components: { name: string }[] }>(await route('rewards.defaultFor', { source: { kind: 'jsonl', path: '/x.jsonl', fields: { question: 'q', answer: 'a' } } }));
    expect(mc.components[0]!.name).toBe('multipleChoice');
    expect(math.components[0]!.name).toBe('boxedMath');
  });
  it('an imported dataset whose answers were GSM8K-style ("#### N") gets gsm8k in strict mode', async () => {
    const source = { kind: 'dataset', name: 'GSM8K', split: 'train', format: 'parquet', files: ['/d/train.parquet'] };
    const gsm = ok<{ components: { name: string; params: object }[] }>(await route('rewards.defaultFor', { source: { ...source, fields: { question: 'question', answer: 'answer', answerFormat: 'gsm8k' } } }));
    const boxed = ok<{ components: { name: string }[] }>(await route('rewards.defaultFor', { source: { ...source, fields: { question: 'problem', answer: 'solution', answerFormat: 'boxed' } } }));
    expect(gsm.components).toEqual([{ name: 'gsm8k', weight: 1, params: { mode: 'strict' } }]);
    expect(boxed.components[0]!.name).toBe('boxedMath');
  });
});

describe('rewards.test', () => {
  it('returns each component\'s value, reason and extracted answer', async () => {
    const r = ok<{ total: number; correct: boolean; components: { key: string; value: number; reason: string; extracted?: string; weight: number }[] }>(await route('rewards.test', {
      reward: { components: [{ name: 'gsm8k', weight: 1, params: { mode: 'strict' } }, { name: 'format', weight: 0.2 }] },
      completion: 'So she has 94 apples. \\boxed{94}', answer: '9',
    }));
    expect(r.correct).toBe(false);
    expect(r.components[0]).toMatchObject({ key: 'gsm8k', value: 0, reason: 'incorrect (boxed)', extracted: '94', weight: 1 });
    expect(r.components[1]).toMatchObject({ key: 'format', value: 1, reason: 'format ok' });
    expect(r.total).toBeCloseTo(0.2, 12);
  });
  it('runs custom JavaScript in the sandbox, and a looping one scores 0 with a reason', async () => {
    const r = ok<{ total: number; components: { value: number; reason: string }[] }>(await route('rewards.test', {
      reward: { components: [
        { name: 'customJs', weight: 1, params: { code: 'function reward(c, a) { return c.includes(a) ? 1 : 0; }' } },
        { name: 'customJsShaping', weight: 1, params: { code: 'function reward() { while (true) {} }', timeoutMs: 20 } },
      ] },
      completion: 'it is 42', answer: '42',
    }));
    expect(r.components[0]!.value).toBe(1);
    expect(r.components[1]).toMatchObject({ value: 0 });
    expect(r.components[1]!.reason).toMatch(/interrupted/);
    expect(r.total).toBe(1);
  });
  it.each([
    [{ components: [{ name: 'boxd', weight: 1 }] }, 'reward.components.0.name', /unknown reward component "boxd"/],
    [{ components: [{ name: 'gsm8k', weight: 1, params: { mdoe: 'strict' } }] }, 'reward.components.0.params.mdoe', /no parameter "mdoe"/],
    [{ components: [{ name: 'gsm8k', weight: 1, params: { mode: 'loose' } }] }, 'reward.components.0.params.mode', /must be one of strict, flexible/],
    [{ components: [{ name: 'customJs', weight: 1, params: { timeoutMs: 'fast' } }] }, 'reward.components.0.params.timeoutMs', /finite number/],
    [{ components: [] }, 'reward.components', /at least one/],
  ])('rejects an invalid reward spec naming the field (%#)', async (reward, field, message) => {
    const e = err(await route('rewards.test', { reward, completion: 'x', answer: 'y' }));
    expect(e.code).toBe('invalid_argument');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });
});

describe('recipe reward validation (the same schema)', () => {
  it('a recipe with a misspelt parameter is refused with the field', () => {
    const v = validateRecipe({ reward: { components: [{ name: 'boxedMath', weight: 1, params: { multipleBoxes: 'first' } }] } });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors[0]).toEqual({ field: 'reward.components.0.params.multipleBoxes', message: 'boxedMath.multipleBoxes must be one of reject, last' });
  });
  it('every preset\'s reward validates', async () => {
    const { recipePresets } = await import('../../main/recipes/index.js');
    for (const p of recipePresets()) expect(validateRecipe({ reward: p.recipe.reward }).ok, p.id).toBe(true);
  });
});

describe('evaluation grading', () => {
  it('says whose reward grades an evaluation, without user code', async () => {
    const { describeGrading } = await import('../../main/rewards/describeGrading.js');
    expect(describeGrading({ components: [{ name: 'gsm8k', params: { mode: 'strict' } }] }, false)).toBe('gsm8k (mode "strict") (the run\'s own reward)');
    expect(describeGrading({ components: [{ name: 'boxedMath' }, { name: 'customJsShaping', params: { code: 'secret()' } }] }, true))
      .toBe('boxedMath + customJsShaping (chosen for this evaluation)');
  });
  it('runs.evaluate accepts an optional reward override through the same schema', async () => {
    const { apiArgSchemas } = await import('../../main/api/schemas.js');
    const base = { runId: '1', checkpoint: 'latest', dataset: { kind: 'builtin', task: 'arith-word' }, k: 1, temperature: 0 };
    expect(apiArgSchemas['runs.evaluate'].safeParse(base).success).toBe(true);
    expect(apiArgSchemas['runs.evaluate'].safeParse({ ...base, reward: { components: [{ name: 'boxedMath', weight: 1 }] } }).success).toBe(true);
    const bad = apiArgSchemas['runs.evaluate'].safeParse({ ...base, reward: { components: [{ name: 'exactPrefix', weight: 1 }] } });
    expect(bad.success).toBe(false);
  });
});
