// engine.h: the Clipo training engine's C++ core (no N-API here).
//
// A llama-family decoder (llama, qwen2, qwen3) built as our own ggml graph from
// GGUF weights, LoRA adapters on q,k,v,o,gate,up,down, per-token log-probs,
// entropy and pooled hidden states, a weighted-log-likelihood backward, and our
// own AdamW loop. See docs/ENGINE.md and /work/shared/ENGINE-NOTES.md.
//
// Deliberately NOT here: anything about RL (advantages, objectives), threads
// other than ggml's own, sampling/generation (node-llama-cpp does that), flash
// attention (not differentiable), Metal/CUDA-specific kernels.
//
// Errors: every entry point returns an engine_status (never exit/abort). All
// inputs are validated before ggml sees them, because ggml asserts abort.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "gguf.h"

// ---- status ---------------------------------------------------------------

enum engine_code {
    ENGINE_OK = 0,
    ENGINE_E_IO,            // missing file, unreadable, rename failed
    ENGINE_E_FORMAT,        // corrupt / truncated GGUF or state file
    ENGINE_E_UNSUPPORTED,   // arch or tensor type not supported
    ENGINE_E_INVALID,       // bad argument (token range, lengths, NaN, ...)
    ENGINE_E_STATE,         // wrong call order (no adapter, disposed, ...)
    ENGINE_E_MISMATCH,      // state/adapter from another model
    ENGINE_E_BACKEND,       // backend init / alloc / compute failed
    ENGINE_E_CANCELLED,     // cancel flag observed between computes
};

struct engine_status {
    engine_code code = ENGINE_OK;
    std::string message;
    bool ok() const { return code == ENGINE_OK; }
};

engine_status engine_error(engine_code code, const std::string & message);
const char *  engine_code_name(engine_code code);

// ---- model ----------------------------------------------------------------

enum engine_arch { ENGINE_ARCH_LLAMA, ENGINE_ARCH_QWEN2, ENGINE_ARCH_QWEN3 };

struct engine_hparams {
    engine_arch arch;
    std::string arch_name;   // "llama" | "qwen2" | "qwen3"
    int32_t n_vocab;
    int32_t n_ctx_train;
    int32_t n_embd;          // d_model
    int32_t n_layer;
    int32_t n_ff;
    int32_t n_head;
    int32_t n_head_kv;
    int32_t n_embd_head;     // head dim (key_length for qwen3)
    float   rms_eps;
    float   rope_freq_base;
    float   rope_freq_scale; // 1/factor of linear rope scaling (rope.scaling.factor), else 1
    int     rope_mode;       // 0 = NORM (llama), GGML_ROPE_TYPE_NEOX (qwen)
};

struct engine_layer {
    ggml_tensor * attn_norm;  // (D)
    ggml_tensor * wq;         // (D, nH*hd)     ggml ne = [in, out]
    ggml_tensor * wk;         // (D, nKV*hd)
    ggml_tensor * wv;         // (D, nKV*hd)
    ggml_tensor * wo;         // (nH*hd, D)
    ggml_tensor * bq;         // (nH*hd) or null (qwen2)
    ggml_tensor * bk;         // (nKV*hd) or null
    ggml_tensor * bv;         // (nKV*hd) or null
    ggml_tensor * q_norm;     // (hd) or null (qwen3)
    ggml_tensor * k_norm;     // (hd) or null
    ggml_tensor * ffn_norm;   // (D)
    ggml_tensor * w_gate;     // (D, F)
    ggml_tensor * w_up;       // (D, F)
    ggml_tensor * w_down;     // (F, D)
};

// LoRA targets, in this fixed order everywhere (state files, GGUF names).
enum engine_target { T_Q, T_K, T_V, T_O, T_GATE, T_UP, T_DOWN, T_COUNT };
extern const char * const engine_target_names[T_COUNT];      // "q","k",...
extern const char * const engine_target_gguf_names[T_COUNT]; // "attn_q",...

