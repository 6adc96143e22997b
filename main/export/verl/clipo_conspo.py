"""Clipo Workbench ConSPO for verl: the desktop objective (main/rl/objectives/conspo.ts), trained by verl.

Shipped in ConSPO bundles with conspo_spec.json (tau, margin M, schedule alpha, total steps, normaliser).
run_verl.sh starts `python3 -m clipo_conspo <overrides>` from the bundle folder with the folder on PYTHONPATH.

Why an entry point and not just a loss mode: ConSPO's per-sequence coefficient g_i (Lemma 2) needs every
score of the sequence's group and the correctness labels, but verl's policy-loss hook sees one micro-batch
of one data-parallel rank: dp_actor.update_policy (verl/workers/actor/dp_actor.py, v0.6.1 line ~398, main
@b178a3cd line 502) keeps only the tensors responses/response_mask/input_ids/attention_mask/position_ids/
old_log_probs/advantages (+ ref_log_prob, rollout_is_weights, rollout_log_probs): no `uid`, no reward
info, and trainer.balance_batch / use_dynamic_bsz reorder sequences across ranks and micro-batches.
The driver (verl's TaskRunner process) does hold the whole batch when it calls
ray_trainer.compute_advantage: old_log_probs, response_mask, non_tensor_batch["uid"] and the reward
function's "acc". So, with one optimiser step per rollout batch (ppo_mini_batch_size = train_batch_size,
ppo_epochs 1; the bundle refuses anything else), where the current policy equals pi_old:

- driver (ConspoTaskRunner, run through main_ppo.run_ppo(config, task_runner_class=...), which exists
  from verl v0.6.1): compute_advantage for adv_estimator "conspo" computes s_i = mean_t old_log_prob,
  the margin m_t (eq. 16) at rl step global_steps - 1, and writes
  advantages[i, t] = B * g_i / (T_i * Z_norm) for response tokens (B sequences in the batch);
- workers (actor_rollout_ref.model.external_lib=clipo_conspo, imported by fsdp_workers before the
  model is built): policy loss "conspo" = mean over the micro-batch's sequences of
  -sum_t advantages * log_prob. dp_actor scales each micro-batch by n_micro / n_mini_rank
  (use_dynamic_bsz) and FSDP averages gradients over the W ranks, so the update is
  -(1/B) sum_i sum_t advantages * grad log_prob = -sum_i sum_t g_i / (T_i Z) grad log_prob,
  the desktop's per-token weights w_it = g_i / (T_i Z_norm) (ALGORITHMS.md section 2).

The ConSPO math below (conspo_margin, conspo_coefficients) uses the Python standard library only, so it
is tested without verl or torch (test/export/verlConspo.test.ts against the TypeScript objective).
Targets verl v0.6.1 - v0.7.0 and main @b178a3cd (legacy fsdp workers, trainer.use_legacy_worker_impl).
"""
import json
import math
import os
import sys

SPEC_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'conspo_spec.json')
LOSS_MODE = 'conspo'
ADV_ESTIMATOR = 'conspo'


class ConspoError(ValueError):
    pass


# ---------------------------------------------------------------- the objective (main/rl/objectives/conspo.ts)


def conspo_margin(step, total_steps, margin, alpha):
    """m_t = (M/2)(1 - cos(pi * min(step / (alpha * total), 1))) (ConSPO eq. 16; conspoMargin in conspo.ts)."""
    rho = min(step / (alpha * total_steps), 1.0) if total_steps > 0 and alpha > 0 else 1.0
    return (margin / 2.0) * (1.0 - math.cos(math.pi * rho))


def _log_sum_exp(xs):
    mx = max(xs)
    if mx == -math.inf:
        return -math.inf
    return mx + math.log(sum(math.exp(x - mx) for x in xs))


def conspo_coefficients(scores, groups, labels, lengths, margin, tau, normalizer='all-groups'):
    """Lemma 2 coefficients g_i = dJ/ds_i and the objective, in float64 with log-sum-exp.

    scores[i]: s_i (mean response log-prob); groups[i]: any hashable group id (verl's uid); labels[i]:
    truthy when correct; lengths[i]: response tokens T_i (0-length sequences are skipped, as
    groupMembers does). Z_norm = number of groups in the batch ('all-groups', the desktop default) or
    of valid groups. Returns (g, z_norm, metrics) with metrics named as the desktop's (conspo/...).
    """
    n = len(scores)
    if not (len(groups) == len(labels) == len(lengths) == n):
        raise ConspoError('scores, groups, labels and lengths must have the same length')
    if not (tau > 0):
        raise ConspoError(f'tau must be > 0, got {tau}')
    order = []
    members = {}
    for i in range(n):
        key = groups[i]
        if key not in members:
            members[key] = []
            order.append(key)
        if lengths[i] > 0:
            members[key].append(i)
    g = [0.0] * n
    J = 0.0
    valid = 0
    pos_prob = 0.0
    n_pos = 0
    for key in order:
        P = [i for i in members[key] if labels[i]]
        N = [i for i in members[key] if not labels[i]]
        if not P or not N:
            continue
        valid += 1
        neg = [scores[j] / tau for j in N]
        for i in P:
            a = (scores[i] - margin) / tau
            lse = _log_sum_exp([a] + neg)
            p_pos = math.exp(a - lse)
            J += tau * (a - lse) / len(P)
            g[i] += (1.0 - p_pos) / len(P)
            for k, j in enumerate(N):
                g[j] -= math.exp(neg[k] - lse) / len(P)
            pos_prob += p_pos
            n_pos += 1
    z = len(order) if normalizer == 'all-groups' else valid
    objective = J / z if z > 0 else 0.0
    metrics = {
        'conspo/objective': objective,
        'conspo/margin': margin,
        'conspo/validGroups': float(valid),
        'conspo/posProbMean': pos_prob / n_pos if n_pos else 0.0,
    }
    return g, z, metrics


