// engine_graph.cpp: the llama/qwen2/qwen3 decoder with a hand-built backward.
//
// Why not ggml autograd: its backward needs OUT_PROD (Metal: none; Vulkan: contiguous F32 only;
// CUDA: F32 x F32 only, so the frozen base had to be inflated to F32), SOFT_MAX_BACK and
// RMS_NORM_BACK (Metal: none) and GET_ROWS_BACK (Metal: none; CUDA: O(rows_dst x rows_grad)).
// Here every node is a forward op that CUDA, Metal and Vulkan all run (docs/ENGINE.md, op
// allowlist; checked by test/engine/opAllowlist.test.ts):
//   - frozen weight W (any type): Wd = GET_ROWS(W, 0..n-1) dequantises it to F32 for one use
//     (transient, one matrix at a time); y = MUL_MAT(Wd, x); dx = MUL_MAT(CONT(TRANSPOSE(Wd)), dy).
//     Activations are never quantised (QLoRA-style), so a token's log-prob does not depend on
//     what it is packed with beyond F32 rounding.
//   - LoRA: dB = s·(A x) dyᵀ, dA = x (s Bᵀ dy)ᵀ as MUL_MATs of transposed copies.
//   - RMS-norm: dx = (dn − n·mean(dn⊙n)) / rms(x); SwiGLU: closed form with SIGMOID;
//     RoPE: ROPE at −pos (the rotation by the opposite angle); causal softmax attention:
//     dS = P ⊙ (dP − Σ P⊙dP), GQA head groups folded into the contraction dimension.
//   - log-prob head, chunked over vocabulary (Vc rows) and scored tokens (Rc): per chunk
//     lse_v = E_p[z] + H(p) of the chunk's softmax, combined by a softmax over chunks, so the
//     logits of a whole micro-batch never exist; logp = z_y − lse with z_y = Σ W[y]⊙h (GET_ROWS).
//     Gradient: dh = W^T (w·p) − w·W[y] (no GET_ROWS_BACK); rows → positions by MUL_MAT with a
//     one-hot selection matrix.
// T tokens of one micro-batch are packed; `mask` is block-diagonal causal and `pos` restarts per
// sequence. reference: llama.cpp src/models/{llama,qwen2,qwen3}.cpp for the forward math.
#include "engine.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct net {
    ggml_context * ctx;
    ggml_cgraph * gf;
    const engine_model * m;
    const engine_net_inputs & in;
};

// F32 view of rows [r0, r0+n) of a frozen weight: the tensor itself when F32, else a transient
// dequantised copy (GET_ROWS converts every type on every backend; CPY from k-quants does not).
ggml_tensor * weight_rows_f32(const net & g, ggml_tensor * w, int64_t r0, int64_t n) {
    if (w->type == GGML_TYPE_F32) {
        if (r0 == 0 && n == w->ne[1]) return w;
        return ggml_view_2d(g.ctx, w, w->ne[0], n, w->nb[1], (size_t) r0 * w->nb[1]);
    }
    ggml_tensor * ids = ggml_view_1d(g.ctx, g.in.iota, n, (size_t) r0 * sizeof(int32_t));
    return ggml_get_rows(g.ctx, w, ids);                                         // (n_in, n) f32
}
ggml_tensor * weight_f32(const net & g, ggml_tensor * w) { return weight_rows_f32(g, w, 0, w->ne[1]); }

ggml_tensor * transpose_copy(const net & g, ggml_tensor * x) { return ggml_cont(g.ctx, ggml_transpose(g.ctx, x)); }

// Full-parameter mode: the gradient accumulator of a model tensor (null when not training it).
ggml_tensor * full_grad(const net & g, const ggml_tensor * w) { return g.m->full && w ? g.m->full->grad_of(w) : nullptr; }

// acc += d, in place in the persistent accumulator (as the LoRA gradients)
void accumulate(const net & g, ggml_tensor * acc, ggml_tensor * d) { ggml_build_forward_expand(g.gf, ggml_add_inplace(g.ctx, acc, d)); }

// Σ over every dim but ne0 of x (a norm weight's or bias's gradient): (ne0)
ggml_tensor * sum_but_ne0(const net & g, ggml_tensor * x) {
    const int64_t n0 = x->ne[0];
    ggml_tensor * x2 = ggml_reshape_2d(g.ctx, ggml_cont(g.ctx, x), n0, ggml_nelements(x) / n0);
    return ggml_reshape_1d(g.ctx, ggml_sum_rows(g.ctx, transpose_copy(g, x2)), n0);
}