struct engine_lora_pair {
    ggml_tensor * a = nullptr;  // (n_in, r)   lora_a, trainable
    ggml_tensor * b = nullptr;  // (r, n_out)  lora_b, trainable
    ggml_tensor * ga = nullptr; // (n_in, r)   grad accumulator of a
    ggml_tensor * gb = nullptr; // (r, n_out)  grad accumulator of b
    ggml_tensor * ma = nullptr, * va = nullptr; // AdamW moments of a
    ggml_tensor * mb = nullptr, * vb = nullptr; // AdamW moments of b
};

struct engine_lora {
    int32_t rank = 0;
    float   alpha = 0;
    uint32_t targets = 0;                 // bit i = engine_target i
    int64_t step = 0;                     // AdamW steps taken
    std::vector<engine_lora_pair> pairs;  // (n_layer * T_COUNT), null where not targeted
    ggml_context * ctx = nullptr;         // metadata of a, b, m, v
    ggml_context * ctx_grads = nullptr;   // metadata of ga, gb
    ggml_backend_buffer_t buf_params = nullptr; // a, b, m, v
    ggml_backend_buffer_t buf_grads = nullptr;  // ga, gb (cleared after each step)
    float scale() const { return rank > 0 ? alpha / (float) rank : 0.0f; }
};

// Full-parameter training (engine_full.cpp): every model tensor trainable, held as resident F32,
// with a gradient accumulator and AdamW moments each. Exclusive with a LoRA adapter.
struct engine_full_param {
    std::string name;         // GGUF name, e.g. blk.0.attn_q.weight
    ggml_tensor * w = nullptr; // the model's own tensor (F32, flagged as a param)
    ggml_tensor * g = nullptr; // gradient accumulator
    ggml_tensor * m = nullptr, * v = nullptr; // AdamW moments
    bool decay = true;        // weight decay applies (matrices and embeddings; not norms or biases)
};

struct engine_full {
    std::vector<engine_full_param> params;   // documented order (engine_full_tensors)
    int64_t n_params = 0;
    int64_t step = 0;
    ggml_context * ctx_grads = nullptr;      // metadata of g
    ggml_context * ctx_moments = nullptr;    // metadata of m, v
    ggml_backend_buffer_t buf_grads = nullptr;
    ggml_backend_buffer_t buf_moments = nullptr;
    gguf_context * meta = nullptr;           // KV metadata (and tensor order) of the source GGUF, for save_gguf
    ggml_tensor * grad_of(const ggml_tensor * w) const {
        for (const auto & p : params) if (p.w == w) return p.g;
        return nullptr;
    }
};

struct engine_model {
    engine_hparams hp;
    std::string path;
    uint64_t fingerprint = 0;             // hash of arch, hparams, tensor names/shapes
    std::vector<std::string> source_types; // distinct GGUF tensor types found
    ggml_tensor * tok_embd = nullptr;     // (D, V)
    ggml_tensor * output_norm = nullptr;  // (D)
    ggml_tensor * output = nullptr;       // (D, V), null when tied
    ggml_tensor * rope_freqs = nullptr;   // (hd/2) Llama 3.x frequency factors (theta_i / f_i), or null
    std::vector<engine_layer> layers;
    ggml_context * ctx_w = nullptr;
    ggml_backend_buffer_t buf_w = nullptr;
    ggml_backend_t backend = nullptr;     // primary: holds weights and adapter, runs every op it supports
    ggml_backend_t backend_cpu = nullptr; // fallback for ops the primary lacks (only when the primary is a GPU)
    ggml_backend_sched_t sched = nullptr; // reused across graphs: compute buffers are allocated once and grow
    std::set<std::string> cpu_fallback_ops; // ops the scheduler ran on backend_cpu (GPU lacks them)
    std::mutex fallback_mu;               // guards cpu_fallback_ops (info() reads it from the JS thread)
    std::string backend_name;
    int n_threads = 1;
    bool frozen_f32 = false;              // frozen matrices converted to F32 at load (frozen: 'f32')
    bool legacy_autograd = false;         // old ggml-autograd graph (tests compare the hand-built backward with it)
    int64_t head_vocab_chunk = 0;         // vocab rows per head chunk (fixed per model: log-probs independent of R)
    int64_t head_token_chunk = 0;         // scored tokens per head chunk
    engine_lora * lora = nullptr;
    engine_full * full = nullptr;         // full-parameter training state (exclusive with lora)
    size_t peak_compute_bytes = 0;
    float logit_scale = 1.0f;             // 1/T: log-probs are of softmax(z/T), the sampler's distribution
    std::mutex mu;                        // one op at a time
    std::atomic<bool> cancel{false};
};

