// engine_full.cpp: full-parameter training state (issue 15): every model tensor trainable.
//
// full_init converts every model tensor to a resident F32 copy (F16/BF16/quantised rows through
// ggml's to_float), flags it as a param and allocates a gradient accumulator and two AdamW moments
// of the same shape. The hand-built backward (engine_graph.cpp) accumulates dW into the
// accumulators when m->full is set; engine_step (engine_train.cpp) runs ggml_opt_step_adamw on all.
// Why F32 only: the gradient of a quantised weight has no meaning (the step could not be stored in
// the file's type without re-quantising, which changes what the gradient is of) and ggml's
// OPT_STEP_ADAMW is F32 only.
//
// Exclusive with LoRA: a LoRA adapter on top of trainable base weights would make two parameter
// sets share one loss with one optimizer; the product has no use for it, so each refuses the other.
//
// State file (version 2, "full"): "CLIPOSTE" | u32 2 | u64 fingerprint | u32 n_tensors | i64 step |
// u64 n_floats | per tensor in engine_full_tensors order: w, m, v | u64 fnv1a of the floats.
#include "engine.h"
#include "engine_platform.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

void engine_full_free(engine_full * f) {
    if (!f) return;
    if (f->buf_grads) ggml_backend_buffer_free(f->buf_grads);
    if (f->buf_moments) ggml_backend_buffer_free(f->buf_moments);
    if (f->ctx_grads) ggml_free(f->ctx_grads);
    if (f->ctx_moments) ggml_free(f->ctx_moments);
    if (f->meta) gguf_free(f->meta);
    delete f;
}

// Every model tensor, in the documented flat order, with whether weight decay applies.
static void full_list(engine_model * m, std::vector<std::pair<ggml_tensor **, bool>> & out) {
    out.clear();
    out.push_back({&m->tok_embd, true});
    out.push_back({&m->output_norm, false});
    if (m->output) out.push_back({&m->output, true});
    for (engine_layer & L : m->layers) {
        out.push_back({&L.attn_norm, false});
        for (ggml_tensor ** t : {&L.wq, &L.wk, &L.wv, &L.wo}) out.push_back({t, true});
        for (ggml_tensor ** t : {&L.bq, &L.bk, &L.bv, &L.q_norm, &L.k_norm}) if (*t) out.push_back({t, false});
        out.push_back({&L.ffn_norm, false});
        for (ggml_tensor ** t : {&L.w_gate, &L.w_up, &L.w_down}) out.push_back({t, true});
    }
}

// Host F32 copy of a backend tensor of any type the engine loads.
static bool tensor_to_f32(ggml_tensor * t, std::vector<float> & out) {
    const int64_t n = ggml_nelements(t);
    out.resize((size_t) n);
    if (t->type == GGML_TYPE_F32) { ggml_backend_tensor_get(t, out.data(), 0, ggml_nbytes(t)); return true; }
    const ggml_type_traits * tr = ggml_get_type_traits(t->type);
    if (!tr || !tr->to_float) return false;
    std::vector<uint8_t> raw(ggml_nbytes(t));
    ggml_backend_tensor_get(t, raw.data(), 0, raw.size());
    tr->to_float(raw.data(), out.data(), n);
    return true;
}

