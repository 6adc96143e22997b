// engine_lora.cpp: LoRA parameters (init, flat read/write) and the GGUF adapter
// format that llama.cpp (and so node-llama-cpp) loads.
//
// reference: llama.cpp src/llama-adapter.cpp (keys general.type=adapter,
// general.architecture, adapter.type=lora, adapter.lora.alpha; tensors
// blk.N.<attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down>.weight.lora_{a,b},
// lora_a ne=[n_in, r], lora_b ne=[r, n_out]; scale = alpha / r).
// Init as PEFT: A ~ U(-1/sqrt(n_in), 1/sqrt(n_in)) (kaiming_uniform a=sqrt(5)), B = 0.
#include "engine.h"
#include "engine_platform.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

static void lora_dims(const engine_hparams & hp, int t, int64_t & n_in, int64_t & n_out) {
    const int64_t D = hp.n_embd, q = (int64_t) hp.n_embd_head * hp.n_head, kv = (int64_t) hp.n_embd_head * hp.n_head_kv;
    switch (t) {
        case T_Q: n_in = D; n_out = q; break;
        case T_K: case T_V: n_in = D; n_out = kv; break;
        case T_O: n_in = q; n_out = D; break;
        case T_GATE: case T_UP: n_in = D; n_out = hp.n_ff; break;
        default: n_in = hp.n_ff; n_out = D; break;
    }
}