struct lin_saved {
    ggml_tensor * x = nullptr;   // input (n_in, T)
    ggml_tensor * ax = nullptr;  // A x (r, T) or null
};

// y = W x (+ b) (+ s B (A x))
ggml_tensor * linear_fwd(const net & g, ggml_tensor * w, ggml_tensor * bias, const engine_lora_pair * lp, float s,
                         ggml_tensor * x, lin_saved * sv) {
    ggml_tensor * y = ggml_mul_mat(g.ctx, weight_f32(g, w), x);                 // (n_out, T)
    ggml_tensor * ax = nullptr;
    if (lp && lp->a) {
        ax = ggml_mul_mat(g.ctx, lp->a, x);                                       // (r, T)
        y = ggml_add(g.ctx, y, ggml_scale(g.ctx, ggml_mul_mat(g.ctx, lp->b, ax), s));
    }
    if (bias) y = ggml_add(g.ctx, y, bias);
    if (sv) { sv->x = x; sv->ax = ax; }
    return y;
}

// Backward of linear_fwd: accumulates dA, dB in place into ga, gb; returns dx (or null when
// !need_dx). xT: transpose copy of the input, shared by the projections that read the same x.
// Full mode: dW += x dyᵀ = MUL_MAT(xᵀ, dyᵀ) (contraction over the tokens), db += Σ_t dy.
ggml_tensor * linear_bwd(const net & g, ggml_tensor * w, ggml_tensor * bias, const engine_lora_pair * lp, float s, const lin_saved & sv,
                         ggml_tensor *& xT, ggml_tensor * dy, bool need_dx) {
    ggml_context * ctx = g.ctx;
    ggml_tensor * dx = nullptr;
    if (need_dx) dx = ggml_mul_mat(ctx, transpose_copy(g, weight_f32(g, w)), dy); // (n_in, T)
    if (ggml_tensor * gw = full_grad(g, w)) {
        ggml_tensor * dyT = transpose_copy(g, dy);                                  // (T, n_out)
        if (!xT) xT = transpose_copy(g, sv.x);                                      // (T, n_in)
        accumulate(g, gw, ggml_mul_mat(ctx, xT, dyT));                              // (n_in, n_out)
        if (ggml_tensor * gb = full_grad(g, bias)) accumulate(g, gb, ggml_reshape_1d(ctx, ggml_sum_rows(ctx, dyT), dyT->ne[1]));
    }
    if (lp && lp->a) {
        ggml_tensor * dyT = transpose_copy(g, dy);                                  // (T, n_out)
        ggml_tensor * axT = transpose_copy(g, sv.ax);                               // (T, r)
        ggml_tensor * dB = ggml_scale(ctx, ggml_mul_mat(ctx, axT, dyT), s);        // (r, n_out)
        ggml_build_forward_expand(g.gf, ggml_add_inplace(ctx, lp->gb, dB));
        ggml_tensor * du = ggml_scale(ctx, ggml_mul_mat(ctx, transpose_copy(g, lp->b), dy), s); // (r, T)
        if (!xT) xT = transpose_copy(g, sv.x);                                      // (T, n_in)
        ggml_tensor * dA = ggml_mul_mat(ctx, xT, transpose_copy(g, du));            // (n_in, r)
        ggml_build_forward_expand(g.gf, ggml_add_inplace(ctx, lp->ga, dA));
        if (need_dx) dx = ggml_add(ctx, dx, ggml_mul_mat(ctx, transpose_copy(g, lp->a), du));
    }
    return dx;
}

ggml_tensor * rms_fwd(const net & g, ggml_tensor * x, ggml_tensor * w) {
    return ggml_mul(g.ctx, ggml_rms_norm(g.ctx, x, g.m->hp.rms_eps), w);
}

