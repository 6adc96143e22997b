/**
 * Every override a verl bundle writes exists in the composed config of every verl version the
 * bundle says it targets (main/export/verl/keys-<target>.json, made by extract_keys.py from the
 * upstream commits), for the entry point the script runs; values have the type of the key's
 * default; no CLIPO key reaches a plain-verl bundle; LoRA/rollout/token-budget rules hold. The
 * script itself is run by bash with a stand-in python3 that records argv.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_LOSS_MODES, VERL_TARGETS } from '../../main/export/verl/verlTargets.js';
import { planVerlBundle } from '../../main/export/verlBundle.js';
import { BUNDLES, gsmRows, hydraValue, overridesOf, runScript, writeBundle } from './verlHarness.js';

const keysDir = join(dirname(fileURLToPath(import.meta.url)), '../../main/export/verl');
interface KeyFile { target: string; commit: string; policyLossModes: string[]; composerCheck: { only_composed: string[]; only_generated: string[] } | null; entryPoints: Record<string, Record<string, unknown>> }
const keyFile = (id: string): KeyFile => JSON.parse(readFileSync(join(keysDir, `keys-${id}.json`), 'utf8'));

function typeOk(def: unknown, raw: string): boolean {
  if (typeof def === 'boolean') return raw === 'True' || raw === 'False';
  if (typeof def === 'number' && Number.isInteger(def) && !String(def).includes('.')) return /^-?\d+$/.test(raw);
  if (typeof def === 'number') return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw);
  return true; // strings, null, interpolations, lists
}

describe('verl key sets', () => {
  it('recorded from the upstream commits the target table names; the composer matches verl\'s own _generated config', () => {
    for (const t of VERL_TARGETS) {
      const k = keyFile(t.id);
      expect(k.commit).toBe(t.commit);
      expect(k.policyLossModes).toEqual(t.policyLossModes);
      expect(Object.keys(k.entryPoints).sort()).toEqual([...t.entryPoints].sort());
      if (!t.fork) expect(k.composerCheck).toEqual({ only_composed: [], only_generated: [] });
      // the fork's _generated file predates its CLIPO keys: exactly those differ
      else expect(k.composerCheck!.only_composed.every((x) => /con_lm_head|enable_return_hidden_states/.test(x))).toBe(true);
      expect(Object.keys(k.entryPoints['verl.trainer.main_ppo']!).length).toBeGreaterThan(400);
    }
  });

  for (const [name, make] of Object.entries(BUNDLES)) {
    it(`${name}: every override exists in each targeted config, with the default's type`, () => {
      const r = make();
      const root = writeBundle(r, gsmRows(40, 'train'), gsmRows(8, 'test'));
      const run = runScript(root, { N_GPUS: '8', ROLLOUT_TP: '2', VERL_DIR: root + '/fakeverl' });
      const plan = planVerlBundle(r, gsmRows(40, 'train'), gsmRows(8, 'test'));
      if (plan.entry === 'recipe.dapo.main_dapo') expect(run.stderr).toMatch(/set VERL_DIR/); // no checkout: refused, bounded
      const argv = run.argv ?? (() => {
        // DAPO: give it a stand-in checkout and rerun
        const v = join(root, 'fakeverl', 'recipe', 'dapo');
        mkdirSync(v, { recursive: true });
        writeFileSync(join(v, 'main_dapo.py'), '');
        const again = runScript(root, { N_GPUS: '8', ROLLOUT_TP: '2', VERL_DIR: join(root, 'fakeverl') });
        expect(again.status, again.stderr).toBe(0);
        expect(again.cwd).toBe(join(root, 'fakeverl'));
        return again.argv!;
      })();
      expect(argv.slice(0, 2)).toEqual(['-m', plan.entry]);
      const ov = overridesOf(argv);
      expect(plan.targets.length).toBeGreaterThan(0);
      for (const t of plan.targets) {
        const keys = keyFile(t.id).entryPoints[plan.config]!;
        for (const [k, raw] of ov) {
          expect(Object.hasOwn(keys, k), `${k} is not a key of ${t.id} ${plan.entry}`).toBe(true);
          expect(typeOk(keys[k], raw), `${k}=${raw} vs default ${JSON.stringify(keys[k])} (${t.id})`).toBe(true);
        }
        // a loss mode is upstream's, or registered by the bundle's own module (clipo_conspo.py: "conspo")
        expect([...t.policyLossModes, ...(BUNDLED_LOSS_MODES[plan.entry] ?? [])]).toContain(hydraValue(ov.get('actor_rollout_ref.actor.policy_loss.loss_mode')!).text);
      }
      // every target whose key set accepts the bundle is claimed, and none that does not
      for (const t of VERL_TARGETS.filter((x) => x.fork === plan.fork && x.entryPoints.includes(plan.config))) {
        const keys = keyFile(t.id).entryPoints[plan.config]!;
        const ok = [...ov.keys()].every((k) => Object.hasOwn(keys, k))
          && (t.policyLossModes.includes(plan.lossMode) || (BUNDLED_LOSS_MODES[plan.entry] ?? []).includes(plan.lossMode))
          && (plan.entry !== 'clipo_conspo' || t.taskRunnerClass);
        expect(plan.targets.map((x) => x.id).includes(t.id), t.id).toBe(ok);
      }
      const get = (k: string) => { const v = ov.get(k); expect(v, k).toBeDefined(); return hydraValue(v!).text; };
      // CLIPO keys only in fork bundles
      expect([...ov.keys()].some((k) => /con_lm_head|enable_return_hidden_states/.test(k))).toBe(r.algorithm.clipo.enabled);
      // token budgets cover the padded sequence
      const padded = Number(get('data.max_prompt_length')) + Number(get('data.max_response_length'));
      expect(Number(get('actor_rollout_ref.actor.ppo_max_token_len_per_gpu'))).toBeGreaterThanOrEqual(padded);
      expect(Number(get('actor_rollout_ref.rollout.max_num_batched_tokens'))).toBeGreaterThanOrEqual(padded);
      expect(Number(get('trainer.n_gpus_per_node')) % Number(get('actor_rollout_ref.rollout.tensor_model_parallel_size'))).toBe(0);
      // files the overrides point at exist
      for (const k of ['data.train_files', 'data.val_files', 'custom_reward_function.path']) expect(existsSync(get(k)), k).toBe(true);
      expect(get('custom_reward_function.name')).toBe('compute_score');
      expect(run.env?.VERL_FILE_LOGGER_PATH ?? join(root, 'metrics.jsonl')).toBe(join(root, 'metrics.jsonl'));
      if (r.algorithm.clipo.enabled) {
        expect(get('actor_rollout_ref.rollout.name')).toBe('sglang');
        expect(get('actor_rollout_ref.model.lora_rank')).toBe('0');
      } else {
        expect(get('actor_rollout_ref.rollout.name')).toBe('vllm'); // verl: LoRA rollout is vLLM-only
        expect(get('actor_rollout_ref.rollout.load_format')).toBe('safetensors');
        const tm = get('actor_rollout_ref.model.target_modules');
        const mods = r.lora.targets.map((t) => ({ q: 'q_proj', k: 'k_proj', v: 'v_proj', o: 'o_proj', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' })[t]);
        if (r.lora.targets.length === 7) expect(tm).toBe('all-linear');
        else for (const m of ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']) {
          // PEFT full-matches the string against module names
          expect(new RegExp(`^(?:${tm})$`).test(`model.layers.3.self_attn.${m}`) || new RegExp(`^(?:${tm})$`).test(`model.layers.3.mlp.${m}`)).toBe(mods.includes(m));
        }
        expect(get('actor_rollout_ref.model.lora_alpha')).toMatch(/^\d+$/);
      }
      if (r.algorithm.objective === 'conspo') {
        // the bundle's own module runs main_ppo's config with the ConSPO loss and estimator it registers
        expect(plan.entry).toBe('clipo_conspo');
        expect(plan.config).toBe('verl.trainer.main_ppo');
        expect(plan.targets.map((t) => t.id)).toEqual(['v0.6.1', 'v0.7.0', 'main']); // v0.6.0: run_ppo has no task_runner_class
        expect(get('actor_rollout_ref.actor.policy_loss.loss_mode')).toBe('conspo');
        expect(get('algorithm.adv_estimator')).toBe('conspo');
        expect(get('actor_rollout_ref.model.external_lib')).toBe('clipo_conspo');
        expect(get('trainer.use_legacy_worker_impl')).toBe('enable');
        expect(get('actor_rollout_ref.actor.ppo_mini_batch_size')).toBe(get('data.train_batch_size')); // one update per batch
        expect(get('actor_rollout_ref.actor.ppo_epochs')).toBe('1');
        expect(run.cwd).toBe(root);
        expect(run.env?.PYTHONPATH?.split(':')[0]).toBe(root); // Ray workers import clipo_conspo from the bundle
        expect(run.env?.CLIPO_CONSPO_METRICS).toBe(join(root, 'conspo_metrics.jsonl'));
        expect(JSON.parse(readFileSync(join(root, 'conspo_spec.json'), 'utf8'))).toEqual({ tau: r.algorithm.conspo.tau, margin: r.algorithm.conspo.margin, alpha: r.algorithm.conspo.alpha, totalSteps: r.training.steps, normalizer: 'all-groups' });
        expect(existsSync(join(root, 'clipo_conspo.py'))).toBe(true);
        if (r.algorithm.klCoef > 0) expect(get('actor_rollout_ref.actor.loss_agg_mode')).toBe(r.algorithm.aggregation);
      }
      if (r.algorithm.dynamicSampling) {
        expect(plan.entry).toBe('recipe.dapo.main_dapo');
        expect(get('algorithm.filter_groups.enable')).toBe('True');
        expect(get('algorithm.filter_groups.metric')).toBe('acc');
      }
    });
  }

  it('CISPO needs verl ≥ 0.7 (its loss mode is not in 0.6.x); GSPO runs on all targeted versions', () => {
    const rows = gsmRows(10, 'train');
    expect(planVerlBundle(BUNDLES.cispo!(), rows, []).targets.map((t) => t.id)).toEqual(['v0.7.0', 'main']);
    expect(planVerlBundle(BUNDLES.gspo!(), rows, []).targets.map((t) => t.id)).toEqual(['v0.6.0', 'v0.6.1', 'v0.7.0', 'main']);
    expect(planVerlBundle(BUNDLES['grpo+clipo']!(), rows, []).targets.map((t) => t.id)).toEqual(['clipo-13c5fd6']);
  });

  it('the GPU count and rollout tensor-parallel size are checked before launch', () => {
    const root = writeBundle(BUNDLES.grpo!(), gsmRows(20, 'train'), []);
    const dflt = runScript(root);
    expect(dflt.status, dflt.stderr).toBe(0); // N_GPUS=1, TP=1 by default
    const ov = overridesOf(dflt.argv!);
    expect([ov.get('trainer.n_gpus_per_node'), ov.get('actor_rollout_ref.rollout.tensor_model_parallel_size')]).toEqual(['1', '1']);
    for (const env of [{ N_GPUS: '2', ROLLOUT_TP: '4' }, { N_GPUS: '3' }, { N_GPUS: '1; touch x' }, { ROLLOUT_TP: '0' }] as Record<string, string>[]) {
      const r = runScript(root, env);
      expect(r.status, JSON.stringify(env)).toBe(2);
      expect(r.argv).toBeNull();
      expect(r.stderr).toMatch(/run_verl\.sh: /);
    }
  });
});

/** A python3 with omegaconf (Debian python3-omegaconf), or null: the composition test is skipped without one. */
function pythonWithOmegaConf(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import omegaconf'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return py;
  }
  return null;
}
const omegaPy = pythonWithOmegaConf();