struct engine_open_params {
    std::string backend = "cpu";  // "cpu" | "auto" | "gpu"
    int n_threads = 1;
    std::string lib_dir;          // where libggml-cpu-*.so live (all variants are tried)
    std::vector<std::string> gpu_libs; // extra backend libraries (e.g. .../libggml-cuda.so), loaded for gpu/auto
    // Frozen matrices: "native"/"auto" (default: keep the file's type on every backend; each
    // multiply reads a transient F32 dequantisation, docs/ENGINE.md) or "f32" (a resident F32
    // copy). The legacy autograd path keeps its old rule (F32 on GPUs and when <= 4 GiB).
    std::string frozen = "auto";
    bool legacy_autograd = false; // test only: ggml autograd backward (OUT_PROD etc.) instead of the hand-built one
};

engine_status engine_model_open(const std::string & path, const engine_open_params & p, engine_model ** out);
void          engine_model_free(engine_model * m);

// ---- lora -----------------------------------------------------------------

struct engine_lora_params {
    int32_t  rank = 8;
    float    alpha = 16;
    uint32_t targets = (1u << T_COUNT) - 1;
    uint64_t seed = 42;
};

engine_status engine_lora_init(engine_model * m, const engine_lora_params & p);
engine_status engine_lora_save_gguf(engine_model * m, const std::string & path);
engine_status engine_lora_load_gguf(engine_model * m, const std::string & path);
// Flat copies of all parameters (or gradients) in target order: for each layer,
// for each targeted t: A then B. Sizes are listed in `shapes` as (name, n_in/r, r/n_out).
struct engine_tensor_info { std::string name; int64_t ne0, ne1; };
engine_status engine_lora_tensors(engine_model * m, std::vector<engine_tensor_info> & infos);
engine_status engine_lora_read(engine_model * m, bool grads, std::vector<float> & out);
engine_status engine_lora_write(engine_model * m, const std::vector<float> & in);

// ---- full-parameter training (engine_full.cpp) ---------------------------

// Largest model full_init accepts by default: weights + gradients + two AdamW moments are 16 bytes
// per parameter (1 GiB at this limit), and the CPU step time grows with it.
constexpr int64_t ENGINE_FULL_MAX_PARAMS_DEFAULT = 64ll * 1000 * 1000;

struct engine_full_params {
    int64_t max_params = ENGINE_FULL_MAX_PARAMS_DEFAULT; // refuse larger models (E_UNSUPPORTED)
};