// y = rms_norm(x) ⊙ w over ne0: dx = (dn − n·mean(dn⊙n)) / sqrt(mean(x²) + eps), dn = dy ⊙ w;
// full mode: dw += Σ (dy ⊙ n) over tokens (and heads for q/k norms).
ggml_tensor * rms_bwd(const net & g, ggml_tensor * x, ggml_tensor * w, ggml_tensor * dy) {
    ggml_context * ctx = g.ctx;
    const float inv_n = 1.0f / (float) x->ne[0];
    ggml_tensor * n = ggml_rms_norm(ctx, x, g.m->hp.rms_eps);                     // recomputed (cheap)
    if (ggml_tensor * gw = full_grad(g, w)) accumulate(g, gw, sum_but_ne0(g, ggml_mul(ctx, dy, n)));
    ggml_tensor * dn = ggml_mul(ctx, dy, w);
    ggml_tensor * dot = ggml_scale(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, dn, n)), inv_n);     // (1, ...)
    ggml_tensor * r = ggml_sqrt(ctx, ggml_scale_bias(ctx, ggml_sum_rows(ctx, ggml_sqr(ctx, x)), inv_n, g.m->hp.rms_eps));
    return ggml_div(ctx, ggml_sub(ctx, dn, ggml_mul(ctx, n, dot)), r);
}

ggml_tensor * rope(const net & g, ggml_tensor * x, ggml_tensor * pos) {
    const engine_hparams & hp = g.m->hp;
    // rope_freqs: Llama 3.x's frequency divisors (llama.cpp src/models/llama.cpp, get_rope_factors).
    // ext_factor 0: no YaRN (rejected at load), as llama.cpp for none/linear scaling.
    return ggml_rope_ext(g.ctx, x, pos, g.m->rope_freqs, (int) hp.n_embd_head, hp.rope_mode, hp.n_ctx_train, hp.rope_freq_base,
                         hp.rope_freq_scale, 0.0f, 1.0f, 32.0f, 1.0f);
}

struct layer_saved {
    ggml_tensor * x_in, * x_mid;         // residual stream before attention / before the MLP
    ggml_tensor * q_pre, * k_pre;        // (hd, nH|nKV, T) before q/k norm (qwen3)
    ggml_tensor * qr, * kr, * v;         // (hd, nH|nKV, T) after rope / v
    ggml_tensor * P;                     // (Tk, Tq, nH) attention probabilities
    ggml_tensor * g, * u;                // (F, T) gate and up
    lin_saved lin[T_COUNT];
};

// Explicit GQA attention. q: (hd, nH, T), k/v: (hd, nKV, T) -> (hd*nH, T)
ggml_tensor * attention_fwd(const net & g, ggml_tensor * q, ggml_tensor * k, ggml_tensor * v, ggml_tensor ** P_out) {
    ggml_context * ctx = g.ctx;
    const int64_t hd = q->ne[0], nH = q->ne[1], T = q->ne[2];
    ggml_tensor * qp = ggml_permute(ctx, q, 0, 2, 1, 3);                          // (hd, T, nH)
    ggml_tensor * kp = ggml_cont(ctx, ggml_permute(ctx, k, 0, 2, 1, 3));          // (hd, T, nKV)
    ggml_tensor * kq = ggml_mul_mat(ctx, kp, qp);                                 // (Tk, Tq, nH); kv head = h / (nH/nKV)
    ggml_tensor * P = ggml_soft_max_ext(ctx, kq, g.in.mask, 1.0f / sqrtf((float) hd), 0.0f);
    ggml_tensor * vt = ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3));          // (Tk, hd, nKV)
    ggml_tensor * o = ggml_mul_mat(ctx, vt, P);                                   // (hd, Tq, nH)
    if (P_out) *P_out = P;
    return ggml_cont_2d(ctx, ggml_permute(ctx, o, 0, 2, 1, 3), hd * nH, T);        // (hd*nH, T)
}

// (X, Tq, nH) with heads h = kv*gs + j  ->  (Tq*gs, X, nKV): the GQA group joins the contraction dim
ggml_tensor * fold_groups(const net & g, ggml_tensor * x, int64_t gs) {
    const int64_t X = x->ne[0], Tq = x->ne[1], nKV = x->ne[2] / gs;
    ggml_tensor * x4 = ggml_reshape_4d(g.ctx, ggml_cont(g.ctx, x), X, Tq, gs, nKV);
    return ggml_reshape_3d(g.ctx, ggml_cont(g.ctx, ggml_permute(g.ctx, x4, 2, 0, 1, 3)), Tq * gs, X, nKV);
}

