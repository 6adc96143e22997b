// engine_train.cpp: forward (log-probs, entropy, pooled), backward (weighted
// log-likelihood into persistent grad accumulators), AdamW step, state files.
//
// Pooling (CLIPO reference, ALGORITHMS.md §1.1): for a sequence of n tokens with
// response tokens o_1..o_T = tokens[rs..n-1] (T = n-rs), pooled = (1/T) * sum of
// the final-norm hidden states at the positions of o_1..o_{T-1}, i.e. tokens
// rs..n-2 (the last response token is never fed back during sampling). T = 1
// gives a zero vector.
//
// Optimizer (ENGINE-NOTES §3): ggml_build_backward_expand with our own
// accumulators (indexed by node), ggml_opt_step_adamw with host-side bias
// corrections, global-norm clipping by scaling the gradient inside the step graph.
#include "engine.h"
#include "engine_platform.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

// graph capacity: forward ~80 nodes per layer with LoRA, the hand-built backward ~300 more; the head
// has at most 16 token chunks x 32 vocab chunks of ~25 nodes (engine_head_chunks caps both)
// (overflowing a ggml graph asserts, so size it from the model)
static size_t graph_size(const engine_model * m) { return 8192 + 16384 + (size_t) m->hp.n_layer * 1024; }

// Head chunk sizes: vocabulary rows per chunk (~32 MiB of dequantised F32 rows; at most 32 chunks) and
// scored tokens per chunk (~16 MiB of logits; at most 16 chunks), multiples of 64 so views stay
// 256-byte aligned for the GPU backends. The vocab chunking is fixed per model, so a token's log-prob
// does not depend on its micro-batch; CLIPO_ENGINE_HEAD_CHUNK="vocab,tokens" overrides (tests).
void engine_head_chunks(engine_model * m) {
    const int64_t V = m->hp.n_vocab, D = m->hp.n_embd;
    auto up64 = [](int64_t v) { return (v + 63) / 64 * 64; };
    int64_t vc = std::max<int64_t>(64, ((int64_t) (8 << 20) / D) / 64 * 64);
    vc = std::max(vc, up64((V + 31) / 32));
    int64_t rc = std::max<int64_t>(64, ((int64_t) (4 << 20) / vc) / 64 * 64);
    if (const char * e = getenv("CLIPO_ENGINE_HEAD_CHUNK")) {
        long a = 0, b = 0;
        if (sscanf(e, "%ld,%ld", &a, &b) == 2 && a > 0 && b > 0) { vc = std::max<int64_t>(a, (V + 31) / 32); rc = b; }
    }
    m->head_vocab_chunk = std::min(vc, V);
    m->head_token_chunk = rc;
}

// token chunk actually used for R scored rows: at most 16 chunks (the graph is sized for that)
static int64_t head_token_chunk_for(const engine_model * m, int64_t R) {
    return std::max(m->head_token_chunk, (R + 15) / 16);
}

namespace {
struct micro_batch { size_t first, count; int64_t T, R; };

struct graph_run {
    ggml_context * ctx = nullptr;
    ~graph_run() { if (ctx) ggml_free(ctx); }
    size_t size = 0;
    bool init(const engine_model * m) {
        size = graph_size(m);
        ggml_init_params ip = {ggml_tensor_overhead() * size * 2 + ggml_graph_overhead_custom(size, true) * 2, nullptr, true};
        ctx = ggml_init(ip);
        return ctx != nullptr;
    }
};
}  // namespace

static engine_status batch_validate(const engine_model * m, const std::vector<engine_seq> & batch, int64_t budget, int64_t & n_resp) {
    if (batch.empty()) return engine_error(ENGINE_E_INVALID, "empty batch");
    if (budget < 2) return engine_error(ENGINE_E_INVALID, "token budget must be >= 2");
    n_resp = 0;
    for (size_t s = 0; s < batch.size(); s++) {
        const engine_seq & q = batch[s];
        const int64_t n = (int64_t) q.tokens.size();
        std::string at = "sequence " + std::to_string(s) + ": ";
        if (n < 2) return engine_error(ENGINE_E_INVALID, at + "needs at least 2 tokens");
        if (q.response_start < 1 || q.response_start >= n)
            return engine_error(ENGINE_E_INVALID, at + "responseStart must be in 1..length-1");
        if (n > m->hp.n_ctx_train) return engine_error(ENGINE_E_INVALID, at + "longer than the model's context length");
        for (int32_t t : q.tokens)
            if (t < 0 || t >= m->hp.n_vocab)
                return engine_error(ENGINE_E_INVALID, at + "token id " + std::to_string(t) + " out of range 0.." + std::to_string(m->hp.n_vocab - 1));
        n_resp += n - q.response_start;
    }
    return {};
}

