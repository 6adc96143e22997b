// engine_model.cpp: open a GGUF llama/qwen2/qwen3 model into backend memory.
//
// Every check that could trip a ggml assert (arch, types, shapes, offsets past
// end of file) happens here first, so a bad file is an error, not an abort.
// Type policy (ENGINE-NOTES §1, §4): on CPU, F32/F16/Q8_0/Q4_K stay as they are
// (CPU OUT_PROD handles them), BF16 becomes F32 (BF16 OUT_PROD aborts). On a GPU
// backend every frozen matrix becomes F32 (CUDA OUT_PROD is F32 only). Norms,
// biases are always F32.
#include "engine.h"
#include "engine_platform.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <sys/stat.h>

const char * const engine_target_names[T_COUNT] = {"q", "k", "v", "o", "gate", "up", "down"};
const char * const engine_target_gguf_names[T_COUNT] = {"attn_q", "attn_k", "attn_v", "attn_output",
                                                        "ffn_gate", "ffn_up", "ffn_down"};

engine_status engine_error(engine_code code, const std::string & message) {
    engine_status s;
    s.code = code;
    s.message = message;
    return s;
}

const char * engine_code_name(engine_code code) {
    switch (code) {
        case ENGINE_OK: return "OK";
        case ENGINE_E_IO: return "E_IO";
        case ENGINE_E_FORMAT: return "E_FORMAT";
        case ENGINE_E_UNSUPPORTED: return "E_UNSUPPORTED";
        case ENGINE_E_INVALID: return "E_INVALID";
        case ENGINE_E_STATE: return "E_STATE";
        case ENGINE_E_MISMATCH: return "E_MISMATCH";
        case ENGINE_E_BACKEND: return "E_BACKEND";
        case ENGINE_E_CANCELLED: return "E_CANCELLED";
    }
    return "E_UNKNOWN";
}

static void engine_log_quiet(enum ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR && getenv("CLIPO_ENGINE_VERBOSE")) fputs(text, stderr);
    else if (getenv("CLIPO_ENGINE_VERBOSE")) fputs(text, stderr);
}

// Weight types the engine loads: the float types and the quantisations llama.cpp's usual files
// are made of (a Q4_K_M Qwen2.5-0.5B mixes Q4_K, Q6_K, Q5_0 and Q8_0, since rows of 896 cannot
// hold k-quant blocks). Each has ggml's to_float (for the F32 conversion) and a CPU OUT_PROD
// (for native frozen weights, ENGINE-NOTES §1). Kept in step with inspectGguf.ts ENGINE_TYPES.
static const ggml_type engine_weight_types[] = {
    GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1,   GGML_TYPE_Q5_0, GGML_TYPE_Q5_1,
    GGML_TYPE_Q8_0, GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K,   GGML_TYPE_Q6_K, GGML_TYPE_IQ4_NL,
    GGML_TYPE_IQ4_XS,
};

static bool model_type_supported(ggml_type t) {
    for (ggml_type s : engine_weight_types) if (s == t) return true;
    return false;
}

static std::string model_supported_types() {
    std::string out;
    for (ggml_type s : engine_weight_types) {
        std::string n = ggml_type_name(s);
        for (char & c : n) c = (char) toupper((unsigned char) c);
        out += (out.empty() ? "" : ", ") + n;
    }
    return out;
}

static uint64_t fnv1a(uint64_t h, const void * data, size_t n) {
    const uint8_t * p = (const uint8_t *) data;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
    return h;
}

namespace {
struct gguf_reader {
    gguf_context * g;
    std::string arch;
    bool get_u32(const std::string & key, int32_t & out, bool required, std::string & err) const {
        int64_t id = gguf_find_key(g, key.c_str());
        if (id < 0) { if (required) err = "missing key " + key; return !required; }
        gguf_type t = gguf_get_kv_type(g, id);
        // Read wide, then refuse what int32 cannot hold: a cast would wrap 2^32 + 64 to 64, a valid-looking size.
        int64_t v;
        if (t == GGUF_TYPE_UINT32) v = (int64_t) gguf_get_val_u32(g, id);
        else if (t == GGUF_TYPE_INT32) v = gguf_get_val_i32(g, id);
        else if (t == GGUF_TYPE_UINT64) { uint64_t u = gguf_get_val_u64(g, id); v = u > (uint64_t) INT32_MAX ? -1 : (int64_t) u; }
        else { err = "key " + key + " has the wrong type"; return false; }
        if (v < 0 || v > INT32_MAX) { err = "key " + key + " is out of range"; return false; }
        out = (int32_t) v;
        return true;
    }
    bool get_f32(const std::string & key, float & out, bool required, std::string & err) const {
        int64_t id = gguf_find_key(g, key.c_str());
        if (id < 0) { if (required) err = "missing key " + key; return !required; }
        if (gguf_get_kv_type(g, id) != GGUF_TYPE_FLOAT32) { err = "key " + key + " is not f32"; return false; }
        out = gguf_get_val_f32(g, id);
        return true;
    }
};
}  // namespace

