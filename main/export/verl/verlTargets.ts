/**
 * The verl versions a bundle is written for, read from their source (main/export/verl/keys-<id>.json,
 * made by extract_keys.py from the upstream commit named here; test/export/verlKeys.test.ts checks
 * this table against those files and every override a bundle writes against their key sets).
 *
 * - Plain verl: v0.6.0, v0.6.1, v0.7.0 (tags) and main at the commit below. `recipe.dapo.main_dapo`
 *   (DAPO dynamic sampling) lives in the verl repo's recipe/ folder (v0.6–v0.7) or, on main, in the
 *   verl-project/verl-recipe submodule at the commit main pins; it runs from a verl checkout.
 * - The CLIPO fork (Qwen-Applications/CLIPO @13c5fd6, verl 0.6.1 plus con_lm_head_* keys and the
 *   SGLang hidden-state patch): main_ppo only (the fork has no recipe/dapo).
 * - ConSPO bundles start their own module, clipo_conspo (main/export/verl/clipo_conspo.py), on
 *   main_ppo's config: it hands main_ppo.run_ppo a TaskRunner subclass through run_ppo's
 *   `task_runner_class` parameter, which verl has from v0.6.1 (verl/trainer/main_ppo.py:46
 *   `def run_ppo(config) -> None` at v0.6.0 ddd86f52; `def run_ppo(config, task_runner_class=None)` at
 *   v0.6.1 d62da495, v0.7.0 f9c855f7 and main b178a3cd).
 */
/** An upstream entry point: its composed Hydra config is what keys-<target>.json records. */
export type VerlEntryPoint = 'verl.trainer.main_ppo' | 'recipe.dapo.main_dapo';
/** What run_verl.sh starts: an upstream entry point or the bundle's own clipo_conspo (on main_ppo's config). */
export type VerlLaunchModule = VerlEntryPoint | 'clipo_conspo';

export interface VerlTarget {
  id: string;
  upstream: string;
  commit: string;
  fork: boolean;
  entryPoints: VerlEntryPoint[];
  /** @register_policy_loss names in verl/trainer/ppo/core_algos.py at that commit. */
  policyLossModes: string[];
  /** main_ppo.run_ppo takes task_runner_class (what clipo_conspo needs). */
  taskRunnerClass: boolean;
}

const V06_LOSSES = ['clip_cov', 'geo_mean', 'gpg', 'gspo', 'kl_cov', 'vanilla'];
const V07_LOSSES = ['bypass_mode', 'cispo', 'clip_cov', 'geo_mean', 'gpg', 'gspo', 'kl_cov', 'sapo', 'vanilla'];
const BOTH: VerlEntryPoint[] = ['verl.trainer.main_ppo', 'recipe.dapo.main_dapo'];

export const VERL_TARGETS: VerlTarget[] = [
  { id: 'v0.6.0', upstream: 'volcengine/verl', commit: 'ddd86f527a4af75095e4677b02b5aa272913a088', fork: false, entryPoints: BOTH, policyLossModes: V06_LOSSES, taskRunnerClass: false },
  { id: 'v0.6.1', upstream: 'volcengine/verl', commit: 'd62da4950573d7a4b7ef2362337952e7ab59e78d', fork: false, entryPoints: BOTH, policyLossModes: [...V06_LOSSES, 'rollout_correction'].sort(), taskRunnerClass: true },
  { id: 'v0.7.0', upstream: 'volcengine/verl', commit: 'f9c855f7cf04d603c9546bc01776c74806a879c1', fork: false, entryPoints: BOTH, policyLossModes: V07_LOSSES, taskRunnerClass: true },
  { id: 'main', upstream: 'volcengine/verl', commit: 'b178a3cd56f58b2d502255daba591e92833930a7', fork: false, entryPoints: BOTH, policyLossModes: V07_LOSSES, taskRunnerClass: true },
  { id: 'clipo-13c5fd6', upstream: 'Qwen-Applications/CLIPO', commit: '13c5fd6b44bfb861857f87f41832bf7d3049d9b7', fork: true, entryPoints: ['verl.trainer.main_ppo'], policyLossModes: [...V06_LOSSES, 'rollout_correction'].sort(), taskRunnerClass: true },
];

/** The upstream entry point whose config a launch module's overrides go to. */
export function configEntryOf(launch: VerlLaunchModule): VerlEntryPoint {
  return launch === 'clipo_conspo' ? 'verl.trainer.main_ppo' : launch;
}

/** Loss modes a bundle registers itself (clipo_conspo.py registers "conspo" in verl's POLICY_LOSS_REGISTRY). */
export const BUNDLED_LOSS_MODES: Partial<Record<VerlLaunchModule, string[]>> = { clipo_conspo: ['conspo'] };

/** The targets that can run a bundle with this launch module and loss mode. */
export function targetsFor(fork: boolean, launch: VerlLaunchModule, lossMode: string): VerlTarget[] {
  const entry = configEntryOf(launch);
  const bundled = BUNDLED_LOSS_MODES[launch] ?? [];
  return VERL_TARGETS.filter((t) => t.fork === fork && t.entryPoints.includes(entry)
    && (launch !== 'clipo_conspo' || t.taskRunnerClass)
    && (bundled.includes(lossMode) || t.policyLossModes.includes(lossMode)));
}

export function describeTargets(ts: VerlTarget[]): string {
  return ts.map((t) => `${t.upstream === 'volcengine/verl' ? 'verl ' : `${t.upstream} `}${t.id}@${t.commit.slice(0, 8)}`).join(', ');
}