// Makes every model tensor trainable (converted to resident F32), allocates gradients and AdamW
// moments (zero, step 0). Refused while a LoRA adapter is active, with the legacy autograd graph,
// or above max_params. Idempotent when already in full mode (keeps weights, resets nothing).
engine_status engine_full_init(engine_model * m, const engine_full_params & p);
// Tensors in the flat order of engine_full_read/write: token_embd, output_norm, output (untied only),
// then per layer attn_norm, attn_q, attn_k, attn_v, attn_output, attn_q.bias, attn_k.bias,
// attn_v.bias (qwen2), attn_q_norm, attn_k_norm (qwen3), ffn_norm, ffn_gate, ffn_up, ffn_down.
struct engine_full_tensor_info { std::string name; std::vector<int64_t> ne; };
engine_status engine_full_tensors(engine_model * m, std::vector<engine_full_tensor_info> & out);
engine_status engine_full_read(engine_model * m, bool grads, std::vector<float> & out);
engine_status engine_full_write(engine_model * m, const std::vector<float> & in);
// A complete model GGUF: the source file's KV metadata (tokenizer, hparams, template) and tensor order,
// every tensor from the trained weights; f16: 2-D matrices as F16 (norms and biases stay F32).
engine_status engine_full_save_gguf(engine_model * m, const std::string & path, bool f16);
void engine_full_free(engine_full * f);
// internal (engine_train.cpp's state_save/load dispatch here for version-2 files)
engine_status engine_full_state_save(engine_model * m, const std::string & path);
engine_status engine_full_state_load(engine_model * m, FILE * fp_after_version, const std::string & path);

// ---- batch, forward, backward, step ---------------------------------------

struct engine_seq {
    std::vector<int32_t> tokens;  // (n)
    int32_t response_start;       // log-probs for tokens[response_start..n-1]
};

struct engine_forward_params {
    bool adapter = true;          // false = reference policy (base weights)
    int64_t token_budget = 2048;  // max tokens per micro-batch (packing)
    bool want_entropy = true;
    bool want_pooled = true;
};

struct engine_forward_result {
    std::vector<float> logprobs;  // (sum of response lengths); backward fills it too (log-probs inside the backward graph)
    std::vector<float> entropy;   // (sum of response lengths)
    std::vector<float> pooled;    // (n_seq, D)
    int64_t tokens = 0;           // tokens processed (all positions)
    size_t  peak_bytes = 0;       // weights + lora + largest compute buffer
    int     micro_batches = 0;
};

engine_status engine_forward(engine_model * m, const std::vector<engine_seq> & batch,
                             const engine_forward_params & p, engine_forward_result & r);

// Sizes the compute buffers for the worst micro-batch of `token_budget` tokens
// (forward with entropy and pooling, and backward), so later calls never grow them
// mid-run, and out-of-memory shows up here with a clear message. Needs an adapter.
struct engine_reserve_bytes {
    size_t weights = 0;      // frozen model tensors (file type, or F32 with frozen 'f32')
    size_t adapter = 0;      // LoRA A, B, AdamW moments and gradient accumulators
    size_t compute = 0;      // activations and transients: the scheduler's compute buffers (all backends)
    size_t compute_host = 0; // part of `compute` on the CPU fallback backend (0 when the primary is the CPU)
    size_t grads = 0;        // full mode: gradient accumulators (also counted in `adapter`)
    size_t moments = 0;      // full mode: AdamW m and v (also counted in `adapter`)
    size_t total() const { return weights + adapter + compute; }
};
engine_status engine_reserve(engine_model * m, int64_t token_budget, size_t * peak_bytes, engine_reserve_bytes * parts = nullptr);
void engine_bytes(engine_model * m, engine_reserve_bytes & parts);

// loss = -sum_t w_t log pi(y_t) accumulated into the LoRA gradient accumulators.
// weights has one entry per response token (same layout as logprobs).
engine_status engine_backward(engine_model * m, const std::vector<engine_seq> & batch,
                              const std::vector<float> & weights, int64_t token_budget,
                              double * loss_out, engine_forward_result * info);

struct engine_adamw_params {
    float lr = 1e-4f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
    float max_grad_norm = 0.0f;   // <= 0: no clipping
};

// One AdamW step on all LoRA params from the accumulated gradients, then zero them.
// grad_norm_out = global L2 norm of the gradient before clipping.
engine_status engine_step(engine_model * m, const engine_adamw_params & p, double * grad_norm_out);
engine_status engine_zero_grad(engine_model * m);