describe.skipIf(!omegaPy)('verl config composed with OmegaConf (struct mode, all interpolations resolved)', () => {
  for (const [name, make] of Object.entries(BUNDLES)) {
    it(`${name}: the overrides apply to every targeted config and it resolves`, () => {
      const r = make();
      const root = writeBundle(r, gsmRows(16, 'train'), gsmRows(4, 'test'));
      const plan = planVerlBundle(r, gsmRows(16, 'train'), gsmRows(4, 'test'));
      if (plan.entry === 'recipe.dapo.main_dapo') { mkdirSync(join(root, 'v', 'recipe', 'dapo'), { recursive: true }); writeFileSync(join(root, 'v', 'recipe', 'dapo', 'main_dapo.py'), ''); }
      const run = runScript(root, { N_GPUS: '4', ROLLOUT_TP: '2', VERL_DIR: join(root, 'v') });
      expect(run.status, run.stderr).toBe(0);
      const overrides = [...overridesOf(run.argv!)].map(([k, v]) => { const h = hydraValue(v); return [k, h.text, h.quoted]; });
      for (const t of plan.targets) {
        const input = { keys: keyFile(t.id).entryPoints[plan.config], overrides, pick: ['actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu', 'critic.ppo_mini_batch_size'] };
        const res = spawnSync(omegaPy!, [join(dirname(fileURLToPath(import.meta.url)), 'verl_compose.py')], { input: JSON.stringify(input), encoding: 'utf8', timeout: 30_000 });
        expect(res.status, res.stderr).toBe(0);
        const out = JSON.parse(res.stdout) as { ok: boolean; error?: string; values?: Record<string, unknown>; missing?: string[] };
        expect(out.ok, `${name} on ${t.id}: ${out.error}`).toBe(true);
        // `???` left only in the reward-model worker's rollout, which is not started (reward_model.enable False)
        expect(out.missing!.filter((k) => k !== 'reward_model.rollout.name'), t.id).toEqual([]);
        // interpolations follow the overrides: the rollout's log-prob budget is the actor's
        expect(out.values!['actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu']).toBe(Number(hydraValue(overridesOf(run.argv!).get('actor_rollout_ref.actor.ppo_max_token_len_per_gpu')!).text));
      }
      // and a key that does not exist is rejected the same way (the check can fail)
      const bad = spawnSync(omegaPy!, [join(dirname(fileURLToPath(import.meta.url)), 'verl_compose.py')], { input: JSON.stringify({ keys: keyFile(plan.targets[0]!.id).entryPoints[plan.config], overrides: [['actor_rollout_ref.model.enable_con_lm_head_typo', 'True', false]] }), encoding: 'utf8', timeout: 30_000 });
      expect(JSON.parse(bad.stdout).ok).toBe(false);
    });
  }
});