// Packed micro-batches attend over a (T × T × n_head) score matrix of which only the block
// diagonal is used, so packing more short sequences into one micro-batch grows wasted attention
// work and memory traffic quadratically while the useful work grows linearly. Cap the packed
// length where the score matrix per token (T·n_head floats) reaches the per-token activations of
// the linear layers (4·d + 3·ff floats: q/k/v/o and gate/up/down): beyond that the masked-out
// attention dominates. Real models are barely affected (Qwen2.5-0.5B: 1,298 tokens; Llama-3.2-1B:
// 1,024), small ones are (arith-reasoner, 4 × d128: 368 tokens; measured 64 sequences of 85
// tokens, forward + backward: 3.7× less CPU than one 2,048-token pack, docs/ENGINE.md). A single
// sequence longer than the cap still gets its own micro-batch; `budget` stays the memory bound.
static int64_t engine_pack_cap(const engine_hparams & hp) {
    const int64_t per_token = 4 * (int64_t) hp.n_embd + 3 * (int64_t) hp.n_ff;
    return std::max<int64_t>(64, per_token / std::max<int64_t>(1, hp.n_head));
}

// greedy packing of whole sequences up to min(`budget`, engine_pack_cap) tokens per micro-batch
static std::vector<micro_batch> batch_split(const engine_model * m, const std::vector<engine_seq> & batch, int64_t budget) {
    std::vector<micro_batch> out;
    micro_batch cur{0, 0, 0, 0};
    const int64_t cap = std::min(budget, engine_pack_cap(m->hp));
    for (size_t s = 0; s < batch.size(); s++) {
        int64_t n = (int64_t) batch[s].tokens.size(), r = n - batch[s].response_start;
        bool too_big = cur.count > 0 && (cur.T + n > cap || (cur.R + r) * (int64_t) m->hp.n_vocab >= INT32_MAX);
        if (too_big) { out.push_back(cur); cur = {s, 0, 0, 0}; }
        cur.count++; cur.T += n; cur.R += r;
    }
    out.push_back(cur);
    return out;
}

struct any_inputs {
    ggml_tensor * tokens = nullptr, * pos = nullptr, * mask = nullptr, * rows = nullptr, * gather = nullptr;
    ggml_tensor * targets = nullptr, * pos_neg = nullptr, * iota = nullptr, * sel = nullptr;
    any_inputs() = default;
    any_inputs(const engine_graph_inputs & a) : tokens(a.tokens), pos(a.pos), mask(a.mask), rows(a.rows), gather(a.gather) {}
    any_inputs(const engine_net_inputs & a)
        : tokens(a.tokens), pos(a.pos), mask(a.mask), rows(a.rows), targets(a.targets), pos_neg(a.pos_neg), iota(a.iota), sel(a.sel) {}
};

// gallocr only allocates tensors the graph reads (an F32 model never reads iota, for instance)
static void input_set(ggml_tensor * t, const void * data, size_t n) {
    if (t && t->buffer) ggml_backend_tensor_set(t, data, 0, n);
}

static void batch_inputs(const engine_model * m, const std::vector<engine_seq> & batch, const micro_batch & mb,
                         const any_inputs & in, ggml_tensor * pool) {
    const int64_t T = mb.T, R = mb.R, V = m->hp.n_vocab;
    std::vector<int32_t> tok(T), pos(T), rows(R), gather(R), targets(R);
    std::vector<float> mask((size_t) T * T, -INFINITY);       // (Tq, Tk) row-major: mask[q*T + k]
    std::vector<float> pl(pool ? (size_t) T * mb.count : 0, 0.0f); // (nSeq, T)
    int64_t o = 0, r = 0;
    for (size_t s = 0; s < mb.count; s++) {
        const engine_seq & q = batch[mb.first + s];
        const int64_t n = (int64_t) q.tokens.size(), rs = q.response_start;
        for (int64_t i = 0; i < n; i++) {
            tok[o + i] = q.tokens[i];
            pos[o + i] = (int32_t) i;
            for (int64_t j = 0; j <= i; j++) mask[(size_t) (o + i) * T + o + j] = 0.0f;
        }
        for (int64_t t = rs; t < n; t++, r++) {
            rows[r] = (int32_t) (o + t - 1);
            gather[r] = (int32_t) (r * V + q.tokens[t]);
            targets[r] = q.tokens[t];
        }
        if (pool) for (int64_t t = rs; t < n - 1; t++) pl[s * T + o + t] = 1.0f / (float) (n - rs);
        o += n;
    }
    input_set(in.tokens, tok.data(), tok.size() * 4);
    input_set(in.pos, pos.data(), pos.size() * 4);
    input_set(in.mask, mask.data(), mask.size() * 4);
    input_set(in.rows, rows.data(), rows.size() * 4);
    input_set(in.gather, gather.data(), gather.size() * 4);
    input_set(in.targets, targets.data(), targets.size() * 4);
    if (in.pos_neg) {
        for (int32_t & p : pos) p = -p;
        input_set(in.pos_neg, pos.data(), pos.size() * 4);
    }
    if (in.iota) {
        std::vector<int32_t> iota((size_t) ggml_nelements(in.iota));
        for (size_t i = 0; i < iota.size(); i++) iota[i] = (int32_t) i;
        input_set(in.iota, iota.data(), iota.size() * 4);
    }
    if (in.sel) {
        std::vector<float> sel((size_t) R * T, 0.0f);  // (R, T): sel[t*R + r] = 1 where rows[r] == t
        for (int64_t r2 = 0; r2 < R; r2++) sel[(size_t) rows[r2] * R + r2] = 1.0f;
        input_set(in.sel, sel.data(), sel.size() * 4);
    }
    if (pool) input_set(pool, pl.data(), pl.size() * 4);
}

