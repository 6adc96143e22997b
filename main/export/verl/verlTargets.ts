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
 */
export type VerlEntryPoint = 'verl.trainer.main_ppo' | 'recipe.dapo.main_dapo';

export interface VerlTarget {
  id: string;
  upstream: string;
  commit: string;
  fork: boolean;
  entryPoints: VerlEntryPoint[];
  /** @register_policy_loss names in verl/trainer/ppo/core_algos.py at that commit. */
  policyLossModes: string[];
}

const V06_LOSSES = ['clip_cov', 'geo_mean', 'gpg', 'gspo', 'kl_cov', 'vanilla'];
const V07_LOSSES = ['bypass_mode', 'cispo', 'clip_cov', 'geo_mean', 'gpg', 'gspo', 'kl_cov', 'sapo', 'vanilla'];
const BOTH: VerlEntryPoint[] = ['verl.trainer.main_ppo', 'recipe.dapo.main_dapo'];

export const VERL_TARGETS: VerlTarget[] = [
  { id: 'v0.6.0', upstream: 'volcengine/verl', commit: 'ddd86f527a4af75095e4677b02b5aa272913a088', fork: false, entryPoints: BOTH, policyLossModes: V06_LOSSES },
  { id: 'v0.6.1', upstream: 'volcengine/verl', commit: 'd62da4950573d7a4b7ef2362337952e7ab59e78d', fork: false, entryPoints: BOTH, policyLossModes: [...V06_LOSSES, 'rollout_correction'].sort() },
  { id: 'v0.7.0', upstream: 'volcengine/verl', commit: 'f9c855f7cf04d603c9546bc01776c74806a879c1', fork: false, entryPoints: BOTH, policyLossModes: V07_LOSSES },
  { id: 'main', upstream: 'volcengine/verl', commit: 'b178a3cd56f58b2d502255daba591e92833930a7', fork: false, entryPoints: BOTH, policyLossModes: V07_LOSSES },
  { id: 'clipo-13c5fd6', upstream: 'Qwen-Applications/CLIPO', commit: '13c5fd6b44bfb861857f87f41832bf7d3049d9b7', fork: true, entryPoints: ['verl.trainer.main_ppo'], policyLossModes: [...V06_LOSSES, 'rollout_correction'].sort() },
];

/** The targets that can run a bundle with this entry point and loss mode. */
export function targetsFor(fork: boolean, entry: VerlEntryPoint, lossMode: string): VerlTarget[] {
  return VERL_TARGETS.filter((t) => t.fork === fork && t.entryPoints.includes(entry) && t.policyLossModes.includes(lossMode));
}

export function describeTargets(ts: VerlTarget[]): string {
  return ts.map((t) => `${t.upstream === 'volcengine/verl' ? 'verl ' : `${t.upstream} `}${t.id}@${t.commit.slice(0, 8)}`).join(', ');
}