static engine_status model_read_hparams(const gguf_reader & r, engine_hparams & hp) {
    std::string err;
    const std::string a = r.arch;
    hp.arch_name = a;
    if (a == "llama") { hp.arch = ENGINE_ARCH_LLAMA; hp.rope_mode = 0; }
    else if (a == "qwen2") { hp.arch = ENGINE_ARCH_QWEN2; hp.rope_mode = GGML_ROPE_TYPE_NEOX; }
    else if (a == "qwen3") { hp.arch = ENGINE_ARCH_QWEN3; hp.rope_mode = GGML_ROPE_TYPE_NEOX; }
    else return engine_error(ENGINE_E_UNSUPPORTED, "unsupported architecture '" + a + "' (supported: llama, qwen2, qwen3)");
    hp.n_ctx_train = 4096;
    hp.rope_freq_base = 10000.0f;
    hp.rope_freq_scale = 1.0f;
    hp.n_embd_head = 0;
    int32_t key_len = 0, val_len = 0;
    if (!r.get_u32(a + ".embedding_length", hp.n_embd, true, err) || !r.get_u32(a + ".block_count", hp.n_layer, true, err) ||
        !r.get_u32(a + ".feed_forward_length", hp.n_ff, true, err) || !r.get_u32(a + ".attention.head_count", hp.n_head, true, err) ||
        !r.get_u32(a + ".context_length", hp.n_ctx_train, false, err) ||
        !r.get_f32(a + ".attention.layer_norm_rms_epsilon", hp.rms_eps, true, err) ||
        !r.get_f32(a + ".rope.freq_base", hp.rope_freq_base, false, err) ||
        !r.get_u32(a + ".attention.key_length", key_len, false, err) ||
        !r.get_u32(a + ".attention.value_length", val_len, false, err))
        return engine_error(ENGINE_E_FORMAT, err);
    hp.n_head_kv = hp.n_head;
    if (!r.get_u32(a + ".attention.head_count_kv", hp.n_head_kv, false, err)) return engine_error(ENGINE_E_FORMAT, err);
    // ggml asserts eps >= 0 in RMS_NORM (a NaN fails it and aborts the process); RoPE with a non-positive
    // or NaN base gives NaN everywhere. llama.cpp reads both unchecked, so check them here.
    if (!std::isfinite(hp.rms_eps) || hp.rms_eps <= 0.0f || hp.rms_eps > 1.0f)
        return engine_error(ENGINE_E_FORMAT, "invalid " + a + ".attention.layer_norm_rms_epsilon (must be a finite number in (0, 1])");
    if (!std::isfinite(hp.rope_freq_base) || hp.rope_freq_base <= 0.0f)
        return engine_error(ENGINE_E_FORMAT, "invalid " + a + ".rope.freq_base (must be a finite positive number)");
    if (hp.n_ctx_train <= 0) return engine_error(ENGINE_E_FORMAT, "invalid " + a + ".context_length (must be positive)");
    if (hp.n_embd <= 0 || hp.n_layer <= 0 || hp.n_ff <= 0 || hp.n_head <= 0 || hp.n_head_kv <= 0 ||
        hp.n_head % hp.n_head_kv != 0 || hp.n_layer > 1024)
        return engine_error(ENGINE_E_FORMAT, "invalid hyperparameters (embedding/layers/heads)");
    hp.n_embd_head = key_len > 0 ? key_len : hp.n_embd / hp.n_head;
    if (val_len > 0 && val_len != hp.n_embd_head) return engine_error(ENGINE_E_UNSUPPORTED, "key_length != value_length is not supported");
    if (hp.n_embd_head <= 0 || hp.n_embd_head % 2 != 0) return engine_error(ENGINE_E_FORMAT, "invalid head dimension");
    // RoPE over the whole head (llama.cpp's llama/qwen2/qwen3 graphs assert n_rot == head dim)
    int32_t n_rot = hp.n_embd_head;
    if (!r.get_u32(a + ".rope.dimension_count", n_rot, false, err)) return engine_error(ENGINE_E_FORMAT, err);
    if (n_rot != hp.n_embd_head)
        return engine_error(ENGINE_E_UNSUPPORTED, "rope.dimension_count " + std::to_string(n_rot) + " differs from the head dimension " +
                                                      std::to_string(hp.n_embd_head) + " (partial rotary embeddings are not supported)");
    // Rope scaling as llama.cpp reads it (src/llama-model.cpp, load_hparams): freq_scale = 1/factor from
    // rope.scaling.factor (older files: rope.scale_linear), whatever the type; YaRN and LongRoPE also
    // change the rotation itself and are not implemented.
    int64_t rs = gguf_find_key(r.g, (a + ".rope.scaling.type").c_str());
    if (rs >= 0 && gguf_get_kv_type(r.g, rs) == GGUF_TYPE_STRING) {
        std::string t = gguf_get_val_str(r.g, rs);
        if (t != "none" && t != "linear")
            return engine_error(ENGINE_E_UNSUPPORTED, "rope scaling '" + t + "' is not supported (supported: none, linear, and Llama 3's rope_freqs)");
    }
    float factor = 0.0f;
    const bool has_factor = gguf_find_key(r.g, (a + ".rope.scaling.factor").c_str()) >= 0;
    if (!r.get_f32(a + (has_factor ? ".rope.scaling.factor" : ".rope.scale_linear"), factor, false, err)) return engine_error(ENGINE_E_FORMAT, err);
    if (!std::isfinite(factor) || factor < 0.0f || (factor > 0.0f && factor < 1e-6f)) return engine_error(ENGINE_E_FORMAT, "invalid rope scaling factor");
    hp.rope_freq_scale = factor == 0.0f ? 1.0f : 1.0f / factor;
    return {};
}

