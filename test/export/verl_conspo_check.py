"""Runs the shipped clipo_conspo.py on a hand-made batch (test helper for test/export/verlConspo.test.ts).

stdin: {"module_dir": ..., "sequences": [{"uid": str, "acc": 0|1, "logp": [...]}], "global_steps": N,
        "spec": {...}, "ranks": W, "micro": [sizes...], "permutation": [...]}
Without verl (never installed here) clipo_conspo imports without registering anything.

- "pure": the standard-library math: per-token weights B*g_i/(T_i*Z)/B = g_i/(T_i*Z), the objective
  and metrics, and the margin at global_steps - 1.
- "torch" (when torch imports): what verl's update does with the module, replayed: conspo_advantages on
  the driver batch (padded [B, L], uids, acc), then balance_batch's reordering (permutation), the even
  split over W data-parallel ranks, each rank's micro-batches (sizes), each micro-batch's loss from
  compute_policy_loss_conspo times dp_actor's loss_scale_factor = n_micro / n_rank (use_dynamic_bsz),
  backward, and FSDP's mean over ranks; the gradient of the loss with respect to each token's log-prob
  is -w, so it returns -grad as the weights verl applies.
Prints one JSON object.
"""
import json
import sys


def main():
    data = json.load(sys.stdin)
    sys.path.insert(0, data['module_dir'])
    import clipo_conspo as cc

    seqs = data['sequences']
    spec = data['spec']
    step = data['global_steps'] - 1
    lengths = [len(s['logp']) for s in seqs]
    scores = [sum(s['logp']) / len(s['logp']) if s['logp'] else 0.0 for s in seqs]
    m = cc.conspo_margin(step, spec['totalSteps'], spec['margin'], spec['alpha'])
    g, z, metrics = cc.conspo_coefficients(scores, [s['uid'] for s in seqs], [s['acc'] > 0.5 for s in seqs], lengths, m, spec['tau'], spec['normalizer'])
    B = len(seqs)
    scale = cc.token_scales(g, lengths, z, B)
    pure = {'weights': [[scale[i] / B] * lengths[i] for i in range(B)], 'g': g, 'z': z, 'metrics': metrics, 'margin': m}

    out = {'pure': pure, 'torch': None}
    try:
        import torch
    except ImportError:
        print(json.dumps(out))
        return

    L = max(lengths)
    old = torch.zeros(B, L, dtype=torch.float32)
    mask = torch.zeros(B, L, dtype=torch.int64)
    for i, s in enumerate(seqs):
        old[i, :lengths[i]] = torch.tensor(s['logp'], dtype=torch.float32)
        mask[i, :lengths[i]] = 1
    cc._STATE['spec'] = spec
    adv, tmetrics = cc.conspo_advantages(old, mask, [s['uid'] for s in seqs], [float(s['acc']) for s in seqs], step, spec)
    # on-policy: the current log-probs equal old_log_probs; they are the leaf we differentiate
    logp = old.clone().double().requires_grad_(True)
    perm = data['permutation']
    W = data['ranks']
    per_rank = B // W
    grads = torch.zeros(B, L, dtype=torch.float64)
    for r in range(W):
        idx = perm[r * per_rank:(r + 1) * per_rank]
        rank_grad = torch.zeros(B, L, dtype=torch.float64)
        at = 0
        for size in data['micro']:
            mb = idx[at:at + size]
            at += size
            if not mb:
                continue
            lp = logp[mb]
            loss, _ = cc.compute_policy_loss_conspo(old[mb], lp, adv[mb].double(), mask[mb].double())
            (gr,) = torch.autograd.grad(loss * (len(mb) / per_rank), logp)
            rank_grad += gr
        assert at == per_rank, 'micro-batch sizes must cover the rank'
        grads += rank_grad / W
    w = -grads
    out['torch'] = {'weights': [w[i, :lengths[i]].tolist() for i in range(B)], 'metrics': tmetrics,
                    'padding_grad_max': float(w[mask == 0].abs().max().item()) if bool((mask == 0).any()) else 0.0}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
