// The wizard's Reward step in Chromium against web mode: each task's default
// reward is shown with its explanation (the arithmetic task is not graded by
// the demo's prefix verifier), a component is edited, and the tester shows
// every component's value and reason as the server's verifiers compute them,
// including a custom JavaScript reward run in the sandbox. No run is started.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRewardSandbox } from '../../main/rewards/quickjsRunner.js';
import { root, startHarness, type Harness } from './harness.js';

const shots = join(root, 'test-results', 'screenshots');
const POLL = { timeout: 30_000, interval: 100 };

let h: Harness;
let page: Page;
let problems: string[];

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  h = await startHarness({ name: 'reward', viewport: { width: 1280, height: 900 } });
  problems = h.problems;
  page = await h.openPage();
}, 120_000);

afterAll(async () => {
  await h?.close();
  await closeRewardSandbox();
});

const resultRow = (key: string) => page.getByTestId('reward-test-results').locator(`tr[data-component="${key}"]`);

describe('Reward step', () => {
  it('shows each task\'s default reward with its explanation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run', exact: true }).click();
    await page.getByRole('button', { name: 'Next: Data' }).click();
    await page.getByRole('button', { name: 'Next: Reward' }).click();
    await expect.poll(() => page.getByTestId('reward-default').textContent(), POLL).toMatch(/Default for tiny-demo.*exactMatch/s);
    // The arithmetic task gets its own verifier, not the demo's prefix match.
    await page.getByRole('button', { name: '2. Data' }).click();
    await page.getByRole('radio', { name: /arith-word/ }).check();
    await page.getByRole('button', { name: 'Next: Reward' }).click();
    await expect.poll(() => page.getByTestId('reward-default').textContent(), POLL).toMatch(/Default for arith-word.*gsm8k \(mode: "strict"\).*94.*never 9/s);
    await expect.poll(() => page.getByRole('group', { name: 'Component 1: gsm8k' }).count(), POLL).toBe(1);
    await expect.poll(() => page.getByTestId('reward-status').textContent(), POLL).toMatch(/uses the default/);
    await page.screenshot({ path: join(shots, 'reward-1-default.png'), fullPage: true });
  });

  it('the tester shows each component\'s value and reason; "94" is not 9', async () => {
    await page.getByLabel('Completion to test').fill('She has 94 apples.\n\\boxed{94}');
    await page.getByLabel('Expected answer').fill('9');
    await page.getByRole('button', { name: 'Test reward' }).click();
    await expect.poll(() => resultRow('gsm8k').textContent(), POLL).toMatch(/0.*incorrect \(boxed\).*94/);
    await expect.poll(() => page.getByTestId('reward-test-results').locator('caption').textContent(), POLL).toMatch(/Total reward 0\.000 · not correct/);
    await page.getByLabel('Completion to test').fill('So the answer is \\boxed{9}.');
    await page.getByRole('button', { name: 'Test reward' }).click();
    await expect.poll(() => resultRow('gsm8k').textContent(), POLL).toMatch(/1.*correct \(boxed\)/);
  });

  it('editing a component changes what the tester and the recipe use', async () => {
    const first = page.getByRole('group', { name: 'Component 1: gsm8k' });
    // Flexible mode reads an unboxed last number; strict did not.
    await page.getByLabel('Completion to test').fill('She pays 9 dollars.');
    await page.getByRole('button', { name: 'Test reward' }).click();
    await expect.poll(() => resultRow('gsm8k').textContent(), POLL).toMatch(/no answer found \(strict/);
    await first.getByLabel('mode').selectOption('flexible');
    await first.getByLabel('Weight').fill('2');
    await first.getByLabel('Weight').blur();
    await expect.poll(() => page.getByTestId('reward-status').textContent(), POLL).toMatch(/reward you edited/);
    await page.getByRole('button', { name: 'Test reward' }).click();
    await expect.poll(() => resultRow('gsm8k').textContent(), POLL).toMatch(/gsm8k\s*2\s*1\s*correct \(last number\)/);
    await expect.poll(() => page.getByTestId('reward-test-results').locator('caption').textContent(), POLL).toMatch(/Total reward 2\.000 · correct/);

    // A custom JavaScript component, scored in the server's sandbox.
    await page.getByRole('button', { name: 'Add component' }).click();
    const second = page.getByRole('group', { name: /Component 2/ });
    await second.getByLabel('Verifier').selectOption('customJsShaping');
    await second.getByLabel('code (JavaScript)').fill('function reward(c, a) { return { value: c.length > 10 ? 0.5 : 0, reason: "long enough: " + (c.length > 10) }; }');
    await second.getByLabel('code (JavaScript)').blur();
    await page.getByRole('button', { name: 'Test reward' }).click();
    await expect.poll(() => resultRow('customJsShaping').textContent(), POLL).toMatch(/0\.5.*long enough: true/);
    await expect.poll(() => page.getByTestId('reward-test-results').locator('caption').textContent(), POLL).toMatch(/Total reward 2\.050/); // 2 × 1 + 0.1 × 0.5
    // A looping one scores 0 with a reason instead of hanging the page.
    await second.getByLabel('code (JavaScript)').fill('function reward() { for (;;) {} }');
    await second.getByLabel('code (JavaScript)').blur();
    await page.getByRole('button', { name: 'Test reward' }).click();
    await expect.poll(() => resultRow('customJsShaping').textContent(), POLL).toMatch(/0.*interrupted/);
    await page.screenshot({ path: join(shots, 'reward-2-tester.png'), fullPage: true });

    // The edited reward is what the run will use.
    await page.getByRole('button', { name: '6. Start' }).click();
    await expect.poll(() => page.getByTestId('summary-reward').textContent(), POLL).toBe('2 × gsm8k + 0.1 × customJsShaping (edited)');
    await page.getByRole('button', { name: '3. Reward' }).click();
    await page.getByRole('button', { name: 'Use the default' }).click();
    await expect.poll(() => page.getByTestId('reward-status').textContent(), POLL).toMatch(/uses the default/);
    expect(problems).toEqual([]);
  });
});