static void backend_set_threads(ggml_backend_t be, int n_threads) {
    ggml_backend_dev_t dev = ggml_backend_get_device(be);
    if (!dev) return;
    ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
    auto set_threads = (ggml_backend_set_n_threads_t) ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads");
    if (set_threads) set_threads(be, n_threads);
}

static ggml_backend_t model_init_backend(const engine_open_params & p, std::string & name, engine_status & st) {
    static std::once_flag loaded;
    static std::mutex gpu_mu;
    static std::set<std::string> gpu_tried;      // every library path attempted once per process
    static std::set<std::string> gpu_usable;     // file names whose backend loaded with at least one device
    std::string dir = p.lib_dir;
    std::call_once(loaded, [&] {
        ggml_log_set(engine_log_quiet, nullptr);
        if (!dir.empty()) ggml_backend_load_all_from_path(dir.c_str());
        else ggml_backend_load_all();
    });
    if (p.backend != "cpu") {
        // the prebuilt GPU backends share libggml-base's soname, so they bind to the one already loaded
        // Builds of one backend for different runtimes share a file name (node-llama-cpp's libggml-cuda.so
        // for CUDA 13, and for CUDA 12 in linux-x64-cuda-ext's fallback/): the first that loads with a
        // device wins; one that fails to load (runtime libraries missing) or finds no device (driver
        // too old) is dropped so the next can register.
        std::lock_guard<std::mutex> lk(gpu_mu);
        for (const std::string & lib : p.gpu_libs) {
            const std::string name = lib.substr(lib.find_last_of("/\\") + 1);
            if (gpu_usable.count(name) || !gpu_tried.insert(lib).second) continue;
            ggml_backend_reg_t reg = ggml_backend_load(lib.c_str());
            if (!reg) continue;
            if (ggml_backend_reg_dev_count(reg) > 0) gpu_usable.insert(name);
            else ggml_backend_unload(reg);
        }
    }
    ggml_backend_t be = nullptr;
    if (p.backend == "gpu" || p.backend == "auto") {
        be = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_GPU, nullptr);
        if (!be && p.backend == "gpu") { st = engine_error(ENGINE_E_BACKEND, "no GPU backend available: no usable CUDA, Metal or Vulkan device was found "
                                                    "(check the GPU driver and, for CUDA, that the CUDA 12/13 runtime with cuBLAS is installed); "
                                                    "set the backend to 'auto' or 'cpu' to train on the CPU"); return nullptr; }
    } else if (p.backend != "cpu") {
        st = engine_error(ENGINE_E_INVALID, "backend must be 'cpu', 'gpu' or 'auto', got '" + p.backend + "'");
        return nullptr;
    }
    if (!be) be = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, nullptr);
    if (!be) { st = engine_error(ENGINE_E_BACKEND, "no CPU backend could be loaded from '" + dir + "'"); return nullptr; }
    backend_set_threads(be, p.n_threads);
    name = ggml_backend_name(be);
    return be;
}
// Index of the first NaN/Inf value of a tensor's raw data, or -1. Quantised rows are dequantised
// one at a time (ggml's to_float); a NaN scale in a block is as bad as a NaN weight.
static int64_t model_first_nonfinite(ggml_type type, const uint8_t * data, int64_t ne0, int64_t n, std::vector<float> & row) {
    if (type == GGML_TYPE_F32) {
        const float * f = (const float *) data;
        for (int64_t i = 0; i < n; i++) if (!std::isfinite(f[i])) return i;
        return -1;
    }
    const ggml_type_traits * tr = ggml_get_type_traits(type);
    if (!tr || !tr->to_float || ne0 <= 0) return -1;
    const size_t rb = ggml_row_size(type, ne0);
    row.resize((size_t) ne0);
    for (int64_t r = 0; r * ne0 < n; r++) {
        tr->to_float(data + (size_t) r * rb, row.data(), ne0);
        for (int64_t i = 0; i < ne0; i++) if (!std::isfinite(row[(size_t) i])) return r * ne0 + i;
    }
    return -1;
}