static size_t static_bytes(const engine_model * m) {
    size_t b = ggml_backend_buffer_get_size(m->buf_w);
    if (m->lora) b += ggml_backend_buffer_get_size(m->lora->buf_params) + ggml_backend_buffer_get_size(m->lora->buf_grads);
    if (m->full) b += ggml_backend_buffer_get_size(m->full->buf_grads) + ggml_backend_buffer_get_size(m->full->buf_moments);
    return b;
}

// Every graph runs through one ggml_backend_sched per model. With a GPU primary it
// assigns each op to the GPU when supported and to the CPU otherwise, copying
// operands across (ENGINE-NOTES §2: Metal lacks OUT_PROD and the *_BACK ops, Vulkan's
// OUT_PROD wants contiguous operands, CUDA's wants F32). With a CPU primary it is a
// single-backend allocator whose compute buffer is reused between micro-batches.
static engine_status sched_ensure(engine_model * m);
static size_t sched_bytes(engine_model * m);

static bool is_view_op(ggml_op op) {
    return op == GGML_OP_NONE || op == GGML_OP_VIEW || op == GGML_OP_RESHAPE || op == GGML_OP_PERMUTE || op == GGML_OP_TRANSPOSE;
}

static engine_status graph_alloc(engine_model * m, ggml_cgraph * gf) {
    engine_status st = sched_ensure(m);
    if (!st.ok()) return st;
    ggml_backend_sched_reset(m->sched);
    if (!ggml_backend_sched_alloc_graph(m->sched, gf)) return engine_error(ENGINE_E_BACKEND, "out of memory allocating the compute graph");
    if (m->backend_cpu) {
        std::lock_guard<std::mutex> lk(m->fallback_mu);
        for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
            ggml_tensor * node = ggml_graph_node(gf, i);
            if (ggml_backend_sched_get_tensor_backend(m->sched, node) != m->backend_cpu) continue;
            // the scheduler keeps graph inputs in host memory and uploads them; a view of an input
            // (a chunk of the row ids or weights) computes nothing, so it is not a fallback
            if (is_view_op(node->op) && node->view_src && (node->view_src->flags & GGML_TENSOR_FLAG_INPUT)) continue;
            m->cpu_fallback_ops.insert(ggml_op_desc(node));
        }
    }
    const size_t cb = sched_bytes(m);
    if (cb > m->peak_compute_bytes) m->peak_compute_bytes = cb;
    return {};
}

static bool graph_run_compute(engine_model * m, ggml_cgraph * gf) {
    return ggml_backend_sched_graph_compute(m->sched, gf) == GGML_STATUS_SUCCESS;
}

// One built graph of a micro-batch and the tensors the caller sets or reads.
struct built_graph {
    ggml_cgraph * gf = nullptr;
    any_inputs in;
    ggml_tensor * logp = nullptr, * entropy = nullptr, * pool = nullptr, * pooled = nullptr;
    ggml_tensor * w = nullptr, * loss = nullptr, * seed = nullptr;  // backward
};

// Forward graph of one micro-batch: log-probs of R response tokens among T packed
// tokens, optionally entropy and the pooled hidden state of each of n_seq sequences.
static void build_forward(graph_run & g, engine_model * m, bool use_lora, bool want_entropy, bool want_pooled,
                          int64_t T, int64_t R, int64_t n_seq, built_graph & b) {
    b = built_graph();
    b.gf = ggml_new_graph_custom(g.ctx, g.size, false);
    ggml_tensor * hidden = nullptr;
    if (m->legacy_autograd) {
        engine_graph_inputs in; engine_graph_outputs out;
        engine_graph_build_autograd(g.ctx, m, use_lora, want_entropy, T, R, in, out);
        b.in = in; b.logp = out.logp; b.entropy = out.entropy; hidden = out.hidden;
    } else {
        engine_net_inputs in; engine_net_outputs out;
        engine_net_build(g.ctx, b.gf, m, use_lora, want_entropy, false, T, R, in, out);
        b.in = in; b.logp = out.logp; b.entropy = out.entropy; hidden = out.hidden;
    }
    if (want_pooled) {
        b.pool = ggml_new_tensor_2d(g.ctx, GGML_TYPE_F32, T, n_seq);                      // (T, nSeq)
        ggml_set_input(b.pool);
        b.pooled = ggml_mul_mat(g.ctx, ggml_cont(g.ctx, ggml_transpose(g.ctx, hidden)), b.pool); // (D, nSeq)
        ggml_set_output(b.pooled);
        ggml_build_forward_expand(b.gf, b.pooled);
    }
    ggml_set_output(b.logp);
    ggml_build_forward_expand(b.gf, b.logp);
    if (b.entropy) { ggml_set_output(b.entropy); ggml_build_forward_expand(b.gf, b.entropy); }
}