// Backward of attention_fwd: d(out) (hd*nH, T) -> dq (hd, nH, T), dk, dv (hd, nKV, T)
void attention_bwd(const net & g, const layer_saved & sv, ggml_tensor * dout, ggml_tensor ** dq, ggml_tensor ** dk, ggml_tensor ** dv) {
    ggml_context * ctx = g.ctx;
    const int64_t hd = sv.qr->ne[0], nH = sv.qr->ne[1], T = sv.qr->ne[2], nKV = sv.kr->ne[1], gs = nH / nKV;
    const float scale = 1.0f / sqrtf((float) hd);
    ggml_tensor * dO = ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_3d(ctx, dout, hd, nH, T), 0, 2, 1, 3)); // (hd, Tq, nH)
    ggml_tensor * vp = ggml_cont(ctx, ggml_permute(ctx, sv.v, 0, 2, 1, 3));       // (hd, Tk, nKV)
    ggml_tensor * dP = ggml_mul_mat(ctx, vp, dO);                                 // (Tk, Tq, nH)
    // softmax backward (the mask's entries have P = 0, so they get no gradient)
    ggml_tensor * dS = ggml_mul(ctx, sv.P, ggml_sub(ctx, dP, ggml_sum_rows(ctx, ggml_mul(ctx, sv.P, dP))));
    dS = ggml_scale(ctx, dS, scale);                                              // (Tk, Tq, nH)
    ggml_tensor * kT = ggml_cont(ctx, ggml_permute(ctx, sv.kr, 1, 2, 0, 3));      // (Tk, hd, nKV)
    ggml_tensor * dqp = ggml_mul_mat(ctx, kT, dS);                                // (hd, Tq, nH)
    // dk[d,tk,kv] = sum over (tq, j in group) q[d,tq,h] dS[tk,tq,h]
    ggml_tensor * qp = ggml_permute(ctx, sv.qr, 0, 2, 1, 3);                      // (hd, Tq, nH)
    ggml_tensor * dkp = ggml_mul_mat(ctx, fold_groups(g, qp, gs), fold_groups(g, dS, gs)); // (hd, Tk, nKV)
    ggml_tensor * dvp = ggml_mul_mat(ctx, fold_groups(g, dO, gs), fold_groups(g, sv.P, gs)); // (hd, Tk, nKV)
    *dq = ggml_cont(ctx, ggml_permute(ctx, dqp, 0, 2, 1, 3));                    // (hd, nH, T)
    *dk = ggml_cont(ctx, ggml_permute(ctx, dkp, 0, 2, 1, 3));                    // (hd, nKV, T)
    *dv = ggml_cont(ctx, ggml_permute(ctx, dvp, 0, 2, 1, 3));                    // (hd, nKV, T)
}

ggml_tensor * layer_fwd(const net & g, int il, const engine_lora * lora, ggml_tensor * x, layer_saved * sv) {
    ggml_context * ctx = g.ctx;
    const engine_hparams & hp = g.m->hp;
    const engine_layer & L = g.m->layers[il];
    const int64_t hd = hp.n_embd_head, nH = hp.n_head, nKV = hp.n_head_kv, T = x->ne[1];
    const float s = lora ? lora->scale() : 0.0f;
    auto lp = [&](int t) -> const engine_lora_pair * { return lora ? &lora->pairs[(size_t) il * T_COUNT + t] : nullptr; };
    lin_saved * ls = sv ? sv->lin : nullptr;
    auto slot = [&](int t) { return ls ? &ls[t] : nullptr; };
    if (sv) sv->x_in = x;
    ggml_tensor * h = rms_fwd(g, x, L.attn_norm);                                                   // (D, T)
    ggml_tensor * q = ggml_reshape_3d(ctx, linear_fwd(g, L.wq, L.bq, lp(T_Q), s, h, slot(T_Q)), hd, nH, T);
    ggml_tensor * k = ggml_reshape_3d(ctx, linear_fwd(g, L.wk, L.bk, lp(T_K), s, h, slot(T_K)), hd, nKV, T);
    ggml_tensor * v = ggml_reshape_3d(ctx, linear_fwd(g, L.wv, L.bv, lp(T_V), s, h, slot(T_V)), hd, nKV, T);
    if (sv) { sv->q_pre = q; sv->k_pre = k; sv->v = v; }
    if (L.q_norm) q = rms_fwd(g, q, L.q_norm);
    if (L.k_norm) k = rms_fwd(g, k, L.k_norm);
    q = rope(g, q, g.in.pos);
    k = rope(g, k, g.in.pos);
    if (sv) { sv->qr = q; sv->kr = k; }
    ggml_tensor * a = attention_fwd(g, q, k, v, sv ? &sv->P : nullptr);                            // (hd*nH, T)
    x = ggml_add(ctx, x, linear_fwd(g, L.wo, nullptr, lp(T_O), s, a, slot(T_O)));
    if (sv) sv->x_mid = x;
    h = rms_fwd(g, x, L.ffn_norm);
    ggml_tensor * gt = linear_fwd(g, L.w_gate, nullptr, lp(T_GATE), s, h, slot(T_GATE));             // (F, T)
    ggml_tensor * up = linear_fwd(g, L.w_up, nullptr, lp(T_UP), s, h, slot(T_UP));                   // (F, T)
    if (sv) { sv->g = gt; sv->u = up; }
    ggml_tensor * gu = ggml_swiglu_split(ctx, gt, up);
    return ggml_add(ctx, x, linear_fwd(g, L.w_down, nullptr, lp(T_DOWN), s, gu, slot(T_DOWN)));
}

