"""PyTorch + PEFT baseline for bench/engine/benchEngine.mjs (BENCH_BASELINE=peft): a randomly
initialised Hugging Face Qwen2/Llama model of the bench's shape (transformers config, bf16 base,
eager attention), PEFT LoRA on q,k,v,o,gate,up,down (rank r, alpha 2r), loss -sum w_t log p(y_t)
over the second half of the tokens, AdamW. Times forward + backward + step; reports peak memory.
Prints RESULT {json}. The usual way people fine-tune with LoRA on a GPU, so the fair reference."""
import json, sys, time
import torch
import transformers, peft

cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
torch.set_num_threads(int(cfg["threads"]))
dev = torch.device("cuda" if cfg.get("device") == "cuda" and torch.cuda.is_available() else "cpu")
D, L, H, KV, FF, V, T, R = cfg["d"], cfg["nLayer"], cfg["nHead"], cfg["nKv"], cfg["ff"], cfg["vocab"], cfg["tokens"], cfg["rank"]
common = dict(hidden_size=D, num_hidden_layers=L, num_attention_heads=H, num_key_value_heads=KV, intermediate_size=FF,
              vocab_size=V, max_position_embeddings=32768, tie_word_embeddings=True, attn_implementation="eager")
dtype = torch.bfloat16 if dev.type == "cuda" else torch.float32
# initialise directly on the device in the target dtype (a 1.5B random init on the CPU takes ~a minute)
torch.set_default_dtype(dtype)
with torch.device(dev):
    if cfg.get("arch", "qwen2") == "llama":
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(rope_theta=5e5, **common))
    else:
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(rope_theta=1e6, **common))
torch.set_default_dtype(torch.float32)
lcfg = peft.LoraConfig(r=R, lora_alpha=2 * R, lora_dropout=0.0, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
model = peft.get_peft_model(model, lcfg)
for n, p in model.named_parameters():
    if p.requires_grad:
        p.data = p.data.float()
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
tok = torch.randint(0, V, (1, T), device=dev)
w = torch.full((T - T // 2,), 1.0 / T, device=dev)

def step():
    logits = model(input_ids=tok).logits[0, T // 2 - 1:T - 1].float()
    lp = torch.log_softmax(logits, -1).gather(1, tok[0, T // 2:, None])[:, 0]
    loss = -(w * lp).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()

def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()

if dev.type == "cuda":
    torch.cuda.reset_peak_memory_stats()
best = 1e30
for i in range(int(cfg["steps"])):
    sync(); t0 = time.time(); step(); sync(); best = min(best, time.time() - t0)
peak = torch.cuda.max_memory_allocated() if dev.type == "cuda" else 0
print(f"pytorch {torch.__version__} + peft {peft.__version__} on {dev} ({dtype}): forward+backward+step {best:.3f} s" + (f", peak {peak / 2**20:.0f} MiB" if peak else ""))
print("RESULT " + json.dumps({"train_tok_s": T / best, "device": dev.type, "peak_bytes": peak, "impl": "peft"}))
