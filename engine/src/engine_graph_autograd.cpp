// engine_graph_autograd.cpp: the first decoder graph, differentiated by ggml autograd (ggml_build_backward_expand).
// Kept only behind open({legacyAutograd: true}) so tests can compare the hand-built backward (engine_graph.cpp)
// against it; it needs OUT_PROD, SOFT_MAX_BACK, RMS_NORM_BACK, GET_ROWS_BACK (CPU fallback on GPUs).
//
// reference: llama.cpp src/models/llama.cpp, src/models/qwen2.cpp, src/models/qwen3.cpp
// (same math; our graph uses explicit attention because FLASH_ATTN_EXT has no
// backward). T tokens of one micro-batch are packed; `mask` is block-diagonal
// causal and `pos` restarts per sequence, so packed sequences never see each other.
//
// Loss formulation (d) of ENGINE-NOTES §2: p = soft_max(z); py = get_rows(p flat,
// r*V+y); logp = log(py + 1e-30). Every soft_max that feeds backward is flagged
// ggml_set_output (works around gallocr running SOFT_MAX_BACK in place over y).
#include "engine.h"

#include <cmath>
#include <cstdlib>

// Debug switch for the regression test only: CLIPO_ENGINE_UNSAFE_SOFTMAX=1 drops
// the ggml_set_output guard so the test can show the gallocr bug still exists.
static void softmax_guard(ggml_tensor * t) {
    const bool unsafe = getenv("CLIPO_ENGINE_UNSAFE_SOFTMAX") != nullptr;
    if (!unsafe) ggml_set_output(t);
}

// y = W x (+ b) (+ scale * B (A x))         x: (n_in, T) -> (n_out, T)
static ggml_tensor * lora_linear_forward(ggml_context * ctx, ggml_tensor * w, ggml_tensor * bias,
                                         const engine_lora_pair * lp, float scale, ggml_tensor * x) {
    ggml_tensor * y = ggml_mul_mat(ctx, w, x);                 // (n_out, T)
    if (lp && lp->a) {
        ggml_tensor * ax = ggml_mul_mat(ctx, lp->a, x);        // (r, T)
        ggml_tensor * bax = ggml_mul_mat(ctx, lp->b, ax);      // (n_out, T)
        y = ggml_add(ctx, y, ggml_scale(ctx, bax, scale));
    }
    if (bias) y = ggml_add(ctx, y, bias);
    return y;
}

static ggml_tensor * rms_norm_forward(ggml_context * ctx, ggml_tensor * x, ggml_tensor * w, float eps) {
    return ggml_mul(ctx, ggml_rms_norm(ctx, x, eps), w);
}

// Explicit GQA attention. q: (hd, nH, T), k/v: (hd, nKV, T) -> (hd*nH, T)
static ggml_tensor * attention_forward(ggml_context * ctx, ggml_tensor * q, ggml_tensor * k, ggml_tensor * v,
                                       ggml_tensor * mask, int64_t hd, int64_t n_head, int64_t T) {
    q = ggml_permute(ctx, q, 0, 2, 1, 3);                      // (hd, T, nH)
    k = ggml_cont(ctx, ggml_permute(ctx, k, 0, 2, 1, 3));      // (hd, T, nKV)
    ggml_tensor * kq = ggml_mul_mat(ctx, k, q);                // (Tk, Tq, nH); kv head = h / (nH/nKV)
    kq = ggml_soft_max_ext(ctx, kq, mask, 1.0f / sqrtf((float) hd), 0.0f);
    softmax_guard(kq);                                         // gallocr SOFT_MAX_BACK in-place bug
    ggml_tensor * vt = ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3)); // (Tk, hd, nKV)
    ggml_tensor * kqv = ggml_mul_mat(ctx, vt, kq);             // (hd, Tq, nH)
    kqv = ggml_permute(ctx, kqv, 0, 2, 1, 3);                  // (hd, nH, Tq)
    return ggml_cont_2d(ctx, kqv, hd * n_head, T);             // (hd*nH, T)
}

