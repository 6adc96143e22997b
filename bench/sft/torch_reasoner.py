#!/usr/bin/python3
"""PyTorch prototype of the arith-reasoner (models/reasoner) and the PyTorch baseline of the SFT benchmark.

A llama-style decoder (RMSNorm, RoPE, SwiGLU, tied embeddings) trained from scratch on arith-word rows with
worked solutions, prompt masked, token-mean NLL over the solution tokens (the loss main/trainer/sft/sftBatch.ts
gives the engine), AdamW, linear warmup + cosine decay; then greedy pass@1 on test / perturbed / test-ood.

Input: the token ids the rebuild script dumps with exactly node-llama-cpp's tokenization
(`node dist/main/trainer/reasoner/buildReasoner.js --dump-data /tmp/reasoner_data.json`): for each split a list of
{p: prompt ids (ChatML, BOS first), t: solution ids + <|im_end|>, a: answer}.

    nice /usr/bin/python3 bench/sft/torch_reasoner.py /tmp/reasoner_data.json --d 128 --layers 4 --steps 600
"""
import argparse, json, math, re, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__(); self.w = nn.Parameter(torch.ones(d)); self.eps = eps
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope(x, base=10000.0):
    # x: [B, H, T, hd]; llama.cpp's LLAMA rope (mode 0) rotates adjacent pairs (x[2i], x[2i+1])
    B, H, T, hd = x.shape
    inv = base ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    ang = torch.arange(T, dtype=torch.float32)[:, None] * inv[None, :]
    cos, sin = ang.cos(), ang.sin()
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1)
    return out.flatten(-2)


class Block(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.h = heads; self.n1 = RMSNorm(d); self.n2 = RMSNorm(d)
        self.q = nn.Linear(d, d, bias=False); self.k = nn.Linear(d, d, bias=False)
        self.v = nn.Linear(d, d, bias=False); self.o = nn.Linear(d, d, bias=False)
        self.gate = nn.Linear(d, ff, bias=False); self.up = nn.Linear(d, ff, bias=False); self.down = nn.Linear(ff, d, bias=False)
    def forward(self, x, mask):
        B, T, D = x.shape
        y = self.n1(x)
        q, k, v = (m(y).view(B, T, self.h, D // self.h).transpose(1, 2) for m in (self.q, self.k, self.v))
        q, k = rope(q), rope(k)
        a = (q @ k.transpose(-1, -2)) / math.sqrt(D // self.h) + mask
        x = x + self.o((a.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D))
        y = self.n2(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y))


class Model(nn.Module):
    def __init__(self, vocab, d, layers, heads, ff):
        super().__init__()
        self.emb = nn.Embedding(vocab, d); self.blocks = nn.ModuleList(Block(d, heads, ff) for _ in range(layers)); self.norm = RMSNorm(d)
        nn.init.normal_(self.emb.weight, std=0.02)
        for b in self.blocks:
            for m in (b.q, b.k, b.v, b.gate, b.up): nn.init.normal_(m.weight, std=1 / math.sqrt(d))
            nn.init.normal_(b.o.weight, std=1 / math.sqrt(d) / math.sqrt(2 * layers)); nn.init.normal_(b.down.weight, std=1 / math.sqrt(ff) / math.sqrt(2 * layers))
    def forward(self, ids):
        T = ids.shape[1]
        mask = torch.full((T, T), float('-inf')).triu(1)
        x = self.emb(ids)
        for b in self.blocks: x = b(x, mask)
        return self.norm(x) @ self.emb.weight.T


def batch(rows):
    T = max(len(r['p']) + len(r['t']) for r in rows)
    ids = torch.zeros(len(rows), T, dtype=torch.long); w = torch.zeros(len(rows), T)
    for i, r in enumerate(rows):
        s = r['p'] + r['t']; ids[i, :len(s)] = torch.tensor(s)
        w[i, len(r['p']) - 1:len(s) - 1] = 1  # position t predicts token t+1: score only the solution
    return ids, w


@torch.no_grad()
def greedy(model, rows, vocab, max_new=60, eot=4):
    correct = 0; lens = []
    for chunk in range(0, len(rows), 50):
        rs = rows[chunk:chunk + 50]
        outs = [list(r['p']) for r in rs]; done = [False] * len(rs)
        for _ in range(max_new):
            T = max(len(o) for o in outs)
            # left-pad free: run each length group separately is slow; instead right-pad and read each row's last position
            ids = torch.zeros(len(rs), T, dtype=torch.long)
            for i, o in enumerate(outs): ids[i, :len(o)] = torch.tensor(o)
            logits = model(ids)
            for i, o in enumerate(outs):
                if done[i]: continue
                t = int(logits[i, len(o) - 1].argmax())
                if t == eot: done[i] = True
                else: o.append(t)
            if all(done): break
        for r, o in zip(rs, outs):
            text = ''.join(vocab[t] for t in o[len(r['p']):]).replace('\u2581', ' ')
            m = re.findall(r'\\boxed\{(\d+)\}', text)
            correct += int(bool(m) and m[-1] == r['a']); lens.append(len(o) - len(r['p']))
    return correct / len(rows), sum(lens) / len(lens)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data'); ap.add_argument('--d', type=int, default=128); ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--heads', type=int, default=4); ap.add_argument('--ff', type=int, default=0)
    ap.add_argument('--steps', type=int, default=600); ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=3e-3); ap.add_argument('--warmup', type=int, default=25)
    ap.add_argument('--eval-every', type=int, default=200); ap.add_argument('--eval-rows', type=int, default=200)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
    data = json.load(open(a.data)); vocab = data['vocab']
    ff = a.ff or int(8 * a.d / 3 // 32 * 32)
    model = Model(len(vocab), a.d, a.layers, a.heads, ff)
    n = sum(p.numel() for p in model.parameters())
    print(json.dumps({'params': n, 'd': a.d, 'layers': a.layers, 'ff': ff, 'vocab': len(vocab)}), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.0)
    train = data['train']; t0 = time.time(); toks = 0
    for step in range(a.steps):
        lr = a.lr * min(1, (step + 1) / a.warmup) * (0.5 * (1 + math.cos(math.pi * step / a.steps)) * 0.9 + 0.1)
        for g in opt.param_groups: g['lr'] = lr
        rows = [train[(step * a.batch + i) % len(train)] for i in range(a.batch)]
        ids, w = batch(rows)
        logp = model(ids[:, :-1]).log_softmax(-1).gather(-1, ids[:, 1:, None])[..., 0]
        loss = -(logp * w[:, :-1]).sum() / w.sum()
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
        toks += int(sum(len(r['p']) + len(r['t']) for r in rows))
        if step % 20 == 0 or step == a.steps - 1:
            print(json.dumps({'step': step, 'loss': round(loss.item(), 4), 'lr': lr, 'tok_s': round(toks / (time.time() - t0)), 's': round(time.time() - t0, 1)}), flush=True)
        if (step + 1) % a.eval_every == 0 or step == a.steps - 1:
            model.eval()
            res = {s: greedy(model, data[s][:a.eval_rows], vocab) for s in ('test', 'perturbed', 'test-ood')}
            print(json.dumps({'step': step, 'eval': res, 's': round(time.time() - t0, 1)}), flush=True)
            model.train()


if __name__ == '__main__':
    main()
