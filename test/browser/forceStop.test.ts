// Force stop in the run page (issue 16: a trainer stuck in a long synchronous
// phase never reads Stop, and the UI had no way to end it). Real web server and
// services; only the trainer's body is a stand-in that blocks on its first
// message (as the 50 MB-row spin did) and ignores SIGTERM. Stop is accepted but
// does not take effect; after FORCE_STOP_AFTER_S the page offers Force stop,
// which kills the trainer's process group and the run becomes 'stopped'.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipePresets } from '../../main/recipes/index.js';
import { TRAINER_ENTRY } from '../../main/trainer/Supervisor.js';
import { startHarness, stuckChild, type Harness } from './harness.js';

const POLL = { timeout: 30_000, interval: 100 };
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

let h: Harness;
let page: Page;
const stuck = stuckChild(TRAINER_ENTRY);

beforeAll(async () => {
  h = await startHarness({ name: 'force-stop', services: stuck.services });
  page = await h.newPage();
});

afterAll(async () => {
  await h?.close();
  if (stuck.pid() && alive(stuck.pid())) process.kill(-stuck.pid(), 'SIGKILL');
});

describe('force stop', () => {
  it('appears only when Stop has not taken effect; it kills the stuck trainer and the run is stopped', async () => {
    const demo = recipePresets().find((p) => p.id === 'demo')!.recipe;
    const { runId } = await h.services.runs!.create!({ recipe: { ...demo, name: 'stuck run' }, start: true });
    await expect.poll(() => stuck.pid(), POLL).toBeGreaterThan(0);
    await page.goto(h.server.url);
    await page.getByRole('link', { name: 'stuck run' }).first().click();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('button', { name: 'Stop run' }).click();
    // Not offered at once: a healthy trainer finishes its step and stops by itself.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await page.getByRole('button', { name: 'Force stop' }).count()).toBe(0);
    expect(alive(stuck.pid())).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Force stop' }).count(), { timeout: 30_000, interval: 250 }).toBe(1);
    expect(await page.getByTestId('force-stop').textContent()).toMatch(/has not stopped 15 s after Stop/);
    await page.getByRole('button', { name: 'Force stop' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), POLL).toBe('stopped');
    await expect.poll(() => alive(stuck.pid()), POLL).toBe(false);
    expect(await page.getByRole('button', { name: 'Force stop' }).count()).toBe(0);
    const run = await h.services.runs!.get!({ runId });
    expect(run.status).toBe('stopped');
    expect(run.events.some((e) => /force-stopped/.test(e.message))).toBe(true);
    expect(h.problems).toEqual([]);
  });
});