// dx_out: gradient w.r.t. the layer's output; returns the gradient w.r.t. its input (null for layer 0)
ggml_tensor * layer_bwd(const net & g, int il, const engine_lora * lora, const layer_saved & sv, ggml_tensor * dX) {
    ggml_context * ctx = g.ctx;
    const engine_hparams & hp = g.m->hp;
    const engine_layer & L = g.m->layers[il];
    const int64_t T = dX->ne[1];
    const float s = lora ? lora->scale() : 0.0f;
    auto lp = [&](int t) -> const engine_lora_pair * { return lora ? &lora->pairs[(size_t) il * T_COUNT + t] : nullptr; };
    // layer 0's input gradient feeds only the embedding, which trains in full mode
    const bool need_input_grad = il > 0 || g.m->full;
    // MLP
    ggml_tensor * xT = nullptr;
    ggml_tensor * dgu = linear_bwd(g, L.w_down, nullptr, lp(T_DOWN), s, sv.lin[T_DOWN], xT, dX, true);       // (F, T)
    ggml_tensor * sg = ggml_sigmoid(ctx, sv.g);
    ggml_tensor * sl = ggml_mul(ctx, sv.g, sg);                                                    // silu(g)
    ggml_tensor * d_up = ggml_mul(ctx, dgu, sl);
    // silu'(g) = σ + silu(g)(1 − σ)
    ggml_tensor * dsilu = ggml_add(ctx, sg, ggml_sub(ctx, sl, ggml_mul(ctx, sl, sg)));
    ggml_tensor * d_gate = ggml_mul(ctx, ggml_mul(ctx, dgu, sv.u), dsilu);
    xT = nullptr;
    ggml_tensor * dh = linear_bwd(g, L.w_gate, nullptr, lp(T_GATE), s, sv.lin[T_GATE], xT, d_gate, true);
    dh = ggml_add(ctx, dh, linear_bwd(g, L.w_up, nullptr, lp(T_UP), s, sv.lin[T_UP], xT, d_up, true));
    ggml_tensor * dmid = ggml_add(ctx, dX, rms_bwd(g, sv.x_mid, L.ffn_norm, dh));
    ggml_build_forward_expand(g.gf, dmid);
    // attention
    xT = nullptr;
    ggml_tensor * da = linear_bwd(g, L.wo, nullptr, lp(T_O), s, sv.lin[T_O], xT, dmid, true);               // (hd*nH, T)
    ggml_tensor * dq, * dk, * dv;
    attention_bwd(g, sv, da, &dq, &dk, &dv);
    dq = rope(g, dq, g.in.pos_neg);
    dk = rope(g, dk, g.in.pos_neg);
    if (L.q_norm) dq = rms_bwd(g, sv.q_pre, L.q_norm, dq);
    if (L.k_norm) dk = rms_bwd(g, sv.k_pre, L.k_norm, dk);
    dq = ggml_reshape_2d(ctx, dq, dq->ne[0] * dq->ne[1], T);
    dk = ggml_reshape_2d(ctx, dk, dk->ne[0] * dk->ne[1], T);
    dv = ggml_reshape_2d(ctx, dv, dv->ne[0] * dv->ne[1], T);
    xT = nullptr;
    ggml_tensor * dh1 = linear_bwd(g, L.wq, L.bq, lp(T_Q), s, sv.lin[T_Q], xT, dq, need_input_grad);
    ggml_tensor * dh2 = linear_bwd(g, L.wk, L.bk, lp(T_K), s, sv.lin[T_K], xT, dk, need_input_grad);
    ggml_tensor * dh3 = linear_bwd(g, L.wv, L.bv, lp(T_V), s, sv.lin[T_V], xT, dv, need_input_grad);
    if (!need_input_grad) return nullptr;
    ggml_tensor * dhsum = ggml_add(ctx, ggml_add(ctx, dh1, dh2), dh3);
    ggml_tensor * dx = ggml_add(ctx, dmid, rms_bwd(g, sv.x_in, L.attn_norm, dhsum));
    (void) hp;
    ggml_build_forward_expand(g.gf, dx);
    return dx;
}