// The distinct ops of a graph the engine builds ("forward", "backward" or "step") for one sequence of T
// tokens, with the operand properties the backends' supports_op functions look at (the op allowlist test).
struct engine_op_src { std::string type; bool contiguous, contiguous_rows, contiguous_1, contiguous_2; int64_t ne0, ne3; };
struct engine_op_info { std::string op, type; bool contiguous, contiguous_rows; std::vector<engine_op_src> srcs; };
engine_status engine_graph_ops(engine_model * m, const std::string & which, int64_t n_tokens, std::vector<engine_op_info> & out);

engine_status engine_state_save(engine_model * m, const std::string & path);
engine_status engine_state_load(engine_model * m, const std::string & path);

// internal: build the decoder graph (engine_graph.cpp)
struct engine_graph_inputs {
    ggml_tensor * tokens;   // (T) i32
    ggml_tensor * pos;      // (T) i32
    ggml_tensor * mask;     // (T, T) f32, block-diagonal causal
    ggml_tensor * rows;     // (R) i32 positions whose next token is scored
    ggml_tensor * gather;   // (R) i32 flattened index r*V + y
};
struct engine_graph_outputs {
    ggml_tensor * logp;     // (R)
    ggml_tensor * entropy;  // (R) or null
    ggml_tensor * hidden;   // (D, T) final-norm hidden, for pooling
    ggml_tensor * probs;    // (V, R)
};
void engine_graph_build_autograd(ggml_context * ctx, const engine_model * m, bool use_lora, bool want_entropy,
                        int64_t n_tokens, int64_t n_rows, engine_graph_inputs & in, engine_graph_outputs & out);

// engine_graph.cpp: the decoder with a hand-built backward made only of forward ops (MUL_MAT,
// GET_ROWS, ROPE, SOFT_MAX, elementwise, SUM_ROWS, CONT/CPY, CONCAT), frozen weights read through
// transient F32 dequantisations (GET_ROWS), and a head chunked over vocabulary and tokens.
struct engine_net_inputs {
    ggml_tensor * tokens;   // (T) i32
    ggml_tensor * pos;      // (T) i32
    ggml_tensor * pos_neg;  // (T) i32, -pos (RoPE backward = RoPE by the opposite angle); backward only
    ggml_tensor * mask;     // (T, T) f32 block-diagonal causal
    ggml_tensor * rows;     // (R) i32 positions whose next token is scored
    ggml_tensor * targets;  // (R) i32 the scored tokens
    ggml_tensor * iota;     // (n) i32 0..n-1: row ids for dequantising a weight (GET_ROWS)
    ggml_tensor * sel;      // (R, T) f32 one-hot rows -> positions (scatter as MUL_MAT); backward only
    ggml_tensor * w;        // (1, R) f32 per-token weights; backward only
};
struct engine_net_outputs {
    ggml_tensor * logp;     // (1, R)
    ggml_tensor * entropy;  // (1, R) or null
    ggml_tensor * hidden;   // (D, T) final-norm hidden, for pooling
    ggml_tensor * loss;     // (1) backward only: -sum w logp
};
int64_t engine_net_iota_len(const engine_model * m);
int64_t engine_net_layer_saved_bytes(const engine_model * m, int64_t n_tokens);
// per-layer recompute (activation checkpointing) in the backward at this micro-batch size?
// (saved activations of all layers > 1 GiB; CLIPO_ENGINE_RECOMPUTE=0|1 overrides)
bool engine_net_recompute(const engine_model * m, int64_t n_tokens);
void engine_head_chunks(engine_model * m);  // sets head_vocab_chunk / head_token_chunk (engine_train.cpp)
// Builds the forward (and, with `backward`, the gradient of -sum w_t logp_t accumulated in place into
// the adapter's ga/gb) into gf, expanding layer by layer so transient weight copies do not all live at once.
void engine_net_build(ggml_context * ctx, ggml_cgraph * gf, const engine_model * m, bool use_lora, bool want_entropy,
                      bool backward, int64_t n_tokens, int64_t n_rows, engine_net_inputs & in, engine_net_outputs & out);
