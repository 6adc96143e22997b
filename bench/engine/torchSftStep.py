"""PyTorch baseline for bench/engine/sftThroughput.bench.ts: one SFT step (forward, loss
-sum_t w_t log p(y_t) over each sequence's target tokens with the prompt masked, backward,
global-norm clipping, AdamW) on a plain llama/qwen2-style decoder, CPU, F32, eager.

cfg (JSON file, argv[1]):
  mode "full": every tensor trainable, weights read from cfg["weightsPath"] (flat f32 in the
    engine's model.full.tensors() order, shapes as ggml ne) so both sides start from the same model;
    AdamW decay on matrices and embeddings only, as the engine does (docs/ENGINE.md).
  mode "lora": random frozen weights, LoRA (rank r, alpha) on q,k,v,o,gate,up,down, as
    bench/engine/torchLoraStep.py.
  batch: [{tokens, responseStart}] (equal lengths and prompt lengths, so the batch is one (B, T) tensor),
  weights: per target token, sequence after sequence (main/trainer/sft/sftBatch.ts).
Times warmup + steps steps (wall and process CPU) and prints RESULT {json} with every step's loss."""
import json, math, sys, time
import numpy as np
import torch

cfg = json.loads(open(sys.argv[1]).read())
torch.manual_seed(0)
threads = int(cfg["threads"])
torch.set_num_threads(threads)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass
s = cfg["shape"]
arch, L, D, H, KV, FF, V = s["arch"], s["nLayer"], s["d"], s["nHead"], s["nKv"], s["ff"], s["vocab"]
hd = D // H
eps, base, tied = s.get("eps", 1e-6), s["ropeBase"], s["tied"]
mode = cfg["mode"]

batch = cfg["batch"]
T = len(batch[0]["tokens"]); rs = batch[0]["responseStart"]
assert all(len(b["tokens"]) == T and b["responseStart"] == rs for b in batch), "equal lengths and prompt lengths"
B = len(batch)
tok = torch.tensor([b["tokens"] for b in batch], dtype=torch.long)
w = torch.tensor(cfg["weights"], dtype=torch.float32).view(B, T - rs)
tgt = tok[:, rs:]

# ---- parameters, by GGUF name; a matrix with ggml ne [nIn, nOut] is a torch (nOut, nIn) weight ----
P = {}
if mode == "full":
    flat = np.fromfile(cfg["weightsPath"], dtype=np.float32)
    off = 0
    for t in cfg["tensors"]:
        n = int(np.prod(t["shape"]))
        P[t["name"]] = torch.nn.Parameter(torch.from_numpy(flat[off:off + n].copy()).view(*reversed(t["shape"])))
        off += n
    assert off == flat.size, f"{off} != {flat.size}"
else:
    def frozen(*shape, std):
        return torch.randn(*shape) * std
    P["token_embd.weight"] = frozen(V, D, std=0.02)
    P["output_norm.weight"] = torch.ones(D)
    for l in range(L):
        b = f"blk.{l}."
        for name, o, i in (("attn_q", D, D), ("attn_k", hd * KV, D), ("attn_v", hd * KV, D), ("attn_output", D, D),
                           ("ffn_gate", FF, D), ("ffn_up", FF, D), ("ffn_down", D, FF)):
            P[b + name + ".weight"] = frozen(o, i, std=1 / math.sqrt(i))
        P[b + "attn_norm.weight"] = torch.ones(D)
        P[b + "ffn_norm.weight"] = torch.ones(D)
        if arch == "qwen2":
            P[b + "attn_q.bias"] = torch.zeros(D); P[b + "attn_k.bias"] = torch.zeros(hd * KV); P[b + "attn_v.bias"] = torch.zeros(hd * KV)

R = int(cfg.get("rank", 0)); scale = float(cfg.get("alpha", 0)) / R if R else 0.0
LORA = {}
if mode == "lora":
    for l in range(L):
        for name in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"):
            W = P[f"blk.{l}.{name}.weight"]
            LORA[f"blk.{l}.{name}"] = (torch.nn.Parameter(torch.randn(R, W.shape[1]) / math.sqrt(W.shape[1])),
                                       torch.nn.Parameter(torch.zeros(W.shape[0], R)))

def lin(x, key):
    y = x @ P[key + ".weight"].T
    if key in LORA:
        a, bm = LORA[key]
        y = y + scale * ((x @ a.T) @ bm.T)
    if key + ".bias" in P:
        y = y + P[key + ".bias"]
    return y

def rms(x, g):  # ggml_rms_norm then the gain
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g

pos = torch.arange(T, dtype=torch.float32)
inv = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
ang = pos[:, None] * inv[None]                       # (T, hd/2)
cos, sin = ang.cos()[None, :, None], ang.sin()[None, :, None]

def rope(x):  # x (B, T, h, hd); GGUF llama: ggml mode 0 (adjacent pairs), qwen2: NEOX (halves)
    if arch == "llama":
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2)
    x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)

mask = torch.full((T, T), float("-inf")).triu(1)

def loss_fn():
    x = P["token_embd.weight"][tok]                  # (B, T, D)
    for l in range(L):
        b = f"blk.{l}."
        h = rms(x, P[b + "attn_norm.weight"])
        q = rope(lin(h, b + "attn_q").view(B, T, H, hd)).transpose(1, 2)
        k = rope(lin(h, b + "attn_k").view(B, T, KV, hd)).repeat_interleave(H // KV, 2).transpose(1, 2)
        v = lin(h, b + "attn_v").view(B, T, KV, hd).repeat_interleave(H // KV, 2).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, -1) @ v
        x = x + lin(a.transpose(1, 2).reshape(B, T, D), b + "attn_output")
        h = rms(x, P[b + "ffn_norm.weight"])
        x = x + lin(torch.nn.functional.silu(lin(h, b + "ffn_gate")) * lin(h, b + "ffn_up"), b + "ffn_down")
    hs = rms(x[:, rs - 1:T - 1], P["output_norm.weight"])  # only the positions that predict a target token
    z = hs @ (P["token_embd.weight"] if tied else P["output.weight"]).T
    lp = torch.log_softmax(z, -1).gather(-1, tgt[..., None])[..., 0]
    return -(w * lp).sum()

if mode == "full":
    params = list(P.values())
    groups = [{"params": [p for p in params if p.dim() == 2], "weight_decay": cfg["weightDecay"]},
              {"params": [p for p in params if p.dim() != 2], "weight_decay": 0.0}]
else:
    params = [p for ab in LORA.values() for p in ab]
    groups = [{"params": params, "weight_decay": cfg["weightDecay"]}]
opt = torch.optim.AdamW(groups, lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
n_params = sum(p.numel() for p in params)

def step():
    opt.zero_grad(set_to_none=False)
    loss = loss_fn()
    loss.backward()
    if cfg["maxGradNorm"] > 0:
        torch.nn.utils.clip_grad_norm_(params, cfg["maxGradNorm"])
    opt.step()
    return loss.item()

wall, cpu, losses = [], [], []
for i in range(int(cfg["warmup"]) + int(cfg["steps"])):
    t0, c0 = time.perf_counter(), time.process_time()
    losses.append(step())
    wall.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
print(f"pytorch {torch.__version__} ({mode}, {threads} thread{'s' if threads != 1 else ''}, {n_params} trainable params)")
print("RESULT " + json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "wall_s": wall, "cpu_s": cpu,
                              "losses": losses, "trainable_params": n_params, "warmup": int(cfg["warmup"])}))
