"""Exercises clipo_conspo.py's verl glue inside an exported bundle, against a stand-in `verl` (test helper).

verl is not installable here (no GPU, no network), so this writes a minimal package with the names and
call shapes clipo_conspo relies on, as they are at the targeted commits: core_algos' registries and
register_* decorators, ray_trainer.compute_advantage (a module function that RayPPOTrainer.fit looks up
by name) and compute_response_mask, RayPPOTrainer.fit setting global_steps = 0, then the checkpoint's step
(_load_checkpoint), then += 1 before the first step; main_ppo importing RayPPOTrainer at module level and
TaskRunner.run constructing it by that name, then fit(). It checks what the real verl cannot here:
- importing clipo_conspo (as the workers do through external_lib) registers loss mode and estimator "conspo";
- ConspoTaskRunner.run installs the driver hooks: a "conspo" batch gets the ConSPO advantages at rl step
  (checkpoint step + 1) - 1, other estimators still reach verl's compute_advantage, and the metrics line
  lands in CLIPO_CONSPO_METRICS;
- the policy loss found through verl's registry gives -sum_t A*log_prob per sequence, averaged;
- the config checks refuse what the math is not exact for.
argv: bundle dir. Prints one JSON object.
"""
import json
import os
import sys
import tempfile

FAKE = {
    'verl/__init__.py': '',
    'verl/trainer/__init__.py': '',
    'verl/trainer/ppo/__init__.py': '',
    'verl/trainer/ppo/core_algos.py': '''
POLICY_LOSS_REGISTRY = {}
ADV_ESTIMATOR_REGISTRY = {}
def register_policy_loss(name):
    def decorator(func):
        POLICY_LOSS_REGISTRY[name] = func
        return func
    return decorator
def get_policy_loss_fn(name):
    if name not in POLICY_LOSS_REGISTRY:
        raise ValueError(f"Unsupported loss mode: {name}")
    return POLICY_LOSS_REGISTRY[name]
def register_adv_est(name):
    def decorator(fn):
        if name in ADV_ESTIMATOR_REGISTRY and ADV_ESTIMATOR_REGISTRY[name] != fn:
            raise ValueError(f"Adv estimator {name} has already been registered")
        ADV_ESTIMATOR_REGISTRY[name] = fn
        return fn
    return decorator
''',
    'verl/trainer/ppo/ray_trainer.py': '''
CALLS = []
def compute_response_mask(data):
    raise AssertionError("the test batch has a response_mask")
def compute_advantage(data, adv_estimator, gamma=1.0, lam=1.0, num_repeat=1, norm_adv_by_std_in_grpo=True, config=None):
    CALLS.append(str(adv_estimator))
    data.batch["advantages"] = "verl's own"
    return data
class RayPPOTrainer:
    def __init__(self, config, batches):
        self.config = config
        self.batches = batches
    def _load_checkpoint(self):
        self.global_steps = self.config["resume_step"]
    def fit(self):
        self.global_steps = 0
        self._load_checkpoint()
        self.global_steps += 1
        out = []
        for est, batch in self.batches:
            out.append(compute_advantage(batch, adv_estimator=est, config=None))
            self.global_steps += 1
        return out
''',
    'verl/trainer/main_ppo.py': '''
from verl.trainer.ppo.ray_trainer import RayPPOTrainer
class TaskRunner:
    def run(self, config):
        trainer = RayPPOTrainer(config, config["batches"])
        return trainer.fit()
''',
}


class Batch:
    def __init__(self, batch, non_tensor):
        self.batch = batch
        self.non_tensor_batch = non_tensor


class Cfg(dict):
    """Attribute access like OmegaConf's DictConfig, enough for _check_config."""

    def __getattr__(self, k):
        v = self[k]
        return Cfg(v) if isinstance(v, dict) else v

    def get(self, k, d=None):
        return dict.get(self, k, d)


