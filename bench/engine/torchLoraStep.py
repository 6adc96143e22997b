"""Baseline for bench/engine/benchEngine.mjs: a plain PyTorch (F32; CPU, or CUDA when
cfg["device"] == "cuda" and torch sees a GPU) qwen2-style
decoder with LoRA on q,k,v,o,gate,up,down; times forward + backward of
L = -sum w_t log p(y_t) + AdamW step on random weights. Prints RESULT {json}.
Deliberately simple (eager, no flash attention), the 'plain LoRA step' baseline."""
import json, math, sys, time
import torch

cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
torch.set_num_threads(int(cfg["threads"]))
D, L, H, KV, FF, V = cfg["d"], cfg["nLayer"], cfg["nHead"], cfg["nKv"], cfg["ff"], cfg["vocab"]
T, R, steps = cfg["tokens"], cfg["rank"], cfg["steps"]
hd = D // H
dev = torch.device("cuda" if cfg.get("device") == "cuda" and torch.cuda.is_available() else "cpu")
if dev.type == "cuda":  # torch >= 2.0; older torch only runs the CPU baseline
    torch.set_default_device(dev)

def lin(i, o):
    return (torch.randn(o, i) / math.sqrt(i)).requires_grad_(False)

class Lora(torch.nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.w = lin(i, o)
        self.a = torch.nn.Parameter(torch.randn(R, i) / math.sqrt(i))
        self.b = torch.nn.Parameter(torch.zeros(o, R))
        self.s = 2.0
    def forward(self, x):
        return x @ self.w.T + self.s * ((x @ self.a.T) @ self.b.T)

def rms(x, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)

def rope(x, pos):  # NEOX style, x: (T, h, hd)
    half = hd // 2
    inv = 1.0 / (1e6 ** (torch.arange(half) / half))
    ang = pos[:, None] * inv[None]
    c, s = ang.cos()[:, None], ang.sin()[:, None]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], -1)

layers = [dict(q=Lora(D, D), k=Lora(D, hd * KV), v=Lora(D, hd * KV), o=Lora(D, D), g=Lora(D, FF), u=Lora(D, FF), d=Lora(FF, D)) for _ in range(L)]
emb = torch.randn(V, D) * 0.02
params = [p for l in layers for m in l.values() for p in m.parameters()]
opt = torch.optim.AdamW(params, lr=1e-4)
tok = torch.randint(0, V, (T,))
pos = torch.arange(T, dtype=torch.float32)
mask = torch.full((T, T), float("-inf")).triu(1)
w = torch.full((T - T // 2,), 1.0 / T)

def step():
    x = emb[tok]
    for l in layers:
        h = rms(x)
        q = rope(l["q"](h).view(T, H, hd), pos).transpose(0, 1)
        k = rope(l["k"](h).view(T, KV, hd), pos).repeat_interleave(H // KV, 1).transpose(0, 1)
        v = l["v"](h).view(T, KV, hd).repeat_interleave(H // KV, 1).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + mask, -1) @ v
        x = x + l["o"](a.transpose(0, 1).reshape(T, D))
        h = rms(x)
        x = x + l["d"](torch.nn.functional.silu(l["g"](h)) * l["u"](h))
    z = rms(x)[T // 2 - 1:T - 1] @ emb.T
    lp = torch.log_softmax(z, -1).gather(1, tok[T // 2:, None])[:, 0]
    loss = -(w * lp).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()

def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()

best = 1e30
for i in range(steps):
    sync(); t0 = time.time(); step(); sync(); best = min(best, time.time() - t0)
peak = torch.cuda.max_memory_allocated() if dev.type == "cuda" else 0
print(f"pytorch {torch.__version__} on {dev}: forward+backward+step {best:.3f} s" + (f", peak {peak / 2**20:.0f} MiB" if peak else ""))
print("RESULT " + json.dumps({"train_tok_s": T / best, "device": dev.type, "peak_bytes": peak}))