// Convert one tensor's raw file bytes to the destination type (F32 or same).
static bool model_convert(ggml_type src, ggml_type dst, const std::vector<uint8_t> & in, int64_t n, std::vector<uint8_t> & out) {
    if (src == dst) { out = in; return true; }
    if (dst != GGML_TYPE_F32) return false;
    const ggml_type_traits * tr = ggml_get_type_traits(src);
    if (!tr || !tr->to_float) return false;
    out.resize((size_t) n * sizeof(float));
    tr->to_float(in.data(), (float *) out.data(), n);
    return true;
}

engine_status engine_model_open(const std::string & path, const engine_open_params & p, engine_model ** out) {
    *out = nullptr;
    uint64_t file_size = 0;
    if (!engine_file_size(path, &file_size)) return engine_error(ENGINE_E_IO, "model file not found: " + path);
    if (p.n_threads < 1 || p.n_threads > 512) return engine_error(ENGINE_E_INVALID, "threads must be in 1..512");
    {
        FILE * f = engine_fopen(path, "rb");
        if (!f) return engine_error(ENGINE_E_IO, "cannot open model file: " + path);
        char magic[4] = {0};
        size_t n = fread(magic, 1, 4, f);
        fclose(f);
        if (n != 4 || memcmp(magic, "GGUF", 4) != 0) return engine_error(ENGINE_E_FORMAT, "not a GGUF file (bad magic): " + path);
    }
    gguf_init_params gp = {/*no_alloc =*/ true, /*ctx =*/ nullptr};
    ggml_context * meta = nullptr;
    gp.ctx = &meta;
    ggml_log_set(engine_log_quiet, nullptr);
    gguf_context * g = gguf_init_from_file(path.c_str(), gp);
    if (!g) return engine_error(ENGINE_E_FORMAT, "corrupt or truncated GGUF header: " + path);
    auto cleanup = [&] { if (meta) ggml_free(meta); gguf_free(g); };

    gguf_reader r{g, ""};
    int64_t aid = gguf_find_key(g, "general.architecture");
    if (aid < 0 || gguf_get_kv_type(g, aid) != GGUF_TYPE_STRING) { cleanup(); return engine_error(ENGINE_E_FORMAT, "missing general.architecture"); }
    r.arch = gguf_get_val_str(g, aid);
    int64_t tid = gguf_find_key(g, "general.type");
    if (tid >= 0 && gguf_get_kv_type(g, tid) == GGUF_TYPE_STRING && std::string(gguf_get_val_str(g, tid)) == "adapter") {
        cleanup(); return engine_error(ENGINE_E_INVALID, "this GGUF is a LoRA adapter, not a model: " + path);
    }
    auto * m = new engine_model();
    engine_status st = model_read_hparams(r, m->hp);
    if (!st.ok()) { cleanup(); delete m; return st; }
    const engine_hparams & hp = m->hp;
    m->path = path;
    m->n_threads = p.n_threads;

    // check every tensor: type, bounds within the file
    const size_t data_off = gguf_get_data_offset(g);
    std::set<std::string> types;
    uint64_t fp = 1469598103934665603ull;
    fp = fnv1a(fp, hp.arch_name.data(), hp.arch_name.size());
    const int32_t hv[] = {hp.n_vocab, hp.n_embd, hp.n_layer, hp.n_ff, hp.n_head, hp.n_head_kv, hp.n_embd_head};
    fp = fnv1a(fp, hv + 1, sizeof(hv) - sizeof(int32_t));
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        const char * name = gguf_get_tensor_name(g, i);
        ggml_type t = gguf_get_tensor_type(g, i);
        ggml_tensor * mt = ggml_get_tensor(meta, name);
        if (data_off + gguf_get_tensor_offset(g, i) + gguf_get_tensor_size(g, i) > file_size) {
            cleanup(); delete m;
            return engine_error(ENGINE_E_FORMAT, std::string("truncated GGUF: tensor ") + name + " extends past end of file");
        }
        types.insert(ggml_type_name(t));
        fp = fnv1a(fp, name, strlen(name));
        fp = fnv1a(fp, mt->ne, sizeof(mt->ne));
    }
    m->fingerprint = fp;
    m->source_types.assign(types.begin(), types.end());

    ggml_backend_t be = model_init_backend(p, m->backend_name, st);
    if (!be) { cleanup(); delete m; return st; }
    m->backend = be;
    const bool is_cpu = ggml_backend_dev_type(ggml_backend_get_device(be)) == GGML_BACKEND_DEVICE_TYPE_CPU;
    if (!is_cpu) {
        // A GPU backend may lack training ops (Metal: OUT_PROD and the *_BACK ops; Vulkan: OUT_PROD
        // on a transposed operand; ENGINE-NOTES §2): the scheduler runs those on this CPU backend.
        m->backend_cpu = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, nullptr);
        if (!m->backend_cpu) { cleanup(); engine_model_free(m); return engine_error(ENGINE_E_BACKEND, "no CPU backend for the GPU's fallback ops"); }
        backend_set_threads(m->backend_cpu, p.n_threads);
    }
    if (p.frozen != "auto" && p.frozen != "f32" && p.frozen != "native") {
        cleanup(); engine_model_free(m); return engine_error(ENGINE_E_INVALID, "frozen must be 'auto', 'f32' or 'native'");
    }
    uint64_t n_params = 0;
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) n_params += (uint64_t) ggml_nelements(ggml_get_tensor(meta, gguf_get_tensor_name(g, i)));
    m->legacy_autograd = p.legacy_autograd;
    // The hand-built backward multiplies by transient F32 dequantisations, so the file's type stays
    // resident everywhere unless the user asks for an F32 copy. The legacy autograd graph keeps its
    // old rule (its OUT_PROD is F32-only on CUDA and a slow scalar loop for quants on the CPU).
    const bool frozen_f32 = m->frozen_f32 = p.frozen == "f32" ||
        (p.legacy_autograd && (!is_cpu || (p.frozen == "auto" && n_params * 4 <= (4ull << 30))));

    // create destination tensors
    const size_t n_max = 16 + 16 * (size_t) hp.n_layer;
    ggml_init_params ip = {ggml_tensor_overhead() * n_max, nullptr, true};
    m->ctx_w = ggml_init(ip);
    std::vector<std::pair<ggml_tensor *, int64_t>> loads;  // dst, gguf index
    std::set<std::string> used;                             // every file tensor must be one of ours
    auto want = [&](const std::string & name, std::vector<int64_t> shape, bool required, bool matrix, ggml_tensor ** dst) -> engine_status {
        *dst = nullptr;
        int64_t id = gguf_find_tensor(g, name.c_str());
        if (id < 0) {
            if (required) return engine_error(ENGINE_E_FORMAT, "missing tensor " + name);
            return {};
        }
        used.insert(name);
        ggml_tensor * mt = ggml_get_tensor(meta, name.c_str());
        for (int d = 0; d < GGML_MAX_DIMS; d++) {
            int64_t e = d < (int) shape.size() ? shape[d] : 1;
            if (e >= 0 && mt->ne[d] != e)
                return engine_error(ENGINE_E_FORMAT, "tensor " + name + " has unexpected shape");
        }
        ggml_type t = mt->type;
        if (!model_type_supported(t))
            return engine_error(ENGINE_E_UNSUPPORTED, "tensor " + name + " has type " + ggml_type_name(t) + ", which is not supported" +
                                                          " (supported: " + model_supported_types() + ")");
        ggml_type dt = t;
        // BF16 stays BF16 only on the hand-built path (GET_ROWS dequantises it; CPU OUT_PROD aborts on it)
        if (!matrix || (t == GGML_TYPE_BF16 && p.legacy_autograd) || frozen_f32) dt = GGML_TYPE_F32;
        ggml_tensor * d = ggml_new_tensor(m->ctx_w, dt, GGML_MAX_DIMS, mt->ne);
        ggml_set_name(d, name.c_str());
        loads.push_back({d, id});
        *dst = d;
        return {};
    };
    const int64_t D = hp.n_embd, hd = hp.n_embd_head, q_out = hd * hp.n_head, kv_out = hd * hp.n_head_kv, F = hp.n_ff;
    {
        int64_t eid = gguf_find_tensor(g, "token_embd.weight");
        if (eid < 0) { cleanup(); delete m; return engine_error(ENGINE_E_FORMAT, "missing tensor token_embd.weight"); }
        const int64_t nv = ggml_get_tensor(meta, "token_embd.weight")->ne[1];
        if (nv < 1 || nv > INT32_MAX) { cleanup(); delete m; return engine_error(ENGINE_E_FORMAT, "token_embd.weight has an invalid vocabulary size"); }
        m->hp.n_vocab = (int32_t) nv;
    }
    const int64_t V = m->hp.n_vocab;
    engine_head_chunks(m);