// Backward graph of one micro-batch: loss = -sum_t w_t log pi(y_t), gradients
// accumulated into the adapter's persistent accumulators (ga, gb).
static void build_backward(graph_run & g, engine_model * m, int64_t T, int64_t R, built_graph & b) {
    b = built_graph();
    if (!m->legacy_autograd) {
        b.gf = ggml_new_graph_custom(g.ctx, g.size, false);
        engine_net_inputs in; engine_net_outputs out;
        engine_net_build(g.ctx, b.gf, m, true, false, true, T, R, in, out);
        b.in = in; b.logp = out.logp; b.w = in.w; b.loss = out.loss;
        ggml_set_output(b.logp);
        ggml_set_output(b.loss);
        ggml_build_forward_expand(b.gf, b.logp);
        return;
    }
    ggml_cgraph * gf = ggml_new_graph_custom(g.ctx, g.size, true);
    engine_graph_inputs in; engine_graph_outputs out;
    engine_graph_build_autograd(g.ctx, m, true, false, T, R, in, out);
    b.in = in; b.logp = out.logp;
    b.w = ggml_new_tensor_2d(g.ctx, GGML_TYPE_F32, 1, R);                                 // (1, R)
    ggml_set_input(b.w);
    b.loss = ggml_scale(g.ctx, ggml_sum(g.ctx, ggml_mul(g.ctx, out.logp, b.w)), -1.0f);   // (1)
    ggml_set_output(b.loss);
    ggml_set_output(b.logp);
    ggml_set_loss(b.loss);
    ggml_build_forward_expand(gf, b.loss);
    ggml_cgraph * gb = ggml_graph_dup(g.ctx, gf, true);
    std::vector<ggml_tensor *> accs(ggml_graph_n_nodes(gf), nullptr);
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        for (auto & lp : m->lora->pairs) {
            if (node == lp.a) accs[i] = lp.ga;
            if (node == lp.b) accs[i] = lp.gb;
        }
    }
    ggml_build_backward_expand(g.ctx, gb, accs.data());
    b.seed = ggml_graph_get_grad_acc(gb, b.loss);                                          // (1) d loss / d loss
    ggml_set_input(b.seed);
    b.gf = gb;
}

static engine_status sched_ensure(engine_model * m) {
    if (m->sched) return {};
    ggml_backend_t bs[2] = {m->backend, m->backend_cpu};
    const int n = m->backend_cpu ? 2 : 1;
    // hash capacity covers nodes + leafs of the largest (backward) graph
    m->sched = ggml_backend_sched_new(bs, nullptr, n, 2 * graph_size(m), false, true);
    if (!m->sched) return engine_error(ENGINE_E_BACKEND, "could not create the graph scheduler");
    return {};
}

static size_t sched_bytes(engine_model * m) {
    size_t cb = 0;
    for (int i = 0; i < ggml_backend_sched_get_n_backends(m->sched); i++)
        cb += ggml_backend_sched_get_buffer_size(m->sched, ggml_backend_sched_get_backend(m->sched, i));
    return cb;
}

void engine_bytes(engine_model * m, engine_reserve_bytes & parts) {
    parts = engine_reserve_bytes();
    parts.weights = ggml_backend_buffer_get_size(m->buf_w);
    if (m->lora) parts.adapter = ggml_backend_buffer_get_size(m->lora->buf_params) + ggml_backend_buffer_get_size(m->lora->buf_grads);
    if (m->full) {
        parts.grads = ggml_backend_buffer_get_size(m->full->buf_grads);
        parts.moments = ggml_backend_buffer_get_size(m->full->buf_moments);
        parts.adapter = parts.grads + parts.moments;
    }
    parts.compute = m->peak_compute_bytes;
    if (m->sched && m->backend_cpu) parts.compute_host = ggml_backend_sched_get_buffer_size(m->sched, m->backend_cpu);
}

engine_status engine_reserve(engine_model * m, int64_t token_budget, size_t * peak_bytes, engine_reserve_bytes * parts) {
    if (!m->lora && !m->full) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init, lora.load or full.init before reserve");
    if (token_budget < 2 || token_budget > m->hp.n_ctx_train * (int64_t) 64)
        return engine_error(ENGINE_E_INVALID, "token budget must be in 2..64 x the context length");
    engine_status st = sched_ensure(m);
    if (!st.ok()) return st;
    // worst micro-batch: one sequence of `budget` tokens, all but the first scored
    // (capped so that R*V stays below 2^31, as batch_split does)
    const int64_t T = token_budget, R = std::min<int64_t>(T - 1, (INT32_MAX - 1) / m->hp.n_vocab);
    for (int pass = 0; pass < 2; pass++) {
        graph_run g;
        if (!g.init(m)) return engine_error(ENGINE_E_BACKEND, "out of memory (graph context)");
        built_graph b;
        if (pass == 0) build_forward(g, m, true, true, true, T, R, 1, b);
        else build_backward(g, m, T, R, b);
        if (!ggml_backend_sched_reserve(m->sched, b.gf))
            return engine_error(ENGINE_E_BACKEND, "out of memory: model, adapter and the compute buffers for a " +
                                                      std::to_string(token_budget) + "-token micro-batch do not fit on " + m->backend_name +
                                                      "; lower the token budget");
    }
    m->peak_compute_bytes = sched_bytes(m);
    if (peak_bytes) *peak_bytes = static_bytes(m) + m->peak_compute_bytes;
    if (parts) engine_bytes(m, *parts);
    return {};
}

