#!/usr/bin/env python3
"""
Independent check of the PEFT export (docs/EXPORT.md): load a tiny GGUF model
(F32) and the exported PEFT adapter into a reference implementation in Hugging
Face conventions and compare per-token log-probs with the engine's.

  python3 bench/export/peft_reference.py FIXTURE_DIR

FIXTURE_DIR (written by bench/export/peftReference.bench.ts) holds one folder per
arch with model.gguf, peft/ (adapter_model.safetensors + adapter_config.json) and
expected.json ({tokens, responseStart, logprobs}: the engine's log-probs with the
adapter). Two references:
  * torch: transformers (LlamaForCausalLM / Qwen2ForCausalLM) + peft.PeftModel.from_pretrained,
    when torch, transformers and peft are installed;
  * numpy: the same decoder written out in float64 (always; needs numpy only).
Base weights are converted GGUF -> HF exactly like llama.cpp's converter in reverse
(q/k rows un-permuted for llama), so a wrong adapter permutation or name shows up
as a log-prob mismatch. Prints one JSON line per arch and exits 1 on a mismatch.
"""
import json, os, struct, sys

import numpy as np

GGUF_TYPES = {0: 'u8', 1: 'i8', 2: 'u16', 3: 'i16', 4: 'u32', 5: 'i32', 6: 'f32', 7: 'bool', 8: 'str', 9: 'arr', 10: 'u64', 11: 'i64', 12: 'f64'}
FMT = {'u8': '<B', 'i8': '<b', 'u16': '<H', 'i16': '<h', 'u32': '<I', 'i32': '<i', 'f32': '<f', 'bool': '<?', 'u64': '<Q', 'i64': '<q', 'f64': '<d'}


def read_gguf(path):
    b = open(path, 'rb').read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, b, pos)[0]
        pos += struct.calcsize(fmt)
        return v

    def string():
        nonlocal pos
        n = take('<Q')
        s = b[pos:pos + n].decode('utf8')
        pos += n
        return s

    def value(t):
        k = GGUF_TYPES[t]
        if k == 'str':
            return string()
        if k == 'arr':
            et, n = take('<I'), take('<Q')
            return [value(et) for _ in range(n)]
        return take(FMT[k])

    assert b[:4] == b'GGUF', 'not a GGUF file'
    pos = 4
    take('<I')
    n_t, n_kv = take('<Q'), take('<Q')
    md = {}
    for _ in range(n_kv):
        k = string()
        md[k] = value(take('<I'))
    infos = []
    for _ in range(n_t):
        name = string()
        nd = take('<I')
        ne = [take('<Q') for _ in range(nd)]
        infos.append((name, ne, take('<I'), take('<Q')))
    align = md.get('general.alignment', 32)
    start = (pos + align - 1) // align * align
    tensors = {}
    for name, ne, typ, off in infos:
        assert typ == 0, f'{name}: only F32 tensors are supported by this reference (type {typ})'
        n = int(np.prod(ne))
        a = np.frombuffer(b, dtype='<f4', count=n, offset=start + off).astype(np.float64)
        tensors[name] = a.reshape(list(reversed(ne)))  # torch order: ggml ne reversed
    return md, tensors


