"""Composes a verl config with OmegaConf the way Hydra applies command-line overrides (test helper).

stdin: {"keys": <keys-<target>.json entry point map>, "overrides": [[key, value, quoted], ...]}
The config tree is rebuilt from the recorded keys and defaults (interpolations kept), put in struct
mode (Hydra's: an override of a key that does not exist fails), every override is applied with
Hydra's value typing for unquoted values (int, float, bool, null, lists), and the whole config is
resolved (every ${...} interpolation evaluated; verl's main_ppo calls OmegaConf.resolve too). Mandatory
values (`???`) still unset are listed: Hydra only fails on them when they are read.
Prints {"ok": true, "values": ..., "missing": [...]} or {"ok": false, "error": ...}.
Needs omegaconf (Debian python3-omegaconf); the vitest test skips when it is absent.
"""
import json
import re
import sys

from omegaconf import OmegaConf


def hydra_typed(v):
    if re.fullmatch(r'[+-]?\d+', v):
        return int(v)
    if re.fullmatch(r'[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?', v) or v.lower() in ('inf', '-inf', 'nan'):
        return float(v)
    if v.lower() in ('true', 'false'):
        return v.lower() == 'true'
    if v.lower() == 'null':
        return None
    if v.startswith('['):
        return json.loads(v)
    return v


def main():
    data = json.load(sys.stdin)
    tree = {}
    for key, default in data['keys'].items():
        if isinstance(default, str) and default[:1] in '[{':
            try:
                default = json.loads(default)
            except ValueError:
                pass
        cur = tree
        parts = key.split('.')
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = default
    cfg = OmegaConf.create(tree)
    OmegaConf.set_struct(cfg, True)
    try:
        for key, value, quoted in data['overrides']:
            OmegaConf.update(cfg, key, value if quoted else hydra_typed(value), merge=False)
        missing = sorted(k for k in data['keys'] if OmegaConf.is_missing(OmegaConf.select(cfg, k.rsplit('.', 1)[0]) if '.' in k else cfg, k.rsplit('.', 1)[-1]))
        resolved = OmegaConf.to_container(cfg, resolve=True)
    except Exception as e:  # report, the test asserts
        print(json.dumps({'ok': False, 'error': f'{type(e).__name__}: {e}'}))
        return
    pick = data.get('pick', [])
    out = {}
    for k in pick:
        cur = resolved
        for p in k.split('.'):
            cur = cur[p]
        out[k] = cur
    print(json.dumps({'ok': True, 'values': out, 'missing': missing}))


if __name__ == '__main__':
    main()