engine_status engine_forward(engine_model * m, const std::vector<engine_seq> & batch, const engine_forward_params & p,
                             engine_forward_result & res) {
    int64_t n_resp = 0;
    engine_status st = batch_validate(m, batch, p.token_budget, n_resp);
    if (!st.ok()) return st;
    // Full mode keeps no frozen copy of the starting weights (it would double the weights and need a second
    // graph's worth of tensors): the reference policy is not available there.
    if (!p.adapter && m->full)
        return engine_error(ENGINE_E_STATE, "full-parameter training is active: the base (reference) weights are being trained and no "
                                            "frozen copy is kept, so forward with adapter: false is not available");
    const bool use_lora = p.adapter && m->lora;
    const int64_t D = m->hp.n_embd;
    res = engine_forward_result();
    res.logprobs.reserve(n_resp);
    if (p.want_entropy) res.entropy.reserve(n_resp);
    if (p.want_pooled) res.pooled.assign(batch.size() * D, 0.0f);
    m->peak_compute_bytes = 0;
    for (const micro_batch & mb : batch_split(m, batch, p.token_budget)) {
        if (m->cancel.load()) return engine_error(ENGINE_E_CANCELLED, "cancelled");
        graph_run g;
        if (!g.init(m)) return engine_error(ENGINE_E_BACKEND, "out of memory (graph context)");
        built_graph b;
        build_forward(g, m, use_lora, p.want_entropy, p.want_pooled, mb.T, mb.R, (int64_t) mb.count, b);
        st = graph_alloc(m, b.gf);
        if (!st.ok()) return st;
        batch_inputs(m, batch, mb, b.in, b.pool);
        if (!graph_run_compute(m, b.gf)) return engine_error(ENGINE_E_BACKEND, "graph compute failed");
        size_t o = res.logprobs.size();
        res.logprobs.resize(o + mb.R);
        ggml_backend_tensor_get(b.logp, res.logprobs.data() + o, 0, mb.R * 4);
        if (b.entropy) {
            res.entropy.resize(o + mb.R);
            ggml_backend_tensor_get(b.entropy, res.entropy.data() + o, 0, mb.R * 4);
        }
        if (b.pooled) ggml_backend_tensor_get(b.pooled, res.pooled.data() + mb.first * D, 0, mb.count * D * 4);
        res.tokens += mb.T;
        res.micro_batches++;
    }
    res.peak_bytes = static_bytes(m) + m->peak_compute_bytes;
    return {};
}

engine_status engine_backward(engine_model * m, const std::vector<engine_seq> & batch, const std::vector<float> & weights,
                              int64_t token_budget, double * loss_out, engine_forward_result * info) {
    if (!m->lora && !m->full) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init, lora.load or full.init before backward");
    int64_t n_resp = 0;
    engine_status st = batch_validate(m, batch, token_budget, n_resp);
    if (!st.ok()) return st;
    if ((int64_t) weights.size() != n_resp)
        return engine_error(ENGINE_E_INVALID, "weights has " + std::to_string(weights.size()) + " entries, expected " +
                                                  std::to_string(n_resp) + " (one per response token)");
    for (size_t i = 0; i < weights.size(); i++)
        if (!std::isfinite(weights[i])) return engine_error(ENGINE_E_INVALID, "weights[" + std::to_string(i) + "] is not finite");
    double loss = 0;
    size_t w_off = 0;
    m->peak_compute_bytes = 0;
    int64_t tokens = 0;
    int n_mb = 0;
    for (const micro_batch & mb : batch_split(m, batch, token_budget)) {
        if (m->cancel.load()) return engine_error(ENGINE_E_CANCELLED, "cancelled");
        graph_run g;
        if (!g.init(m)) return engine_error(ENGINE_E_BACKEND, "out of memory (graph context)");
        built_graph b;
        build_backward(g, m, mb.T, mb.R, b);
        st = graph_alloc(m, b.gf);
        if (!st.ok()) return st;
        batch_inputs(m, batch, mb, b.in, nullptr);
        ggml_backend_tensor_set(b.w, weights.data() + w_off, 0, mb.R * 4);
        const float one = 1.0f;
        if (b.seed) ggml_backend_tensor_set(b.seed, &one, 0, 4);
        if (!graph_run_compute(m, b.gf)) return engine_error(ENGINE_E_BACKEND, "graph compute failed");
        float l = 0;
        ggml_backend_tensor_get(b.loss, &l, 0, 4);
        loss += l;
        if (info) {
            info->logprobs.resize(w_off + mb.R);
            ggml_backend_tensor_get(b.logp, info->logprobs.data() + w_off, 0, mb.R * 4);
        }
        w_off += mb.R;
        tokens += mb.T;
        n_mb++;
    }
    if (loss_out) *loss_out = loss;
    if (info) { info->tokens = tokens; info->micro_batches = n_mb; info->peak_bytes = static_bytes(m) + m->peak_compute_bytes; }
    return {};
}