ggml_tensor * cat(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, int dim) { return a ? ggml_concat(ctx, a, b, dim) : b; }

struct head_chunk { int64_t r0, rc; ggml_tensor * h, * lse; };

// Log-probs (and entropy) of the scored rows hr (D, R), chunked; fills per-token-chunk lse for the backward.
void head_fwd(const net & g, ggml_tensor * hr, int64_t R, bool want_entropy, std::vector<head_chunk> & chunks,
              ggml_tensor ** logp_out, ggml_tensor ** ent_out) {
    ggml_context * ctx = g.ctx;
    const engine_model * m = g.m;
    ggml_tensor * W = m->output ? m->output : m->tok_embd;
    const int64_t D = m->hp.n_embd, V = m->hp.n_vocab, Vc = m->head_vocab_chunk;
    // at most 16 token chunks (graph capacity); a token's values do not depend on its chunk
    int64_t Rc = m->head_token_chunk;
    if ((R + Rc - 1) / Rc > 16) Rc = ((R + 15) / 16 + 63) / 64 * 64;
    const float c = m->logit_scale;
    ggml_tensor * logp = nullptr, * ent = nullptr;
    for (int64_t r0 = 0; r0 < R; r0 += Rc) {
        const int64_t rc = std::min(Rc, R - r0);
        ggml_tensor * h = ggml_view_2d(ctx, hr, D, rc, hr->nb[1], (size_t) r0 * hr->nb[1]);        // (D, rc)
        ggml_tensor * A = nullptr, * Hs = nullptr;
        for (int64_t v0 = 0; v0 < V; v0 += Vc) {
            const int64_t vc = std::min(Vc, V - v0);
            ggml_tensor * z = ggml_mul_mat(ctx, weight_rows_f32(g, W, v0, vc), h);                    // (vc, rc)
            if (c != 1.0f) z = ggml_scale(ctx, z, c);
            ggml_tensor * p = ggml_soft_max(ctx, z);
            // lse of this chunk = E_p[z] + H(p) (no row-max op is needed: soft_max is stable)
            ggml_tensor * nh = ggml_sum_rows(ctx, ggml_mul(ctx, p, ggml_log(ctx, ggml_scale_bias(ctx, p, 1.0f, 1e-30f)))); // −H
            ggml_tensor * a = ggml_sub(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, p, z)), nh);           // (1, rc)
            A = cat(ctx, A, a, 0);
            if (want_entropy) Hs = cat(ctx, Hs, ggml_scale(ctx, nh, -1.0f), 0);
            ggml_build_forward_expand(g.gf, A);
            if (Hs) ggml_build_forward_expand(g.gf, Hs);
        }
        ggml_tensor * lse = A, * e = Hs;
        if (A->ne[0] > 1) {
            // combine chunks: lse = E_q[a] + H(q), entropy = E_q[H_v] + H(q), q = softmax over chunks
            ggml_tensor * q = ggml_soft_max(ctx, A);                                                  // (Nv, rc)
            ggml_tensor * nhq = ggml_sum_rows(ctx, ggml_mul(ctx, q, ggml_log(ctx, ggml_scale_bias(ctx, q, 1.0f, 1e-30f))));
            lse = ggml_sub(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, q, A)), nhq);
            if (want_entropy) e = ggml_sub(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, q, Hs)), nhq);
        }
        ggml_tensor * y = ggml_view_1d(ctx, g.in.targets, rc, (size_t) r0 * sizeof(int32_t));
        ggml_tensor * zy = ggml_sum_rows(ctx, ggml_mul(ctx, ggml_get_rows(ctx, W, y), h));            // (1, rc)
        if (c != 1.0f) zy = ggml_scale(ctx, zy, c);
        logp = cat(ctx, logp, ggml_sub(ctx, zy, lse), 1);
        if (want_entropy) ent = cat(ctx, ent, e, 1);
        chunks.push_back({r0, rc, h, lse});
        ggml_build_forward_expand(g.gf, logp);
        if (ent) ggml_build_forward_expand(g.gf, ent);
    }
    *logp_out = logp;
    *ent_out = ent;
}