#define WANT(name, shape, req, mat, dst) do { st = want(name, shape, req, mat, dst); if (!st.ok()) { cleanup(); engine_model_free(m); return st; } } while (0)
    WANT("token_embd.weight", (std::vector<int64_t>{D, V}), true, true, &m->tok_embd);
    WANT("output_norm.weight", (std::vector<int64_t>{D}), true, false, &m->output_norm);
    WANT("output.weight", (std::vector<int64_t>{D, V}), false, true, &m->output);
    WANT("rope_freqs.weight", (std::vector<int64_t>{hd / 2}), false, false, &m->rope_freqs);
    m->layers.resize(hp.n_layer);
    for (int il = 0; il < hp.n_layer; il++) {
        engine_layer & L = m->layers[il];
        std::string b = "blk." + std::to_string(il) + ".";
        WANT(b + "attn_norm.weight", (std::vector<int64_t>{D}), true, false, &L.attn_norm);
        WANT(b + "attn_q.weight", (std::vector<int64_t>{D, q_out}), true, true, &L.wq);
        WANT(b + "attn_k.weight", (std::vector<int64_t>{D, kv_out}), true, true, &L.wk);
        WANT(b + "attn_v.weight", (std::vector<int64_t>{D, kv_out}), true, true, &L.wv);
        WANT(b + "attn_output.weight", (std::vector<int64_t>{q_out, D}), true, true, &L.wo);
        WANT(b + "attn_q.bias", (std::vector<int64_t>{q_out}), false, false, &L.bq);
        WANT(b + "attn_k.bias", (std::vector<int64_t>{kv_out}), false, false, &L.bk);
        WANT(b + "attn_v.bias", (std::vector<int64_t>{kv_out}), false, false, &L.bv);
        WANT(b + "attn_q_norm.weight", (std::vector<int64_t>{hd}), hp.arch == ENGINE_ARCH_QWEN3, false, &L.q_norm);
        WANT(b + "attn_k_norm.weight", (std::vector<int64_t>{hd}), hp.arch == ENGINE_ARCH_QWEN3, false, &L.k_norm);
        WANT(b + "ffn_norm.weight", (std::vector<int64_t>{D}), true, false, &L.ffn_norm);
        WANT(b + "ffn_gate.weight", (std::vector<int64_t>{D, F}), true, true, &L.w_gate);
        WANT(b + "ffn_up.weight", (std::vector<int64_t>{D, F}), true, true, &L.w_up);
        WANT(b + "ffn_down.weight", (std::vector<int64_t>{F, D}), true, true, &L.w_down);
    }