engine_status engine_zero_grad(engine_model * m) {
    if (m->full) { ggml_backend_buffer_clear(m->full->buf_grads, 0); return {}; }
    if (!m->lora) return engine_error(ENGINE_E_STATE, "no adapter");
    ggml_backend_buffer_clear(m->lora->buf_grads, 0);
    return {};
}

// AdamW on every LoRA tensor; hp (7) = lr, b1, b2, eps, wd, 1/(1-b1^t), 1/(1-b2^t).
// Full mode: every model tensor; norms and biases read hp_nd (weight decay 0), as GPT-2/nanoGPT and
// HF Trainer exclude them: decaying an RMSNorm gain towards 0 shrinks the layer, not its capacity.
static ggml_cgraph * build_step(graph_run & gr, engine_model * m, float clip, ggml_tensor *& hp, ggml_tensor *& hp_nd) {
    ggml_cgraph * go = ggml_new_graph_custom(gr.ctx, gr.size, false);
    hp = ggml_new_tensor_1d(gr.ctx, GGML_TYPE_F32, 7);
    ggml_set_input(hp);
    hp_nd = nullptr;
    if (m->full) {
        hp_nd = ggml_new_tensor_1d(gr.ctx, GGML_TYPE_F32, 7);
        ggml_set_input(hp_nd);
        for (auto & p : m->full->params) {
            ggml_tensor * grad = clip != 1.0f ? ggml_scale(gr.ctx, p.g, clip) : p.g;
            ggml_build_forward_expand(go, ggml_opt_step_adamw(gr.ctx, p.w, grad, p.m, p.v, p.decay ? hp : hp_nd));
        }
        return go;
    }
    for (auto & lp : m->lora->pairs) {
        if (!lp.a) continue;
        ggml_tensor * ps[2][4] = {{lp.a, lp.ga, lp.ma, lp.va}, {lp.b, lp.gb, lp.mb, lp.vb}};
        for (auto & q : ps) {
            ggml_tensor * grad = clip != 1.0f ? ggml_scale(gr.ctx, q[1], clip) : q[1];
            ggml_build_forward_expand(go, ggml_opt_step_adamw(gr.ctx, q[0], grad, q[2], q[3], hp));
        }
    }
    return go;
}

engine_status engine_graph_ops(engine_model * m, const std::string & which, int64_t T, std::vector<engine_op_info> & out) {
    out.clear();
    if (!m->lora && !m->full) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init or full.init first");
    if (T < 2 || T > 65536) return engine_error(ENGINE_E_INVALID, "tokens must be in 2..65536");
    graph_run g;
    if (!g.init(m)) return engine_error(ENGINE_E_BACKEND, "out of memory (graph context)");
    ggml_cgraph * gf = nullptr;
    built_graph b;
    if (which == "forward") { build_forward(g, m, true, true, true, T, T - 1, 1, b); gf = b.gf; }
    else if (which == "backward") { build_backward(g, m, T, T - 1, b); gf = b.gf; }
    else if (which == "step") { ggml_tensor * hp = nullptr, * hp_nd = nullptr; gf = build_step(g, m, 0.5f, hp, hp_nd); }
    else return engine_error(ENGINE_E_INVALID, "graph must be 'forward', 'backward' or 'step'");
    std::set<std::string> seen;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        const ggml_tensor * t = ggml_graph_node(gf, i);
        engine_op_info info;
        info.op = ggml_op_desc(t);
        info.type = ggml_type_name(t->type);
        info.contiguous = ggml_is_contiguous(t);
        info.contiguous_rows = t->nb[0] == ggml_type_size(t->type);
        std::string key = info.op + "|" + info.type + "|" + (info.contiguous ? "c" : "n") + (info.contiguous_rows ? "r" : "-");
        for (int k = 0; k < GGML_MAX_SRC && t->src[k]; k++) {
            const ggml_tensor * s = t->src[k];
            engine_op_src src{ggml_type_name(s->type), ggml_is_contiguous(s), s->nb[0] == ggml_type_size(s->type),
                              ggml_is_contiguous_1(s), ggml_is_contiguous_2(s), s->ne[0], s->ne[3]};
            key += "|" + src.type + (src.contiguous ? "c" : "n") + (src.contiguous_rows ? "r" : "-") + (src.contiguous_1 ? "1" : "-") +
                   (src.contiguous_2 ? "2" : "-") + ":" + std::to_string(src.ne0 % 256 == 0) + ":" + std::to_string(src.ne3);
            info.srcs.push_back(src);
        }
        if (seen.insert(key).second) out.push_back(info);
    }
    return {};
}