// d(−Σ w logp)/d hr (D, R) = c·(Wᵀ(w·p) − w·W[y]); vocab chunks outside so each W chunk is
// dequantised and transposed once per micro-batch.
ggml_tensor * head_bwd(const net & g, const std::vector<head_chunk> & chunks, ggml_tensor * chunks_h_all) {
    ggml_context * ctx = g.ctx;
    const engine_model * m = g.m;
    ggml_tensor * W = m->output ? m->output : m->tok_embd;
    const int64_t V = m->hp.n_vocab, Vc = m->head_vocab_chunk;
    const float c = m->logit_scale;
    std::vector<ggml_tensor *> acc(chunks.size(), nullptr), wc(chunks.size()), nl(chunks.size()), hT(chunks.size(), nullptr);
    ggml_tensor * gW = full_grad(g, W);   // full mode: output (or tied embedding) gradient
    for (size_t i = 0; i < chunks.size(); i++) {
        wc[i] = ggml_view_2d(ctx, g.in.w, 1, chunks[i].rc, g.in.w->nb[1], (size_t) chunks[i].r0 * g.in.w->nb[1]); // (1, rc)
        nl[i] = ggml_scale(ctx, chunks[i].lse, -1.0f);
        if (gW) hT[i] = transpose_copy(g, chunks[i].h);                                                 // (rc, D)
    }
    for (int64_t v0 = 0; v0 < V; v0 += Vc) {
        const int64_t vc = std::min(Vc, V - v0);
        ggml_tensor * Wv = weight_rows_f32(g, W, v0, vc);                                              // (D, vc)
        ggml_tensor * WvT = transpose_copy(g, Wv);                                                     // (vc, D)
        for (size_t i = 0; i < chunks.size(); i++) {
            ggml_tensor * z = ggml_mul_mat(ctx, Wv, chunks[i].h);                                      // (vc, rc)
            if (c != 1.0f) z = ggml_scale(ctx, z, c);
            ggml_tensor * p = ggml_exp(ctx, ggml_add(ctx, z, nl[i]));                                  // softmax over all V
            ggml_tensor * wp = ggml_mul(ctx, p, wc[i]);                                                // (vc, rc)
            ggml_tensor * part = ggml_mul_mat(ctx, WvT, wp);                                           // (D, rc)
            acc[i] = acc[i] ? ggml_add(ctx, acc[i], part) : part;
            ggml_build_forward_expand(g.gf, acc[i]);
            if (gW) {
                // dW[v] += c Σ_r w_r p_rv h_r for this vocab chunk's rows (the lse part of −w·logp)
                ggml_tensor * dWv = ggml_mul_mat(ctx, hT[i], transpose_copy(g, wp));                  // (D, vc)
                if (c != 1.0f) dWv = ggml_scale(ctx, dWv, c);
                accumulate(g, ggml_view_2d(ctx, gW, gW->ne[0], vc, gW->nb[1], (size_t) v0 * gW->nb[1]), dWv);
            }
        }
    }
    ggml_tensor * dhr = nullptr;
    for (size_t i = 0; i < chunks.size(); i++) {
        ggml_tensor * y = ggml_view_1d(ctx, g.in.targets, chunks[i].rc, (size_t) chunks[i].r0 * sizeof(int32_t));
        ggml_tensor * wy = ggml_mul(ctx, ggml_get_rows(ctx, W, y), wc[i]);                            // (D, rc)
        ggml_tensor * d = ggml_sub(ctx, acc[i], wy);
        if (c != 1.0f) d = ggml_scale(ctx, d, c);
        dhr = cat(ctx, dhr, d, 1);
    }
    if (gW) {
        // dW[y_r] −= c w_r h_r: a scatter of the scored rows (GET_ROWS_BACK adds rows that share a token)
        ggml_tensor * hw = ggml_mul(ctx, chunks_h_all, g.in.w);                                       // (D, R)
        ggml_tensor * d = ggml_get_rows_back(ctx, ggml_scale(ctx, hw, -c), g.in.targets, gW);        // (D, V)
        accumulate(g, gW, d);
    }
    return dhr;                                                                                        // (D, R)
}

}  // namespace

int64_t engine_net_iota_len(const engine_model * m) {
    const engine_hparams & hp = m->hp;
    int64_t n = hp.n_vocab;
    for (int64_t v : {(int64_t) hp.n_embd, (int64_t) hp.n_ff, (int64_t) hp.n_embd_head * hp.n_head}) n = std::max(n, v);
    return n;
}