static uint64_t splitmix64(uint64_t & s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void lora_free(engine_lora * l) {
    if (!l) return;
    if (l->buf_params) ggml_backend_buffer_free(l->buf_params);
    if (l->buf_grads) ggml_backend_buffer_free(l->buf_grads);
    if (l->ctx) ggml_free(l->ctx);
    if (l->ctx_grads) ggml_free(l->ctx_grads);
    delete l;
}

// allocate (zeroed) LoRA tensors; A random when seed given
static engine_status lora_create(engine_model * m, const engine_lora_params & p, bool random_a) {
    if (m->full) return engine_error(ENGINE_E_UNSUPPORTED, "full-parameter training is active: LoRA and full training are exclusive "
                                                           "(open the model again to train an adapter)");
    if (p.rank < 1 || p.rank > 4096) return engine_error(ENGINE_E_INVALID, "rank must be in 1..4096");
    if (!std::isfinite(p.alpha) || p.alpha <= 0) return engine_error(ENGINE_E_INVALID, "alpha must be a positive number");
    if (p.targets == 0 || p.targets >= (1u << T_COUNT)) return engine_error(ENGINE_E_INVALID, "targets must be a non-empty subset of q,k,v,o,gate,up,down");
    const engine_hparams & hp = m->hp;
    auto * l = new engine_lora();
    l->rank = p.rank; l->alpha = p.alpha; l->targets = p.targets;
    l->pairs.resize((size_t) hp.n_layer * T_COUNT);
    const size_t n_t = (size_t) hp.n_layer * T_COUNT * 6 + 8;
    ggml_init_params ip = {ggml_tensor_overhead() * n_t, nullptr, true};
    l->ctx = ggml_init(ip);
    l->ctx_grads = ggml_init(ip);
    for (int il = 0; il < hp.n_layer; il++) {
        for (int t = 0; t < T_COUNT; t++) {
            if (!(p.targets & (1u << t))) continue;
            int64_t n_in, n_out;
            lora_dims(hp, t, n_in, n_out);
            engine_lora_pair & lp = l->pairs[(size_t) il * T_COUNT + t];
            std::string base = "blk." + std::to_string(il) + "." + engine_target_gguf_names[t] + ".weight.lora_";
            lp.a = ggml_new_tensor_2d(l->ctx, GGML_TYPE_F32, n_in, p.rank);   // (n_in, r)
            lp.b = ggml_new_tensor_2d(l->ctx, GGML_TYPE_F32, p.rank, n_out);  // (r, n_out)
            ggml_set_name(lp.a, (base + "a").c_str());
            ggml_set_name(lp.b, (base + "b").c_str());
            ggml_set_param(lp.a);
            ggml_set_param(lp.b);
            lp.ma = ggml_dup_tensor(l->ctx, lp.a); lp.va = ggml_dup_tensor(l->ctx, lp.a);
            lp.mb = ggml_dup_tensor(l->ctx, lp.b); lp.vb = ggml_dup_tensor(l->ctx, lp.b);
            lp.ga = ggml_dup_tensor(l->ctx_grads, lp.a);
            lp.gb = ggml_dup_tensor(l->ctx_grads, lp.b);
        }
    }
    l->buf_params = ggml_backend_alloc_ctx_tensors(l->ctx, m->backend);
    l->buf_grads = ggml_backend_alloc_ctx_tensors(l->ctx_grads, m->backend);
    if (!l->buf_params || !l->buf_grads) { lora_free(l); return engine_error(ENGINE_E_BACKEND, "out of memory allocating LoRA"); }
    ggml_backend_buffer_clear(l->buf_params, 0);
    ggml_backend_buffer_clear(l->buf_grads, 0);
    if (random_a) {
        uint64_t s = p.seed;
        std::vector<float> tmp;
        for (auto & lp : l->pairs) {
            if (!lp.a) continue;
            const int64_t n_in = lp.a->ne[0];
            const float bound = 1.0f / sqrtf((float) n_in);
            tmp.resize((size_t) ggml_nelements(lp.a));
            for (float & v : tmp) v = ((float) (splitmix64(s) >> 40) / (float) (1ull << 24) * 2.0f - 1.0f) * bound;
            ggml_backend_tensor_set(lp.a, tmp.data(), 0, tmp.size() * sizeof(float));
        }
    }
    lora_free(m->lora);
    m->lora = l;
    return {};
}

engine_status engine_lora_init(engine_model * m, const engine_lora_params & p) { return lora_create(m, p, true); }

engine_status engine_lora_tensors(engine_model * m, std::vector<engine_tensor_info> & infos) {
    infos.clear();
    if (!m->lora) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init or lora.load first");
    for (auto & lp : m->lora->pairs) {
        if (!lp.a) continue;
        for (ggml_tensor * t : {lp.a, lp.b}) infos.push_back({ggml_get_name(t), t->ne[0], t->ne[1]});
    }
    return {};
}

engine_status engine_lora_read(engine_model * m, bool grads, std::vector<float> & out) {
    out.clear();
    if (!m->lora) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init or lora.load first");
    for (auto & lp : m->lora->pairs) {
        if (!lp.a) continue;
        for (ggml_tensor * t : {grads ? lp.ga : lp.a, grads ? lp.gb : lp.b}) {
            size_t o = out.size();
            out.resize(o + (size_t) ggml_nelements(t));
            ggml_backend_tensor_get(t, out.data() + o, 0, ggml_nbytes(t));
        }
    }
    return {};
}

engine_status engine_lora_write(engine_model * m, const std::vector<float> & in) {
    if (!m->lora) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init or lora.load first");
    size_t n = 0;
    for (auto & lp : m->lora->pairs) if (lp.a) n += (size_t) (ggml_nelements(lp.a) + ggml_nelements(lp.b));
    if (in.size() != n) return engine_error(ENGINE_E_INVALID, "expected " + std::to_string(n) + " LoRA values, got " + std::to_string(in.size()));
    for (float v : in) if (!std::isfinite(v)) return engine_error(ENGINE_E_INVALID, "LoRA values must be finite");
    size_t o = 0;
    for (auto & lp : m->lora->pairs) {
        if (!lp.a) continue;
        for (ggml_tensor * t : {lp.a, lp.b}) {
            ggml_backend_tensor_set(t, in.data() + o, 0, ggml_nbytes(t));
            o += (size_t) ggml_nelements(t);
        }
    }
    return {};
}

engine_status engine_lora_save_gguf(engine_model * m, const std::string & path) {
    if (!m->lora) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init or lora.load first");
    engine_lora * l = m->lora;
    size_t bytes = 0, n = 0;
    for (auto & lp : l->pairs) if (lp.a) { bytes += ggml_nbytes(lp.a) + ggml_nbytes(lp.b); n += 2; }
    ggml_init_params ip = {bytes + ggml_tensor_overhead() * (n + 1), nullptr, false};
    ggml_context * hc = ggml_init(ip);
    if (!hc) return engine_error(ENGINE_E_BACKEND, "out of memory");
    gguf_context * g = gguf_init_empty();
    gguf_set_val_str(g, "general.type", "adapter");
    gguf_set_val_str(g, "general.architecture", m->hp.arch_name.c_str());
    gguf_set_val_str(g, "adapter.type", "lora");
    gguf_set_val_f32(g, "adapter.lora.alpha", l->alpha);
    for (auto & lp : l->pairs) {
        if (!lp.a) continue;
        for (ggml_tensor * t : {lp.a, lp.b}) {
            ggml_tensor * c = ggml_dup_tensor(hc, t);
            ggml_set_name(c, ggml_get_name(t));
            ggml_backend_tensor_get(t, c->data, 0, ggml_nbytes(t));
            gguf_add_tensor(g, c);
        }
    }
    std::string tmp = path + ".tmp";
    bool ok = gguf_write_to_file(g, tmp.c_str(), false);
    gguf_free(g);
    ggml_free(hc);
    if (!ok) { engine_remove(tmp); return engine_error(ENGINE_E_IO, "cannot write adapter: " + path); }
    if (!engine_rename_replace(tmp, path)) { engine_remove(tmp); return engine_error(ENGINE_E_IO, "cannot rename adapter into place: " + path); }
    return {};
}

engine_status engine_lora_load_gguf(engine_model * m, const std::string & path) {
    uint64_t file_size = 0;
    if (!engine_file_size(path, &file_size)) return engine_error(ENGINE_E_IO, "adapter file not found: " + path);
    ggml_context * dc = nullptr;
    gguf_init_params gp = {false, &dc};
    gguf_context * g = gguf_init_from_file(path.c_str(), gp);
    if (!g) return engine_error(ENGINE_E_FORMAT, "corrupt or truncated GGUF adapter: " + path);
    auto done = [&](engine_status s) { gguf_free(g); if (dc) ggml_free(dc); return s; };
    auto str = [&](const char * k) -> std::string {
        int64_t id = gguf_find_key(g, k);
        return id >= 0 && gguf_get_kv_type(g, id) == GGUF_TYPE_STRING ? gguf_get_val_str(g, id) : "";
    };
    if (str("general.type") != "adapter" || str("adapter.type") != "lora") return done(engine_error(ENGINE_E_FORMAT, "not a LoRA adapter GGUF: " + path));
    if (str("general.architecture") != m->hp.arch_name)
        return done(engine_error(ENGINE_E_MISMATCH, "adapter is for arch '" + str("general.architecture") + "', model is '" + m->hp.arch_name + "'"));
    int64_t aid = gguf_find_key(g, "adapter.lora.alpha");
    float alpha = aid >= 0 && gguf_get_kv_type(g, aid) == GGUF_TYPE_FLOAT32 ? gguf_get_val_f32(g, aid) : 0.0f;
    if (!std::isfinite(alpha) || alpha < 0.0f) return done(engine_error(ENGINE_E_FORMAT, "adapter.lora.alpha must be a finite non-negative number: " + path));
    struct item { int layer, t; ggml_tensor * a = nullptr, * b = nullptr; };
    std::vector<item> items;
    int rank = -1;
    uint32_t targets = 0;
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        std::string name = gguf_get_tensor_name(g, i);
        int layer = -1, pos = 0;
        char kind[64] = {0}, ab = 0;
        if (sscanf(name.c_str(), "blk.%d.%63[a-z_].weight.lora_%c%n", &layer, kind, &ab, &pos) != 3 || pos != (int) name.size() ||
            layer < 0 || layer >= m->hp.n_layer || (ab != 'a' && ab != 'b'))
            return done(engine_error(ENGINE_E_FORMAT, "unexpected adapter tensor " + name));
        int t = -1;
        for (int k = 0; k < T_COUNT; k++) if (std::string(kind) == engine_target_gguf_names[k]) t = k;
        if (t < 0) return done(engine_error(ENGINE_E_UNSUPPORTED, "adapter tensor " + name + " targets an unsupported module"));
        ggml_tensor * tt = ggml_get_tensor(dc, name.c_str());
        if (tt->type != GGML_TYPE_F32) return done(engine_error(ENGINE_E_UNSUPPORTED, "adapter tensor " + name + " must be F32"));
        item * it = nullptr;
        for (auto & x : items) if (x.layer == layer && x.t == t) it = &x;
        if (!it) { items.push_back({layer, t}); it = &items.back(); }
        (ab == 'a' ? it->a : it->b) = tt;
        targets |= 1u << t;
    }
    if (items.empty()) return done(engine_error(ENGINE_E_FORMAT, "adapter has no tensors"));
    for (auto & it : items) {
        if (!it.a || !it.b) return done(engine_error(ENGINE_E_FORMAT, "adapter has a lora_a without lora_b (or the reverse)"));
        int64_t n_in, n_out;
        lora_dims(m->hp, it.t, n_in, n_out);
        int r = (int) it.b->ne[0];
        if (rank < 0) rank = r;
        if (r != rank || it.a->ne[1] != r || it.a->ne[0] != n_in || it.b->ne[1] != n_out)
            return done(engine_error(ENGINE_E_MISMATCH, "adapter tensor shapes do not match this model"));
    }
    // every targeted kind must be present in every layer (our LoRA layout is uniform)
    if (items.size() != (size_t) engine_popcount32(targets) * m->hp.n_layer)
        return done(engine_error(ENGINE_E_UNSUPPORTED, "adapter does not cover the same targets in every layer"));
    // NaN/Inf values would make every log-prob NaN until a step refused them: refuse the file, before
    // the current adapter is touched (everything above only reads the file).
    for (auto & it : items) {
        for (ggml_tensor * t : {it.a, it.b}) {
            const float * v = (const float *) t->data;
            for (int64_t i = 0; i < ggml_nelements(t); i++)
                if (!std::isfinite(v[i]))
                    return done(engine_error(ENGINE_E_INVALID, std::string("adapter tensor ") + ggml_get_name(t) +
                                                                   " holds NaN or infinite values: the adapter is damaged or diverged: " + path));
        }
    }
    engine_lora_params lp;
    lp.rank = rank; lp.alpha = alpha > 0 ? alpha : (float) rank; lp.targets = targets;
    engine_status s = lora_create(m, lp, false);
    if (!s.ok()) return done(s);
    for (auto & it : items) {
        engine_lora_pair & p = m->lora->pairs[(size_t) it.layer * T_COUNT + it.t];
        ggml_backend_tensor_set(p.a, it.a->data, 0, ggml_nbytes(p.a));
        ggml_backend_tensor_set(p.b, it.b->data, 0, ggml_nbytes(p.b));
    }
    return done({});
}