engine_status engine_step(engine_model * m, const engine_adamw_params & p, double * grad_norm_out) {
    if (!m->lora && !m->full) return engine_error(ENGINE_E_STATE, "no adapter: call lora.init, lora.load or full.init before step");
    for (float v : {p.lr, p.beta1, p.beta2, p.eps, p.weight_decay, p.max_grad_norm})
        if (!std::isfinite(v)) return engine_error(ENGINE_E_INVALID, "optimizer parameters must be finite");
    if (p.lr < 0 || p.beta1 < 0 || p.beta1 >= 1 || p.beta2 < 0 || p.beta2 >= 1 || p.eps <= 0 || p.weight_decay < 0)
        return engine_error(ENGINE_E_INVALID, "need lr >= 0, 0 <= beta < 1, eps > 0, weightDecay >= 0");
    engine_lora * l = m->lora;
    // global grad norm (host, double)
    std::vector<float> g;
    if (m->full) engine_full_read(m, true, g);
    else engine_lora_read(m, true, g);
    double ss = 0;
    for (float v : g) ss += (double) v * v;
    const double norm = sqrt(ss);
    if (!std::isfinite(norm)) return engine_error(ENGINE_E_INVALID, "gradient is not finite (NaN/Inf); step skipped, call zeroGrad");
    const float clip = (p.max_grad_norm > 0 && norm > p.max_grad_norm) ? (float) (p.max_grad_norm / (norm + 1e-6)) : 1.0f;
    int64_t & step = m->full ? m->full->step : l->step;
    step++;
    graph_run gr;
    if (!gr.init(m)) return engine_error(ENGINE_E_BACKEND, "out of memory (graph context)");
    ggml_tensor * hp = nullptr, * hp_nd = nullptr;
    ggml_cgraph * go = build_step(gr, m, clip, hp, hp_nd);
    engine_status st = graph_alloc(m, go);
    if (!st.ok()) { step--; return st; }
    float hv[7] = {p.lr, p.beta1, p.beta2, p.eps, p.weight_decay,
                   (float) (1.0 / (1.0 - pow((double) p.beta1, (double) step))),
                   (float) (1.0 / (1.0 - pow((double) p.beta2, (double) step)))};
    ggml_backend_tensor_set(hp, hv, 0, sizeof(hv));
    if (hp_nd) { hv[4] = 0.0f; input_set(hp_nd, hv, sizeof(hv)); }
    if (!graph_run_compute(m, go)) { step--; return engine_error(ENGINE_E_BACKEND, "optimizer compute failed"); }
    ggml_backend_buffer_clear(m->full ? m->full->buf_grads : l->buf_grads, 0);
    if (grad_norm_out) *grad_norm_out = norm;
    return {};
}

// ---- state file -------------------------------------------------------------
// layout (little endian): "CLIPOSTE" | u32 version=1 | u64 model fingerprint |
// i32 rank | f32 alpha | u32 targets | i64 step | u64 n_floats |
// n_floats f32 (per pair in layer/target order: a, b, ma, va, mb, vb) | u64 fnv1a of the floats

static const uint32_t STATE_VERSION = 1;