#undef WANT
    // A tensor we would not read changes what llama.cpp computes (a bias, fused or extra weights):
    // refuse the file rather than train on a different function. llama.cpp is as strict
    // (llama_model_loader::done_getting_tensors: "wrong number of tensors").
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        const std::string name = gguf_get_tensor_name(g, i);
        if (!used.count(name)) {
            const std::string msg = "tensor " + name + " is not part of the " + hp.arch_name +
                                    " graph this engine trains (unsupported model variant)";
            cleanup(); engine_model_free(m);  // hp refers into m
            return engine_error(ENGINE_E_UNSUPPORTED, msg);
        }
    }
    // the vocab head gathers at r*V + y: needs V*rows < 2^31 (checked per batch)
    m->buf_w = ggml_backend_alloc_ctx_tensors(m->ctx_w, be);
    if (!m->buf_w) { cleanup(); engine_model_free(m); return engine_error(ENGINE_E_BACKEND, "out of memory allocating weights"); }
    ggml_backend_buffer_set_usage(m->buf_w, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);

    FILE * f = engine_fopen(path, "rb");
    if (!f) { cleanup(); engine_model_free(m); return engine_error(ENGINE_E_IO, "cannot open model file: " + path); }
    std::vector<uint8_t> raw, conv;
    std::vector<float> scan;
    for (auto & [dst, id] : loads) {
        ggml_tensor * mt = ggml_get_tensor(meta, gguf_get_tensor_name(g, id));
        size_t n = gguf_get_tensor_size(g, id);
        raw.resize(n);
        if (!engine_fseek64(f, data_off + gguf_get_tensor_offset(g, id)) || fread(raw.data(), 1, n, f) != n) {
            fclose(f); cleanup(); engine_model_free(m);
            return engine_error(ENGINE_E_FORMAT, "truncated GGUF while reading tensor data");
        }
        if (!model_convert(mt->type, dst->type, raw, ggml_nelements(mt), conv)) {
            fclose(f); cleanup(); engine_model_free(m);
            return engine_error(ENGINE_E_UNSUPPORTED, std::string("cannot convert ") + ggml_type_name(mt->type));
        }
        // NaN/Inf weights make every log-prob NaN and surface much later (as a NaN loss, or a store
        // constraint on NaN embedding coordinates): refuse the file now, naming the tensor.
        const int64_t bad = model_first_nonfinite(dst->type, conv.data(), dst->ne[0], ggml_nelements(dst), scan);
        if (bad >= 0) {
            const std::string msg = std::string("tensor ") + ggml_get_name(dst) + " holds NaN or infinite values (first at element " +
                                    std::to_string(bad) + "): the model file is damaged or was exported wrongly";
            fclose(f); cleanup(); engine_model_free(m);
            return engine_error(ENGINE_E_FORMAT, msg);
        }
        ggml_backend_tensor_set(dst, conv.data(), 0, ggml_nbytes(dst));
    }
    fclose(f);
    cleanup();
    *out = m;
    return {};
}

void engine_model_free(engine_model * m) {
    if (!m) return;
    if (m->lora) {
        if (m->lora->buf_params) ggml_backend_buffer_free(m->lora->buf_params);
        if (m->lora->buf_grads) ggml_backend_buffer_free(m->lora->buf_grads);
        if (m->lora->ctx) ggml_free(m->lora->ctx);
        if (m->lora->ctx_grads) ggml_free(m->lora->ctx_grads);
        delete m->lora;
    }
    engine_full_free(m->full);
    if (m->buf_w) ggml_backend_buffer_free(m->buf_w);
    if (m->ctx_w) ggml_free(m->ctx_w);
    if (m->sched) ggml_backend_sched_free(m->sched);
    if (m->backend) ggml_backend_free(m->backend);
    if (m->backend_cpu) ggml_backend_free(m->backend_cpu);
    delete m;
}