def unpermute(w, n_head):
    """Inverse of llama.cpp's HF->GGUF q/k row permutation (rows of a [out, ...] matrix)."""
    out_dim = w.shape[0]
    hd = out_dim // n_head
    return w.reshape(n_head, hd // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def hf_weights(md, t):
    arch = md['general.architecture']
    nh, nkv = md[f'{arch}.attention.head_count'], md[f'{arch}.attention.head_count_kv']
    sd = {'model.embed_tokens.weight': t['token_embd.weight'], 'model.norm.weight': t['output_norm.weight']}
    sd['lm_head.weight'] = t.get('output.weight', t['token_embd.weight'])
    names = {'attn_q': 'self_attn.q_proj', 'attn_k': 'self_attn.k_proj', 'attn_v': 'self_attn.v_proj', 'attn_output': 'self_attn.o_proj',
             'ffn_gate': 'mlp.gate_proj', 'ffn_up': 'mlp.up_proj', 'ffn_down': 'mlp.down_proj', 'attn_norm': 'input_layernorm', 'ffn_norm': 'post_attention_layernorm'}
    for i in range(md[f'{arch}.block_count']):
        for g, h in names.items():
            for suf in ('weight', 'bias'):
                key = f'blk.{i}.{g}.{suf}'
                if key not in t:
                    continue
                w = t[key]
                if arch == 'llama' and g in ('attn_q', 'attn_k'):
                    w = unpermute(w, nh if g == 'attn_q' else nkv)
                sd[f'model.layers.{i}.{h}.{suf}'] = w
    return sd


def read_peft(d):
    cfg = json.load(open(os.path.join(d, 'adapter_config.json')))
    b = open(os.path.join(d, 'adapter_model.safetensors'), 'rb').read()
    n = struct.unpack_from('<Q', b, 0)[0]
    header = json.loads(b[8:8 + n])
    body = 8 + n
    ts = {}
    for k, h in header.items():
        if k == '__metadata__':
            continue
        assert h['dtype'] == 'F32'
        s, e = h['data_offsets']
        ts[k] = np.frombuffer(b[body + s:body + e], dtype='<f4').astype(np.float64).reshape(h['shape'])
    return cfg, ts


def numpy_forward(md, sd, lora, scale, tokens):
    arch = md['general.architecture']
    nh, nkv = md[f'{arch}.attention.head_count'], md[f'{arch}.attention.head_count_kv']
    eps = md[f'{arch}.attention.layer_norm_rms_epsilon']
    base = md.get(f'{arch}.rope.freq_base', 10000.0)
    D = sd['model.embed_tokens.weight'].shape[1]
    hd = D // nh
    T = len(tokens)
    x = sd['model.embed_tokens.weight'][tokens]
    rms = lambda v, w: v / np.sqrt((v * v).mean(-1, keepdims=True) + eps) * w
    inv = base ** (-np.arange(0, hd, 2) / hd)
    ang = np.arange(T)[:, None] * inv[None, :]
    cos, sin = np.concatenate([np.cos(ang)] * 2, -1), np.concatenate([np.sin(ang)] * 2, -1)
    rope = lambda v: v * cos[:, None, :] + np.concatenate([-v[..., hd // 2:], v[..., :hd // 2]], -1) * sin[:, None, :]

    def lin(p, v):
        y = v @ sd[f'{p}.weight'].T
        if f'{p}.bias' in sd:
            y = y + sd[f'{p}.bias']
        a = lora.get(f'base_model.model.{p}.lora_A.weight')
        if a is not None:
            y = y + scale * (v @ a.T) @ lora[f'base_model.model.{p}.lora_B.weight'].T
        return y

    mask = np.triu(np.full((T, T), -np.inf), 1)
    for i in range(md[f'{arch}.block_count']):
        L = f'model.layers.{i}'
        h = rms(x, sd[f'{L}.input_layernorm.weight'])
        q = rope(lin(f'{L}.self_attn.q_proj', h).reshape(T, nh, hd))
        k = rope(lin(f'{L}.self_attn.k_proj', h).reshape(T, nkv, hd))
        v = lin(f'{L}.self_attn.v_proj', h).reshape(T, nkv, hd)
        rep = nh // nkv
        k, v = np.repeat(k, rep, 1), np.repeat(v, rep, 1)
        s = np.einsum('thd,shd->hts', q, k) / np.sqrt(hd) + mask
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        o = np.einsum('hts,shd->thd', p, v).reshape(T, D)
        x = x + lin(f'{L}.self_attn.o_proj', o)
        h = rms(x, sd[f'{L}.post_attention_layernorm.weight'])
        g = lin(f'{L}.mlp.gate_proj', h)
        x = x + lin(f'{L}.mlp.down_proj', g / (1 + np.exp(-g)) * lin(f'{L}.mlp.up_proj', h))
    z = rms(x, sd['model.norm.weight']) @ sd['lm_head.weight'].T
    return z - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) - z.max(-1, keepdims=True)


def torch_forward(md, sd, peft_dir, tokens):
    import torch
    import transformers
    from peft import PeftModel
    arch = md['general.architecture']
    kw = dict(vocab_size=sd['model.embed_tokens.weight'].shape[0], hidden_size=sd['model.embed_tokens.weight'].shape[1],
              intermediate_size=md[f'{arch}.feed_forward_length'], num_hidden_layers=md[f'{arch}.block_count'],
              num_attention_heads=md[f'{arch}.attention.head_count'], num_key_value_heads=md[f'{arch}.attention.head_count_kv'],
              rms_norm_eps=md[f'{arch}.attention.layer_norm_rms_epsilon'], rope_theta=md.get(f'{arch}.rope.freq_base', 10000.0),
              tie_word_embeddings=False, max_position_embeddings=256)
    if arch == 'llama':
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**kw, attention_bias=False, mlp_bias=False))
    else:
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**kw))
    model = model.double()
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}, strict=False)
    assert not unexpected and all('rotary' in m for m in missing), (missing, unexpected)
    model = PeftModel.from_pretrained(model, peft_dir).double().eval()
    with torch.no_grad():
        z = model(torch.tensor([tokens])).logits[0]
    return torch.log_softmax(z, -1).numpy()


def main(root):
    ok = True
    for arch in sorted(os.listdir(root)):
        d = os.path.join(root, arch)
        if not os.path.isdir(d):
            continue
        md, t = read_gguf(os.path.join(d, 'model.gguf'))
        sd = hf_weights(md, t)
        cfg, lora = read_peft(os.path.join(d, 'peft'))
        exp = json.load(open(os.path.join(d, 'expected.json')))
        toks, rs = exp['tokens'], exp['responseStart']
        pick = lambda lp: np.array([lp[i, toks[i + 1]] for i in range(rs - 1, len(toks) - 1)])
        ref = np.array(exp['logprobs'])
        res = {'arch': arch}
        lp = pick(numpy_forward(md, sd, lora, cfg['lora_alpha'] / cfg['r'], toks))
        res['numpy_max_abs_diff'] = float(np.abs(lp - ref).max())
        lp0 = pick(numpy_forward(md, sd, {}, 0, toks))
        res['adapter_effect'] = float(np.abs(lp0 - ref).max())
        ok &= res['numpy_max_abs_diff'] < 1e-4
        try:
            lpt = pick(torch_forward(md, sd, os.path.join(d, 'peft'), toks))
            res['torch_peft_max_abs_diff'] = float(np.abs(lpt - ref).max())
            ok &= res['torch_peft_max_abs_diff'] < 1e-4
        except ImportError as e:
            res['torch_peft'] = f'skipped ({e.name} not installed)'
        print(json.dumps(res))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
