#!/usr/bin/env python3
"""Records the Hydra override keys of verl's trainer configs as data (keys-<target>.json).

Usage: python3 main/export/verl/extract_keys.py <git dir of a verl mirror> <ref> <target name> [<upstream repo>] [<git dir of verl-recipe>]
  e.g. python3 main/export/verl/extract_keys.py /work/.mirror/volcengine+verl/repo v0.7.0 v0.7.0 volcengine/verl
The last argument is for refs where `recipe/` is a git submodule (verl main: verl-project/verl-recipe);
the DAPO config is then read from the submodule commit the ref pins.

Reads the YAML files straight from git (git show <ref>:<path>), composes `ppo_trainer.yaml` the way
Hydra does for the entry point `verl.trainer.main_ppo` (defaults list: `group@package: option`,
`../group@package: option`, a bare `option` in the same folder, `_self_` last or where listed), and,
when the ref has it, `recipe/dapo/config/dapo_trainer.yaml` on top (entry point `recipe.dapo.main_dapo`,
whose defaults are `ppo_trainer` then `_self_`). Every leaf of the composed tree is an override key
(`a.b.c=value` without `+`); its default value is kept so a test can check value types.

Check of the composer: upstream verl commits `_generated_ppo_trainer.yaml` (made by real Hydra,
scripts/generate_trainer_config.sh); when that file exists and is current the key sets must be equal,
and the script prints the difference (the CLIPO fork's generated file predates its con_lm_head keys,
so there the difference is exactly those keys).

Also records the policy-loss modes and advantage estimators registered in verl/trainer/ppo/core_algos.py
(@register_policy_loss("..."), AdvantageEstimator members) so the exporter's table can be tested against them.
Needs PyYAML (Debian python3-yaml); offline tool, not used at run time.
"""
import json
import re
import subprocess
import sys

import yaml

CFG = 'verl/trainer/config'


def show(gitdir, ref, path):
    r = subprocess.run(['git', '--git-dir', gitdir, 'show', f'{ref}:{path}'], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def load(gitdir, ref, path):
    text = show(gitdir, ref, path)
    if text is None:
        raise FileNotFoundError(f'{ref}:{path}')
    return yaml.safe_load(text) or {}


def merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            merge(dst[k], v)
        else:
            dst[k] = v if not isinstance(v, dict) else merge({}, v)
    return dst


def put(tree, package, node):
    if not package:
        return merge(tree, node)
    cur = tree
    for part in package.split('.'):
        cur = cur.setdefault(part, {})
        if not isinstance(cur, dict):
            raise ValueError(f'package {package} hits a leaf')
    merge(cur, node)
    return tree


def compose(gitdir, ref, folder, name):
    """Config file folder/name.yaml with its defaults list applied (Hydra semantics: _self_ last unless listed)."""
    raw = load(gitdir, ref, f'{folder}/{name}.yaml')
    defaults = raw.pop('defaults', []) or []
    raw.pop('hydra', None)
    out = {}
    self_done = False
    for d in defaults:
        if d == '_self_':
            merge(out, raw)
            self_done = True
            continue
        if isinstance(d, dict):
            (spec, option), = d.items()
        else:
            spec, option = d, None
        group, _, package = spec.partition('@')
        gfolder = folder
        while group.startswith('../'):
            group = group[3:]
            gfolder = gfolder.rsplit('/', 1)[0]
        if option is None:  # `- actor` (same folder) or `- reward_manager@reward_manager` (file at this level)
            node = compose(gitdir, ref, gfolder, group)
        else:
            node = compose(gitdir, ref, f'{gfolder}/{group}', option)
        put(out, package, node)
    if not self_done:
        merge(out, raw)
    return out


def leaves(tree, prefix=''):
    out = {}
    for k, v in tree.items():
        key = f'{prefix}.{k}' if prefix else str(k)
        if isinstance(v, dict) and v:
            out.update(leaves(v, key))
        elif not k.startswith('_'):  # _target_ is not a training setting
            out[key] = v if isinstance(v, (str, int, float, bool)) or v is None else json.dumps(v)
    return out


def main():
    gitdir, ref, target = sys.argv[1:4]
    upstream = sys.argv[4] if len(sys.argv) > 4 else 'volcengine/verl'
    recipe_git = sys.argv[5] if len(sys.argv) > 5 else None
    commit = subprocess.run(['git', '--git-dir', gitdir, 'rev-parse', f'{ref}^{{commit}}'], capture_output=True, text=True, check=True).stdout.strip()
    ppo = compose(gitdir, ref, CFG, 'ppo_trainer')
    entries = {'verl.trainer.main_ppo': leaves(ppo)}
    generated = show(gitdir, ref, f'{CFG}/_generated_ppo_trainer.yaml')
    check = None
    if generated is not None:
        gen = set(leaves(yaml.safe_load(generated)))
        ours = set(entries['verl.trainer.main_ppo'])
        check = {'only_composed': sorted(ours - gen), 'only_generated': sorted(gen - ours)}
        print(f'{target}: composed {len(ours)} keys, _generated_ppo_trainer.yaml {len(gen)};', json.dumps(check), file=sys.stderr)
    dapo = show(gitdir, ref, 'recipe/dapo/config/dapo_trainer.yaml')
    recipe_commit = None
    if dapo is None and recipe_git:
        tree = subprocess.run(['git', '--git-dir', gitdir, 'ls-tree', ref, 'recipe'], capture_output=True, text=True).stdout.split()
        if len(tree) >= 3 and tree[1] == 'commit':  # a submodule entry: mode, 'commit', sha, path
            recipe_commit = tree[2]
            dapo = show(recipe_git, recipe_commit, 'dapo/config/dapo_trainer.yaml')
    if dapo is not None:
        d = yaml.safe_load(dapo)
        assert d.get('defaults') == ['ppo_trainer', '_self_'], d.get('defaults')
        d.pop('defaults'); d.pop('hydra', None)
        entries['recipe.dapo.main_dapo'] = leaves(merge(json.loads(json.dumps(ppo)), d))
    algos = show(gitdir, ref, 'verl/trainer/ppo/core_algos.py') or ''
    loss_modes = sorted(set(re.findall(r'@register_policy_loss\("([^"]+)"\)', algos)))
    enum = re.search(r'class AdvantageEstimator\(str, Enum\):(.*?)\n\n\S', algos, re.S)
    adv = sorted(set(re.findall(r'^\s+[A-Z_]+ = "([a-z_]+)"', enum.group(1), re.M))) if enum else []
    json.dump({
        'target': target, 'upstream': upstream, 'ref': ref, 'commit': commit,
        'generatedBy': 'main/export/verl/extract_keys.py',
        'composerCheck': check,
        'recipeSubmoduleCommit': recipe_commit,
        'policyLossModes': loss_modes, 'advantageEstimators': adv,
        'entryPoints': {k: dict(sorted(v.items())) for k, v in entries.items()},
    }, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