static uint64_t state_hash(const std::vector<float> & v) {
    uint64_t h = 1469598103934665603ull;
    const uint8_t * p = (const uint8_t *) v.data();
    for (size_t i = 0; i < v.size() * 4; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

static void state_collect(engine_lora * l, std::vector<float> & out, bool read, const float * src) {
    size_t o = 0;
    for (auto & lp : l->pairs) {
        if (!lp.a) continue;
        for (ggml_tensor * t : {lp.a, lp.b, lp.ma, lp.va, lp.mb, lp.vb}) {
            size_t n = (size_t) ggml_nelements(t);
            if (read) { out.resize(o + n); ggml_backend_tensor_get(t, out.data() + o, 0, n * 4); }
            else ggml_backend_tensor_set(t, src + o, 0, n * 4);
            o += n;
        }
    }
    if (!read) out.resize(o);
}

engine_status engine_state_save(engine_model * m, const std::string & path) {
    if (m->full) return engine_full_state_save(m, path);
    if (!m->lora) return engine_error(ENGINE_E_STATE, "no adapter to save");
    engine_lora * l = m->lora;
    std::vector<float> data;
    state_collect(l, data, true, nullptr);
    std::string tmp = path + ".tmp";
    FILE * f = engine_fopen(tmp, "wb");
    if (!f) return engine_error(ENGINE_E_IO, "cannot write state: " + path);
    uint64_t n = data.size(), h = state_hash(data);
    bool ok = fwrite("CLIPOSTE", 1, 8, f) == 8 && fwrite(&STATE_VERSION, 4, 1, f) == 1 && fwrite(&m->fingerprint, 8, 1, f) == 1 &&
              fwrite(&l->rank, 4, 1, f) == 1 && fwrite(&l->alpha, 4, 1, f) == 1 && fwrite(&l->targets, 4, 1, f) == 1 &&
              fwrite(&l->step, 8, 1, f) == 1 && fwrite(&n, 8, 1, f) == 1 && fwrite(data.data(), 4, n, f) == n && fwrite(&h, 8, 1, f) == 1;
    ok = (fflush(f) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok) { engine_remove(tmp); return engine_error(ENGINE_E_IO, "short write of state: " + path); }
    if (!engine_rename_replace(tmp, path)) { engine_remove(tmp); return engine_error(ENGINE_E_IO, "cannot rename state into place: " + path); }
    return {};
}

engine_status engine_state_load(engine_model * m, const std::string & path) {
    FILE * f = engine_fopen(path, "rb");
    if (!f) return engine_error(ENGINE_E_IO, "state file not found: " + path);
    char magic[8];
    uint32_t ver = 0, targets = 0;
    uint64_t fp = 0, n = 0, h = 0;
    int32_t rank = 0;
    float alpha = 0;
    int64_t step = 0;
    bool ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, "CLIPOSTE", 8) == 0;
    if (!ok) { fclose(f); return engine_error(ENGINE_E_FORMAT, "not a Clipo engine state file: " + path); }
    if (fread(&ver, 4, 1, f) != 1) { fclose(f); return engine_error(ENGINE_E_FORMAT, "truncated state file: " + path); }
    if (ver == 2) {  // full-parameter state (engine_full.cpp)
        engine_status st = engine_full_state_load(m, f, path);
        fclose(f);
        return st;
    }
    if (ver == STATE_VERSION && m->full) {
        fclose(f);
        return engine_error(ENGINE_E_STATE, "this state file holds a LoRA adapter, but full-parameter training is active (full and LoRA are exclusive)");
    }
    ok = fread(&fp, 8, 1, f) == 1 && fread(&rank, 4, 1, f) == 1 && fread(&alpha, 4, 1, f) == 1 &&
         fread(&targets, 4, 1, f) == 1 && fread(&step, 8, 1, f) == 1 && fread(&n, 8, 1, f) == 1;
    if (!ok) { fclose(f); return engine_error(ENGINE_E_FORMAT, "truncated state file: " + path); }
    if (ver != STATE_VERSION) { fclose(f); return engine_error(ENGINE_E_FORMAT, "unsupported state version " + std::to_string(ver)); }
    if (fp != m->fingerprint) { fclose(f); return engine_error(ENGINE_E_MISMATCH, "state file was saved with a different model"); }
    engine_lora_params lp;
    lp.rank = rank; lp.alpha = alpha; lp.targets = targets;
    if (n > (1ull << 34)) { fclose(f); return engine_error(ENGINE_E_FORMAT, "corrupt state file (size)"); }
    std::vector<float> data(n);
    ok = fread(data.data(), 4, n, f) == n && fread(&h, 8, 1, f) == 1;
    fclose(f);
    if (!ok) return engine_error(ENGINE_E_FORMAT, "truncated state file: " + path);
    if (h != state_hash(data)) return engine_error(ENGINE_E_FORMAT, "state file checksum mismatch (corrupt): " + path);
    // A checksum only proves the file is what was written: a run that diverged (or a crafted file) can
    // hold NaN/Inf with a valid checksum, and every later log-prob would be NaN. Refuse it here, before
    // anything is swapped, so the loaded adapter and moments stay as they were (issue 16: loads are atomic).
    if (step < 0) return engine_error(ENGINE_E_FORMAT, "state file has a negative optimizer step (corrupt): " + path);
    for (size_t i = 0; i < data.size(); i++)
        if (!std::isfinite(data[i]))
            return engine_error(ENGINE_E_FORMAT, "state file holds NaN or infinite values (float " + std::to_string(i) + " of " +
                                                 std::to_string(data.size()) + "): the run diverged or the file is damaged; resume from an earlier checkpoint: " + path);
    // create into a temporary lora, then check the size before committing
    engine_lora * old = m->lora;
    m->lora = nullptr;
    engine_status st = engine_lora_init(m, lp);
    if (!st.ok()) { m->lora = old; return st; }
    // On any failure below the new adapter is freed and the previous one put back untouched.
    auto free_lora = [](engine_lora * l) {
        if (l->buf_params) ggml_backend_buffer_free(l->buf_params);
        if (l->buf_grads) ggml_backend_buffer_free(l->buf_grads);
        ggml_free(l->ctx); ggml_free(l->ctx_grads); delete l;
    };
    auto drop_new = [&]() { engine_lora * bad = m->lora; m->lora = old; free_lora(bad); };
    std::vector<float> probe;
    state_collect(m->lora, probe, true, nullptr);
    if (probe.size() != n) {
        drop_new();
        return engine_error(ENGINE_E_FORMAT, "state file size does not match its header");
    }
    // Adam's second moments are running means of squares: a negative one would make sqrt(v) NaN on the next step.
    {
        size_t o = 0;
        for (auto & pr : m->lora->pairs) {
            if (!pr.a) continue;
            for (ggml_tensor * t : {pr.a, pr.b, pr.ma, pr.va, pr.mb, pr.vb}) {
                size_t cnt = (size_t) ggml_nelements(t);
                if (t == pr.va || t == pr.vb)
                    for (size_t i = o; i < o + cnt; i++)
                        if (data[i] < 0.0f) {
                            drop_new();
                            return engine_error(ENGINE_E_FORMAT, "state file holds a negative Adam second moment (corrupt): " + path);
                        }
                o += cnt;
            }
        }
    }
    if (old) free_lora(old);
    std::vector<float> dummy;
    state_collect(m->lora, dummy, false, data.data());
    m->lora->step = step;
    return {};
}