def main():
    bundle = sys.argv[1]
    fake = tempfile.mkdtemp(prefix='fakeverl-')
    for rel, text in FAKE.items():
        os.makedirs(os.path.dirname(os.path.join(fake, rel)), exist_ok=True)
        with open(os.path.join(fake, rel), 'w') as f:
            f.write(text)
    sys.path[:0] = [bundle, fake]
    metrics_path = os.path.join(fake, 'conspo_metrics.jsonl')
    os.environ['CLIPO_CONSPO_METRICS'] = metrics_path

    import torch

    import clipo_conspo as cc
    from verl.trainer.ppo import core_algos, ray_trainer

    out = {'registered': {'loss': 'conspo' in core_algos.POLICY_LOSS_REGISTRY, 'adv': 'conspo' in core_algos.ADV_ESTIMATOR_REGISTRY}}
    try:
        core_algos.ADV_ESTIMATOR_REGISTRY['conspo']()
    except cc.ConspoError as e:
        out['estimator_outside_entry'] = str(e)

    data = json.load(sys.stdin)
    seqs = data['sequences']
    B, L = len(seqs), max(len(s['logp']) for s in seqs)
    old = torch.zeros(B, L)
    mask = torch.zeros(B, L, dtype=torch.int64)
    for i, s in enumerate(seqs):
        old[i, :len(s['logp'])] = torch.tensor(s['logp'])
        mask[i, :len(s['logp'])] = 1

    def batch():
        import numpy as np

        return Batch({'old_log_probs': old, 'response_mask': mask}, {'uid': np.array([s['uid'] for s in seqs], dtype=object), 'acc': np.array([float(s['acc']) for s in seqs])})

    runner = cc._task_runner_class()()
    results = runner.run({'resume_step': data['resume_step'], 'batches': [('conspo', batch()), ('grpo', batch()), ('conspo', batch())]})
    spec = cc.load_spec()
    first = data['resume_step']  # global_steps at the first step is resume_step + 1; the desktop step is one less
    exp0, _ = cc.conspo_advantages(old, mask, [s['uid'] for s in seqs], [s['acc'] for s in seqs], first, spec)
    exp2, _ = cc.conspo_advantages(old, mask, [s['uid'] for s in seqs], [s['acc'] for s in seqs], first + 2, spec)
    out['advantages_match'] = [bool(torch.equal(results[0].batch['advantages'], exp0)), results[1].batch['advantages'] == "verl's own", bool(torch.equal(results[2].batch['advantages'], exp2))]
    out['advantages'] = results[0].batch['advantages'].tolist()
    out['verl_calls'] = ray_trainer.CALLS
    with open(metrics_path) as f:
        out['metrics_lines'] = [json.loads(line) for line in f]

    # the registered loss, as dp_actor calls it (keyword arguments)
    lp = old.clone().double().requires_grad_(True)
    fn = core_algos.get_policy_loss_fn('conspo')
    loss, m = fn(old_log_prob=old, log_prob=lp, advantages=exp0.double(), response_mask=mask.double(), loss_agg_mode='token-mean', config=None, rollout_is_weights=None)
    out['loss'] = float(loss)
    out['loss_expected'] = float((-(exp0.double() * old.double() * mask).sum(-1)).mean())
    out['loss_metric'] = m

    def refused(cfg):
        try:
            cc._check_config(Cfg(cfg))
        except cc.ConspoError as e:
            return str(e)
        return None

    ok = {'actor_rollout_ref': {'actor': {'policy_loss': {'loss_mode': 'conspo'}, 'ppo_epochs': 1, 'ppo_mini_batch_size': 16}}, 'algorithm': {'adv_estimator': 'conspo'}, 'data': {'train_batch_size': 16}, 'trainer': {'use_legacy_worker_impl': 'enable'}}
    two = json.loads(json.dumps(ok))
    two['actor_rollout_ref']['actor']['ppo_mini_batch_size'] = 8
    vanilla = json.loads(json.dumps(ok))
    vanilla['actor_rollout_ref']['actor']['policy_loss']['loss_mode'] = 'vanilla'
    engine = json.loads(json.dumps(ok))
    engine['trainer']['use_legacy_worker_impl'] = 'disable'
    out['config_checks'] = {'ok': refused(ok), 'two_updates': refused(two), 'vanilla': refused(vanilla), 'new_engine': refused(engine)}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