void engine_graph_build_autograd(ggml_context * ctx, const engine_model * m, bool use_lora, bool want_entropy,
                        int64_t T, int64_t R, engine_graph_inputs & in, engine_graph_outputs & out) {
    const engine_hparams & hp = m->hp;
    const int64_t hd = hp.n_embd_head, nH = hp.n_head, nKV = hp.n_head_kv, V = hp.n_vocab;
    const engine_lora * lora = use_lora ? m->lora : nullptr;
    const float ls = lora ? lora->scale() : 0.0f;

    in.tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);    // (T)
    in.pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);       // (T)
    in.mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, T, T);   // (Tk, Tq)
    in.rows = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, R);      // (R)
    in.gather = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, R);    // (R)
    for (ggml_tensor * t : {in.tokens, in.pos, in.mask, in.rows, in.gather}) ggml_set_input(t);

    ggml_tensor * x = ggml_get_rows(ctx, m->tok_embd, in.tokens); // (D, T)
    for (int il = 0; il < hp.n_layer; il++) {
        const engine_layer & L = m->layers[il];
        auto lp = [&](engine_target t) -> const engine_lora_pair * {
            return lora ? &lora->pairs[(size_t) il * T_COUNT + t] : nullptr;
        };
        ggml_tensor * h = rms_norm_forward(ctx, x, L.attn_norm, hp.rms_eps);                 // (D, T)
        ggml_tensor * q = lora_linear_forward(ctx, L.wq, L.bq, lp(T_Q), ls, h);               // (hd*nH, T)
        ggml_tensor * k = lora_linear_forward(ctx, L.wk, L.bk, lp(T_K), ls, h);               // (hd*nKV, T)
        ggml_tensor * v = lora_linear_forward(ctx, L.wv, L.bv, lp(T_V), ls, h);               // (hd*nKV, T)
        q = ggml_reshape_3d(ctx, q, hd, nH, T);                                               // (hd, nH, T)
        k = ggml_reshape_3d(ctx, k, hd, nKV, T);                                              // (hd, nKV, T)
        v = ggml_reshape_3d(ctx, v, hd, nKV, T);                                              // (hd, nKV, T)
        if (L.q_norm) q = rms_norm_forward(ctx, q, L.q_norm, hp.rms_eps);
        if (L.k_norm) k = rms_norm_forward(ctx, k, L.k_norm, hp.rms_eps);
        // rope_freqs: Llama 3.x's "llama3" rope scaling, baked into per-frequency divisors at conversion
        // (llama.cpp src/models/llama.cpp, get_rope_factors); ROPE_BACK takes the same factors.
        // ext_factor 0: no YaRN (rejected at load), as llama.cpp for none/linear scaling.
        q = ggml_rope_ext(ctx, q, in.pos, m->rope_freqs, (int) hd, hp.rope_mode, hp.n_ctx_train, hp.rope_freq_base,
                          hp.rope_freq_scale, 0.0f, 1.0f, 32.0f, 1.0f);
        k = ggml_rope_ext(ctx, k, in.pos, m->rope_freqs, (int) hd, hp.rope_mode, hp.n_ctx_train, hp.rope_freq_base,
                          hp.rope_freq_scale, 0.0f, 1.0f, 32.0f, 1.0f);
        ggml_tensor * a = attention_forward(ctx, q, k, v, in.mask, hd, nH, T);               // (hd*nH, T)
        ggml_tensor * o = lora_linear_forward(ctx, L.wo, nullptr, lp(T_O), ls, a);            // (D, T)
        x = ggml_add(ctx, x, o);
        h = rms_norm_forward(ctx, x, L.ffn_norm, hp.rms_eps);                                 // (D, T)
        ggml_tensor * g = lora_linear_forward(ctx, L.w_gate, nullptr, lp(T_GATE), ls, h);     // (F, T)
        ggml_tensor * u = lora_linear_forward(ctx, L.w_up, nullptr, lp(T_UP), ls, h);         // (F, T)
        ggml_tensor * gu = ggml_swiglu_split(ctx, g, u);                                      // (F, T)
        ggml_tensor * d = lora_linear_forward(ctx, L.w_down, nullptr, lp(T_DOWN), ls, gu);    // (D, T)
        x = ggml_add(ctx, x, d);
    }
    ggml_tensor * hn = rms_norm_forward(ctx, x, m->output_norm, hp.rms_eps);                  // (D, T)
    out.hidden = hn;
    ggml_tensor * hr = ggml_get_rows(ctx, hn, in.rows);                                       // (D, R)
    ggml_tensor * z = ggml_mul_mat(ctx, m->output ? m->output : m->tok_embd, hr);            // (V, R)
    // Sampling temperature T: score tokens under softmax(z/T), the distribution they were drawn from
    // (verl divides the actor's logits by the rollout temperature the same way). SCALE has a backward.
    if (m->logit_scale != 1.0f) z = ggml_scale(ctx, z, m->logit_scale);                    // (V, R)
    ggml_tensor * p = ggml_soft_max(ctx, z);                                                  // (V, R)
    softmax_guard(p);                                                                         // in-place bug guard
    out.probs = p;
    ggml_tensor * py = ggml_get_rows(ctx, ggml_reshape_2d(ctx, p, 1, V * R), in.gather);      // (1, R)
    out.logp = ggml_log(ctx, ggml_scale_bias(ctx, py, 1.0f, 1e-30f));                         // (1, R)
    out.entropy = nullptr;
    if (want_entropy) {
        ggml_tensor * lpf = ggml_log(ctx, ggml_scale_bias(ctx, p, 1.0f, 1e-30f));            // (V, R)
        out.entropy = ggml_scale(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, p, lpf)), -1.0f);      // (1, R)
    }
}