def token_scales(g, lengths, z_norm, batch_sequences):
    """Per-sequence advantage value B * g_i / (T_i * Z_norm) (0 for empty or when Z_norm is 0)."""
    return [batch_sequences * gi / (t * z_norm) if t > 0 and z_norm > 0 else 0.0 for gi, t in zip(g, lengths)]


def load_spec(path=SPEC_FILE):
    with open(path, encoding='utf-8') as f:
        spec = json.load(f)
    for k in ('tau', 'margin', 'alpha', 'totalSteps'):
        if not isinstance(spec.get(k), (int, float)) or isinstance(spec.get(k), bool):
            raise ConspoError(f'{path}: "{k}" must be a number')
    if spec.get('normalizer', 'all-groups') not in ('all-groups', 'valid-groups'):
        raise ConspoError(f'{path}: normalizer must be all-groups or valid-groups')
    return spec


# ---------------------------------------------------------------- torch parts (verl driver and workers)


def conspo_advantages(old_log_probs, response_mask, uids, acc, rl_step, spec):
    """[B, L] advantages tensor for the batch (driver side), and the ConSPO metrics."""
    import torch

    mask = response_mask.to(torch.float64)
    lengths_t = mask.sum(-1)
    sums = (old_log_probs.to(torch.float64) * mask).sum(-1)
    lengths = [int(x) for x in lengths_t.tolist()]
    scores = [s / t if t > 0 else 0.0 for s, t in zip(sums.tolist(), lengths)]
    labels = [float(a) > 0.5 for a in acc]
    m = conspo_margin(rl_step, spec['totalSteps'], spec['margin'], spec['alpha'])
    g, z, metrics = conspo_coefficients(scores, [str(u) for u in uids], labels, lengths, m, spec['tau'], spec.get('normalizer', 'all-groups'))
    per_seq = torch.tensor(token_scales(g, lengths, z, len(lengths)), dtype=torch.float64, device=response_mask.device)
    adv = (per_seq.unsqueeze(-1) * mask).to(torch.float32)
    return adv, metrics


def compute_policy_loss_conspo(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode='token-mean', config=None, rollout_is_weights=None):
    """verl policy loss "conspo": mean over this micro-batch's sequences of -sum_t A_it * log_prob_it.

    The advantages already carry B * g_i / (T_i * Z_norm); see the module docstring for how dp_actor's
    micro-batch scaling and FSDP's rank average turn this into the desktop weights. loss_agg_mode is
    not used here (it still aggregates verl's KL term, as the desktop's aggregation does there);
    rollout_is_weights, when verl provides them, scale the weights as the desktop's tokenScale does.
    """
    w = advantages * response_mask
    if rollout_is_weights is not None:
        w = w * rollout_is_weights
    per_seq = -(w.detach() * log_prob).sum(-1)
    loss = per_seq.mean() if per_seq.numel() > 0 else log_prob.sum() * 0.0
    return loss, {'actor/conspo_surrogate': float(loss.detach().item())}


def _conspo_estimator_outside_entry(*args, **kwargs):
    raise ConspoError('algorithm.adv_estimator=conspo needs the bundle entry point: run `python3 -m clipo_conspo` (run_verl.sh), not verl.trainer.main_ppo')


def register():
    """Registers the "conspo" policy loss and advantage estimator names in this process's verl."""
    from verl.trainer.ppo import core_algos

    if LOSS_MODE not in core_algos.POLICY_LOSS_REGISTRY:
        core_algos.register_policy_loss(LOSS_MODE)(compute_policy_loss_conspo)
    if ADV_ESTIMATOR not in core_algos.ADV_ESTIMATOR_REGISTRY:
        core_algos.register_adv_est(ADV_ESTIMATOR)(_conspo_estimator_outside_entry)


_STATE = {'global_steps': None, 'spec': None}


def _metrics_line(step, metrics):
    print(f'[clipo_conspo] step {step}: ' + ' '.join(f'{k}={v:.6g}' for k, v in metrics.items()), flush=True)
    path = os.environ.get('CLIPO_CONSPO_METRICS')
    if path:
        with open(path, 'a', encoding='utf-8') as f:
            f.write(json.dumps({'step': step, 'data': metrics}) + '\n')