engine_status engine_full_init(engine_model * m, const engine_full_params & p) {
    if (m->full) return {};
    if (m->lora) return engine_error(ENGINE_E_UNSUPPORTED, "a LoRA adapter is active: full-parameter training and LoRA are exclusive "
                                                           "(open the model again without an adapter)");
    if (m->legacy_autograd) return engine_error(ENGINE_E_UNSUPPORTED, "full-parameter training needs the hand-built backward (legacyAutograd is on)");
    if (p.max_params < 1) return engine_error(ENGINE_E_INVALID, "maxParams must be positive");
    std::vector<std::pair<ggml_tensor **, bool>> list;
    full_list(m, list);
    int64_t n_params = 0;
    for (auto & e : list) n_params += ggml_nelements(*e.first);
    if (n_params > p.max_params)
        return engine_error(ENGINE_E_UNSUPPORTED, "model has " + std::to_string(n_params) + " parameters; full-parameter training is limited to " +
                                                      std::to_string(p.max_params) + " (16 bytes per parameter for weights, gradients and AdamW "
                                                      "moments): use LoRA for this model");
    // the source file's metadata, for save_gguf (read now: the file may move later)
    gguf_init_params gp = {true, nullptr};
    gguf_context * meta = gguf_init_from_file(m->path.c_str(), gp);
    if (!meta) return engine_error(ENGINE_E_IO, "cannot re-read the model's GGUF metadata: " + m->path);

    // New F32 weights for every model tensor (rope_freqs included, untrained), built beside the old
    // ones so that a failure leaves the model as it was.
    std::vector<ggml_tensor **> all;
    for (auto & e : list) all.push_back(e.first);
    if (m->rope_freqs) all.push_back(&m->rope_freqs);
    ggml_init_params ip = {ggml_tensor_overhead() * (all.size() + 8), nullptr, true};
    ggml_context * ctx_w = ggml_init(ip);
    auto * f = new engine_full();
    f->meta = meta;
    f->ctx_grads = ggml_init(ip);
    ggml_init_params ip2 = {ggml_tensor_overhead() * (2 * all.size() + 8), nullptr, true};
    f->ctx_moments = ggml_init(ip2);
    if (!ctx_w || !f->ctx_grads || !f->ctx_moments) { if (ctx_w) ggml_free(ctx_w); engine_full_free(f); return engine_error(ENGINE_E_BACKEND, "out of memory"); }
    std::map<ggml_tensor *, ggml_tensor *> repl;
    for (ggml_tensor ** pt : all) {
        ggml_tensor * o = *pt;
        ggml_tensor * t = ggml_new_tensor(ctx_w, GGML_TYPE_F32, GGML_MAX_DIMS, o->ne);
        ggml_set_name(t, ggml_get_name(o));
        repl[o] = t;
    }
    for (auto & e : list) {
        engine_full_param fp;
        fp.w = repl[*e.first];
        fp.name = ggml_get_name(fp.w);
        fp.decay = e.second;
        ggml_set_param(fp.w);
        fp.g = ggml_dup_tensor(f->ctx_grads, fp.w);
        fp.m = ggml_dup_tensor(f->ctx_moments, fp.w);
        fp.v = ggml_dup_tensor(f->ctx_moments, fp.w);
        f->params.push_back(fp);
    }
    f->n_params = n_params;
    ggml_backend_buffer_t buf_w = ggml_backend_alloc_ctx_tensors(ctx_w, m->backend);
    f->buf_grads = ggml_backend_alloc_ctx_tensors(f->ctx_grads, m->backend);
    f->buf_moments = ggml_backend_alloc_ctx_tensors(f->ctx_moments, m->backend);
    if (!buf_w || !f->buf_grads || !f->buf_moments) {
        if (buf_w) ggml_backend_buffer_free(buf_w);
        ggml_free(ctx_w);
        engine_full_free(f);
        return engine_error(ENGINE_E_BACKEND, "out of memory allocating full-parameter training state (" + std::to_string(n_params) +
                                                  " parameters x 16 bytes)");
    }
    ggml_backend_buffer_clear(f->buf_grads, 0);
    ggml_backend_buffer_clear(f->buf_moments, 0);
    std::vector<float> tmp;
    for (auto & [o, t] : repl) {
        if (!tensor_to_f32(o, tmp)) {
            ggml_backend_buffer_free(buf_w); ggml_free(ctx_w); engine_full_free(f);
            return engine_error(ENGINE_E_UNSUPPORTED, std::string("cannot convert ") + ggml_type_name(o->type) + " to F32");
        }
        ggml_backend_tensor_set(t, tmp.data(), 0, ggml_nbytes(t));
    }
    // commit: point the model at the F32 tensors, free the old weights
    for (ggml_tensor ** pt : all) *pt = repl[*pt];
    ggml_backend_buffer_free(m->buf_w);
    ggml_free(m->ctx_w);
    m->buf_w = buf_w;
    m->ctx_w = ctx_w;
    ggml_backend_buffer_set_usage(m->buf_w, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    m->frozen_f32 = true;
    m->full = f;
    return {};
}

engine_status engine_full_tensors(engine_model * m, std::vector<engine_full_tensor_info> & out) {
    out.clear();
    if (!m->full) return engine_error(ENGINE_E_STATE, "full-parameter training is not active: call full.init first");
    for (auto & p : m->full->params) {
        engine_full_tensor_info ti;
        ti.name = p.name;
        for (int d = 0; d < ggml_n_dims(p.w); d++) ti.ne.push_back(p.w->ne[d]);
        out.push_back(ti);
    }
    return {};
}

engine_status engine_full_read(engine_model * m, bool grads, std::vector<float> & out) {
    out.clear();
    if (!m->full) return engine_error(ENGINE_E_STATE, "full-parameter training is not active: call full.init first");
    out.resize((size_t) m->full->n_params);
    size_t o = 0;
    for (auto & p : m->full->params) {
        ggml_tensor * t = grads ? p.g : p.w;
        ggml_backend_tensor_get(t, out.data() + o, 0, ggml_nbytes(t));
        o += (size_t) ggml_nelements(t);
    }
    return {};
}

engine_status engine_full_write(engine_model * m, const std::vector<float> & in) {
    if (!m->full) return engine_error(ENGINE_E_STATE, "full-parameter training is not active: call full.init first");
    if ((int64_t) in.size() != m->full->n_params)
        return engine_error(ENGINE_E_INVALID, "expected " + std::to_string(m->full->n_params) + " values, got " + std::to_string(in.size()));
    for (size_t i = 0; i < in.size(); i++)
        if (!std::isfinite(in[i])) return engine_error(ENGINE_E_INVALID, "parameter values must be finite (index " + std::to_string(i) + ")");
    size_t o = 0;
    for (auto & p : m->full->params) {
        ggml_backend_tensor_set(p.w, in.data() + o, 0, ggml_nbytes(p.w));
        o += (size_t) ggml_nelements(p.w);
    }
    return {};
}

engine_status engine_full_save_gguf(engine_model * m, const std::string & path, bool f16) {
    engine_full * f = m->full;
    if (!f) return engine_error(ENGINE_E_STATE, "full-parameter training is not active: call full.init first");
    std::map<std::string, ggml_tensor *> by_name;
    for (auto & p : f->params) by_name[p.name] = p.w;
    if (m->rope_freqs) by_name[ggml_get_name(m->rope_freqs)] = m->rope_freqs;
    // the source file's tensor order (llama.cpp does not care, but a diff of the two files is simpler)
    std::vector<std::string> order;
    for (int64_t i = 0; i < gguf_get_n_tensors(f->meta); i++) order.push_back(gguf_get_tensor_name(f->meta, i));
    if (order.size() != by_name.size()) return engine_error(ENGINE_E_STATE, "model tensors do not match the source file's");
    size_t bytes = 0;
    for (auto & kv : by_name) bytes += ggml_nbytes(kv.second) + 64;
    ggml_init_params ip = {bytes + ggml_tensor_overhead() * (order.size() + 1), nullptr, false};
    ggml_context * hc = ggml_init(ip);
    if (!hc) return engine_error(ENGINE_E_BACKEND, "out of memory");
    gguf_context * g = gguf_init_empty();
    gguf_set_kv(g, f->meta);
    // llama_ftype: ALL_F32 = 0, MOSTLY_F16 = 1 (llama.h); informational in llama.cpp
    gguf_set_val_u32(g, "general.file_type", f16 ? 1u : 0u);
    std::vector<float> tmp;
    for (const std::string & name : order) {
        auto it = by_name.find(name);
        if (it == by_name.end()) { gguf_free(g); ggml_free(hc); return engine_error(ENGINE_E_STATE, "source tensor " + name + " is not in the model"); }
        ggml_tensor * t = it->second;
        const bool as_f16 = f16 && ggml_n_dims(t) >= 2;
        ggml_tensor * c = ggml_new_tensor(hc, as_f16 ? GGML_TYPE_F16 : GGML_TYPE_F32, GGML_MAX_DIMS, t->ne);
        ggml_set_name(c, name.c_str());
        tmp.resize((size_t) ggml_nelements(t));
        ggml_backend_tensor_get(t, tmp.data(), 0, ggml_nbytes(t));
        if (as_f16) ggml_fp32_to_fp16_row(tmp.data(), (ggml_fp16_t *) c->data, ggml_nelements(t));
        else memcpy(c->data, tmp.data(), ggml_nbytes(t));
        gguf_add_tensor(g, c);
    }
    std::string tmpp = path + ".tmp";
    bool ok = gguf_write_to_file(g, tmpp.c_str(), false);
    gguf_free(g);
    ggml_free(hc);
    if (!ok) { engine_remove(tmpp); return engine_error(ENGINE_E_IO, "cannot write model: " + path); }
    if (!engine_rename_replace(tmpp, path)) { engine_remove(tmpp); return engine_error(ENGINE_E_IO, "cannot rename model into place: " + path); }
    return {};
}

// ---- state (version 2) ---------------------------------------------------------

static uint64_t full_hash(const std::vector<float> & v) {
    uint64_t h = 1469598103934665603ull;
    const uint8_t * p = (const uint8_t *) v.data();
    for (size_t i = 0; i < v.size() * 4; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

engine_status engine_full_state_save(engine_model * m, const std::string & path) {
    engine_full * f = m->full;
    std::vector<float> data((size_t) f->n_params * 3);
    size_t o = 0;
    for (auto & p : f->params) {
        for (ggml_tensor * t : {p.w, p.m, p.v}) {
            ggml_backend_tensor_get(t, data.data() + o, 0, ggml_nbytes(t));
            o += (size_t) ggml_nelements(t);
        }
    }
    const uint32_t ver = 2, nt = (uint32_t) f->params.size();
    const uint64_t n = data.size(), h = full_hash(data);
    std::string tmp = path + ".tmp";
    FILE * fp = engine_fopen(tmp, "wb");
    if (!fp) return engine_error(ENGINE_E_IO, "cannot write state: " + path);
    bool ok = fwrite("CLIPOSTE", 1, 8, fp) == 8 && fwrite(&ver, 4, 1, fp) == 1 && fwrite(&m->fingerprint, 8, 1, fp) == 1 &&
              fwrite(&nt, 4, 1, fp) == 1 && fwrite(&f->step, 8, 1, fp) == 1 && fwrite(&n, 8, 1, fp) == 1 &&
              fwrite(data.data(), 4, n, fp) == n && fwrite(&h, 8, 1, fp) == 1;
    ok = (fflush(fp) == 0) && ok;
    ok = (fclose(fp) == 0) && ok;
    if (!ok) { engine_remove(tmp); return engine_error(ENGINE_E_IO, "short write of state: " + path); }
    if (!engine_rename_replace(tmp, path)) { engine_remove(tmp); return engine_error(ENGINE_E_IO, "cannot rename state into place: " + path); }
    return {};
}

// `fp` is positioned after the version field. Reads and validates everything (checksum, sizes, finite
// values) before touching the model; then enters full mode if needed and swaps the values in.
engine_status engine_full_state_load(engine_model * m, FILE * fp, const std::string & path) {
    uint64_t fpr = 0, n = 0, h = 0;
    uint32_t nt = 0;
    int64_t step = 0;
    bool ok = fread(&fpr, 8, 1, fp) == 1 && fread(&nt, 4, 1, fp) == 1 && fread(&step, 8, 1, fp) == 1 && fread(&n, 8, 1, fp) == 1;
    if (!ok) return engine_error(ENGINE_E_FORMAT, "truncated state file: " + path);
    if (fpr != m->fingerprint) return engine_error(ENGINE_E_MISMATCH, "state file was saved with a different model");
    if (m->lora) return engine_error(ENGINE_E_STATE, "this state file holds full-parameter training state, but a LoRA adapter is active "
                                                     "(full and LoRA are exclusive)");
    std::vector<std::pair<ggml_tensor **, bool>> list;
    full_list(m, list);
    int64_t n_params = 0;
    for (auto & e : list) n_params += ggml_nelements(*e.first);
    if (nt != list.size() || n != (uint64_t) n_params * 3 || step < 0)
        return engine_error(ENGINE_E_FORMAT, "state file size does not match its header or this model: " + path);
    std::vector<float> data(n);
    ok = fread(data.data(), 4, n, fp) == n && fread(&h, 8, 1, fp) == 1;
    if (!ok) return engine_error(ENGINE_E_FORMAT, "truncated state file: " + path);
    if (h != full_hash(data)) return engine_error(ENGINE_E_FORMAT, "state file checksum mismatch (corrupt): " + path);
    for (size_t i = 0; i < data.size(); i++)
        if (!std::isfinite(data[i]))
            return engine_error(ENGINE_E_INVALID, "state file holds NaN or infinite values (element " + std::to_string(i) +
                                                      "): the run diverged before it was saved: " + path);
    if (!m->full) {
        engine_full_params p;
        p.max_params = std::max<int64_t>(p.max_params, n_params);  // it was trained in full mode already
        engine_status st = engine_full_init(m, p);
        if (!st.ok()) return st;
    }
    engine_full * f = m->full;
    size_t o = 0;
    for (auto & p : f->params) {
        for (ggml_tensor * t : {p.w, p.m, p.v}) {
            ggml_backend_tensor_set(t, data.data() + o, 0, ggml_nbytes(t));
            o += (size_t) ggml_nelements(t);
        }
    }
    ggml_backend_buffer_clear(f->buf_grads, 0);
    f->step = step;
    return {};
}