void engine_net_build(ggml_context * ctx, ggml_cgraph * gf, const engine_model * m, bool use_lora, bool want_entropy,
                      bool backward, int64_t T, int64_t R, engine_net_inputs & in, engine_net_outputs & out) {
    const engine_hparams & hp = m->hp;
    const engine_lora * lora = use_lora ? m->lora : nullptr;
    in = engine_net_inputs{};
    in.tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);
    in.pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);
    in.mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, T, T);
    in.rows = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, R);
    in.targets = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, R);
    in.iota = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, engine_net_iota_len(m));
    for (ggml_tensor * t : {in.tokens, in.pos, in.mask, in.rows, in.targets, in.iota}) ggml_set_input(t);
    if (backward) {
        in.pos_neg = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);
        in.sel = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, R, T);
        in.w = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, R);
        for (ggml_tensor * t : {in.pos_neg, in.sel, in.w}) ggml_set_input(t);
    }
    net g{ctx, gf, m, in};
    // Activation checkpointing: when the saved activations of every layer would exceed the budget, keep
    // only each layer's input and recompute the layer right before its backward (one extra forward),
    // so the backward holds one layer's working set plus the layer inputs.
    const bool recompute = backward && engine_net_recompute(m, T);
    std::vector<layer_saved> saved(backward ? hp.n_layer : 0);
    std::vector<ggml_tensor *> inputs(hp.n_layer, nullptr);
    ggml_tensor * x = ggml_get_rows(ctx, m->tok_embd, in.tokens);                                      // (D, T)
    for (int il = 0; il < hp.n_layer; il++) {
        inputs[il] = x;
        x = layer_fwd(g, il, lora, x, backward && !recompute ? &saved[il] : nullptr);
        ggml_build_forward_expand(gf, x);
    }
    ggml_tensor * x_last = x;
    ggml_tensor * hn = rms_fwd(g, x, m->output_norm);                                                  // (D, T)
    out = engine_net_outputs{};
    out.hidden = hn;
    ggml_tensor * hr = ggml_get_rows(ctx, hn, in.rows);                                                // (D, R)
    std::vector<head_chunk> chunks;
    head_fwd(g, hr, R, want_entropy, chunks, &out.logp, &out.entropy);
    if (!backward) return;
    out.loss = ggml_scale(ctx, ggml_sum(ctx, ggml_mul(ctx, out.logp, in.w)), -1.0f);
    ggml_build_forward_expand(gf, out.loss);
    ggml_tensor * dhr = head_bwd(g, chunks, hr);                                                           // (D, R)
    ggml_tensor * dhn = ggml_mul_mat(ctx, transpose_copy(g, dhr), in.sel);                            // (D, T)
    ggml_tensor * dX = rms_bwd(g, x_last, m->output_norm, dhn);
    ggml_build_forward_expand(gf, dX);
    for (int il = hp.n_layer - 1; il >= 0; il--) {
        if (recompute) layer_fwd(g, il, m->lora, inputs[il], &saved[il]);  // new nodes: computed here, freed after use
        dX = layer_bwd(g, il, m->lora, saved[il], dX);
    }
    // full mode: the embedding gradient is the input gradient scattered to the token rows
    if (ggml_tensor * gE = full_grad(g, m->tok_embd)) accumulate(g, gE, ggml_get_rows_back(ctx, dX, in.tokens, m->tok_embd));
}

// Bytes of activations one layer keeps for its backward at T tokens (F32): residuals, norms, q/k/v
// before and after RoPE, attention probabilities (nH·T²), MLP gate/up/product, LoRA A·x.
int64_t engine_net_layer_saved_bytes(const engine_model * m, int64_t T) {
    const engine_hparams & hp = m->hp;
    const int64_t D = hp.n_embd, q = (int64_t) hp.n_embd_head * hp.n_head, kv = (int64_t) hp.n_embd_head * hp.n_head_kv;
    const int64_t r = m->lora ? m->lora->rank : 0;
    return 4 * T * (4 * D + 3 * q + 4 * kv + 3 * (int64_t) hp.n_ff + (int64_t) hp.n_head * T + 7 * r);
}

bool engine_net_recompute(const engine_model * m, int64_t T) {
    if (const char * e = getenv("CLIPO_ENGINE_RECOMPUTE")) return e[0] == '1';
    // more than 1 GiB of saved activations: recompute (costs one more forward, ~+30% per backward)
    return engine_net_layer_saved_bytes(m, T) * m->hp.n_layer > ((int64_t) 1 << 30);
}