def install_driver_hooks():
    """In the TaskRunner process: ConSPO advantages in ray_trainer.compute_advantage, and the step counter.

    compute_advantage is looked up by name in ray_trainer.fit at every step, so replacing the module
    attribute here reaches it; other estimators go to verl's own function unchanged. RayPPOTrainer's
    subclass only mirrors self.global_steps (set in fit and _load_checkpoint) so the margin follows the
    step after a resume too.
    """
    register()
    from verl.trainer import main_ppo
    from verl.trainer.ppo import ray_trainer

    if getattr(ray_trainer.compute_advantage, '_clipo_conspo', False):
        return
    _STATE['spec'] = load_spec()
    verl_compute_advantage = ray_trainer.compute_advantage

    def compute_advantage(data, adv_estimator, *args, **kwargs):
        if str(getattr(adv_estimator, 'value', adv_estimator)) != ADV_ESTIMATOR:
            return verl_compute_advantage(data, adv_estimator, *args, **kwargs)
        step = _STATE['global_steps']
        if step is None:
            raise ConspoError('ConSPO: the trainer step is unknown (RayPPOTrainer was not created through clipo_conspo)')
        nt = data.non_tensor_batch
        if 'uid' not in nt:
            raise ConspoError('ConSPO needs the group ids (non_tensor_batch["uid"]) in the batch')
        if 'acc' not in nt:
            raise ConspoError('ConSPO needs the correctness labels: the reward function must return {"score", "acc"} (clipo_reward.py does)')
        if 'response_mask' not in data.batch.keys():
            data.batch['response_mask'] = ray_trainer.compute_response_mask(data)
        adv, metrics = conspo_advantages(data.batch['old_log_probs'], data.batch['response_mask'], nt['uid'], nt['acc'], step - 1, _STATE['spec'])
        data.batch['advantages'] = adv
        data.batch['returns'] = adv
        _metrics_line(step, metrics)
        return data

    compute_advantage._clipo_conspo = True
    ray_trainer.compute_advantage = compute_advantage

    class ConspoRayPPOTrainer(main_ppo.RayPPOTrainer):
        @property
        def global_steps(self):
            return self.__dict__.get('_clipo_global_steps', 0)

        @global_steps.setter
        def global_steps(self, value):
            self.__dict__['_clipo_global_steps'] = value
            _STATE['global_steps'] = value

    main_ppo.RayPPOTrainer = ConspoRayPPOTrainer


def _task_runner_class():
    from verl.trainer.main_ppo import TaskRunner

    class ConspoTaskRunner(TaskRunner):
        def run(self, config):
            import clipo_conspo

            clipo_conspo.install_driver_hooks()
            return super().run(config)

    return ConspoTaskRunner


def _check_config(config):
    a = config.actor_rollout_ref.actor
    if str(a.policy_loss.loss_mode) != LOSS_MODE or str(config.algorithm.adv_estimator) != ADV_ESTIMATOR:
        raise ConspoError('clipo_conspo runs ConSPO only: keep actor.policy_loss.loss_mode=conspo and algorithm.adv_estimator=conspo')
    if int(a.ppo_epochs) != 1 or int(a.ppo_mini_batch_size) != int(config.data.train_batch_size):
        raise ConspoError('ConSPO is exact with one optimiser step per rollout batch: ppo_epochs=1 and ppo_mini_batch_size=data.train_batch_size')
    if str(config.trainer.get('use_legacy_worker_impl', 'auto')) == 'disable':
        raise ConspoError('ConSPO runs on the legacy fsdp workers (dp_actor); set trainer.use_legacy_worker_impl=enable')


def main():
    import inspect

    import hydra
    import ray

    @hydra.main(config_path='pkg://verl.trainer.config', config_name='ppo_trainer', version_base=None)
    def _main(config):
        from verl.trainer import main_ppo

        if 'task_runner_class' not in inspect.signature(main_ppo.run_ppo).parameters:
            raise ConspoError('this verl has no run_ppo(config, task_runner_class); ConSPO bundles need verl >= 0.6.1')
        _check_config(config)
        load_spec()
        register()
        if hasattr(main_ppo, 'auto_set_device'):
            main_ppo.auto_set_device(config)
        main_ppo.run_ppo(config, task_runner_class=ray.remote(num_cpus=1)(_task_runner_class()))

    _main()


if __name__ == '__main__':
    # Run as `python3 -m clipo_conspo`: use the importable module (not __main__) so Ray pickles by reference.
    sys.modules.pop('clipo_conspo', None)
    import clipo_conspo as _m

    _m.main()
else:
    # Workers import this module through actor_rollout_ref.model.external_lib: register the loss there.
    # Without verl (tests of the math above) there is nothing to register.
    try:
        import verl.trainer.ppo.core_algos  # noqa: F401
    except ImportError:
        pass
    else:
        register()
