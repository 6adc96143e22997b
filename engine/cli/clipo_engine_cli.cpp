// clipo_engine_cli.cpp: standalone engine command (no Node) for benchmarks and
// debugging, e.g. on GPU machines:
//   clipo-engine info  --model x.gguf [--backend cpu|gpu|auto]
//   clipo-engine bench --model x.gguf [--tokens 512] [--seqs 1] [--rank 16] [--steps 3]
//                      [--threads N] [--backend cpu|gpu|auto] [--budget tokens*seqs]
// bench prints forward and forward+backward+step tokens/s and peak memory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <shellapi.h>
#endif

#include "../src/engine.h"
#include "../src/engine_platform.h"

static double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#ifdef _WIN32
static std::string utf8(const wchar_t * w, int len = -1) {
    int n = WideCharToMultiByte(CP_UTF8, 0, w, len, nullptr, 0, nullptr, nullptr);
    std::string s((size_t) (n > 0 ? n : 0), '\0');
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, w, len, &s[0], n, nullptr, nullptr);
    if (len < 0 && !s.empty()) s.pop_back(); // the terminating NUL
    return s;
}
#endif

// Directory of this executable (Windows: from GetModuleFileNameW, either separator).
static std::string exe_dir(const char * argv0) {
#ifdef _WIN32
    (void) argv0;
    std::vector<wchar_t> buf(32768);
    DWORD n = GetModuleFileNameW(nullptr, buf.data(), (DWORD) buf.size());
    std::string p = utf8(buf.data(), (int) n);
    size_t k = p.find_last_of("\\/");
#else
    std::string p = argv0;
    size_t k = p.find_last_of('/');
#endif
    return k == std::string::npos ? "." : p.substr(0, k);
}

// CLIPO_ENGINE_LIB_DIR, else the directory named in libdir.txt next to the executable
// when it exists, else '' (ggml then searches the executable's directory, where the
// Windows build copies the ggml DLLs).
static std::string default_lib_dir(const char * argv0) {
    if (const char * e = getenv("CLIPO_ENGINE_LIB_DIR")) return e;
    FILE * f = engine_fopen(exe_dir(argv0) + "/libdir.txt", "r");
    if (!f) return "";
    char buf[4096] = {0};
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    std::string s(buf, n);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::u8path(s), ec)) return "";
    return s;
}

static int fail(const engine_status & s) {
    fprintf(stderr, "error [%s]: %s\n", engine_code_name(s.code), s.message.c_str());
    return 1;
}

int main(int argc, char ** argv) {
#ifdef _WIN32
    // argv is in the ANSI code page on Windows; take the UTF-8 of the wide command line.
    std::vector<std::string> args_utf8;
    std::vector<char *> args_ptr;
    {
        int wargc = 0;
        LPWSTR * wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);
        if (wargv) {
            for (int i = 0; i < wargc; i++) args_utf8.push_back(utf8(wargv[i]));
            LocalFree(wargv);
            for (auto & a : args_utf8) args_ptr.push_back(&a[0]);
            args_ptr.push_back(nullptr);
            argc = wargc;
            argv = args_ptr.data();
        }
    }
#endif
    if (argc < 2 || (strcmp(argv[1], "bench") != 0 && strcmp(argv[1], "info") != 0 && strcmp(argv[1], "reserve") != 0)) {
        fprintf(stderr, "usage: %s info|bench|reserve --model x.gguf [--tokens 512] [--seqs 1] [--rank 16] [--steps 3] [--threads N] "
                        "[--backend cpu|gpu|auto] [--gpu-lib path/libggml-cuda.so]... [--budget tokens*seqs] [--frozen auto|f32|native] [--graph manual|autograd]\n", argv[0]);
        return 2;
    }
    std::string cmd = argv[1], model_path;
    int tokens = 512, seqs = 1, rank = 16, steps = 3;
    int64_t budget = 0;  // default: the whole batch in one micro-batch
    engine_open_params op;
    op.n_threads = 1;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--model") model_path = v;
        else if (k == "--tokens") tokens = atoi(v.c_str());
        else if (k == "--seqs") seqs = atoi(v.c_str());
        else if (k == "--rank") rank = atoi(v.c_str());
        else if (k == "--steps") steps = atoi(v.c_str());
        else if (k == "--threads") op.n_threads = atoi(v.c_str());
        else if (k == "--backend") op.backend = v;
        else if (k == "--budget") budget = atoll(v.c_str());
        else if (k == "--frozen") op.frozen = v;
        else if (k == "--graph") op.legacy_autograd = v == "autograd";  // 'manual' (default) | 'autograd' (legacy, for comparison)
        else if (k == "--gpu-lib") op.gpu_libs.push_back(v);
        else { fprintf(stderr, "unknown option %s\n", k.c_str()); return 2; }
    }
    if (model_path.empty() || tokens < 2 || seqs < 1 || steps < 1) { fprintf(stderr, "need --model, tokens >= 2, seqs/steps >= 1\n"); return 2; }
    if (budget <= 0) budget = (int64_t) tokens * seqs;
    op.lib_dir = default_lib_dir(argv[0]);
    engine_model * m = nullptr;
    double t0 = now_s();
    engine_status st = engine_model_open(model_path, op, &m);
    if (!st.ok()) return fail(st);
    const engine_hparams & hp = m->hp;
    printf("model %s: arch %s, layers %d, d_model %d, heads %d/%d, ff %d, vocab %d, backend %s, frozen %s, threads %d, load %.2f s\n",
           model_path.c_str(), hp.arch_name.c_str(), hp.n_layer, hp.n_embd, hp.n_head, hp.n_head_kv, hp.n_ff, hp.n_vocab,
           m->backend_name.c_str(), m->frozen_f32 ? "f32" : "native", op.n_threads, now_s() - t0);
    if (cmd == "info") { engine_model_free(m); return 0; }

    engine_lora_params lp;
    lp.rank = rank; lp.alpha = 2.0f * rank;
    if (!(st = engine_lora_init(m, lp)).ok()) return fail(st);
    size_t reserved = 0;
    engine_reserve_bytes parts;
    if (!(st = engine_reserve(m, budget, &reserved, &parts)).ok()) return fail(st);
    printf("reserved for a %lld-token micro-batch: %.1f MiB = weights %.1f + adapter+optimizer %.1f + compute %.1f MiB (of which host %.1f)\n",
           (long long) budget, reserved / 1048576.0, parts.weights / 1048576.0, parts.adapter / 1048576.0, parts.compute / 1048576.0,
           parts.compute_host / 1048576.0);
    if (cmd == "reserve") {
        printf("RESULT {\"peak_bytes\":%zu,\"weights_bytes\":%zu,\"adapter_bytes\":%zu,\"compute_bytes\":%zu,\"compute_host_bytes\":%zu,\"backend\":\"%s\"}\n",
               reserved, parts.weights, parts.adapter, parts.compute, parts.compute_host, m->backend_name.c_str());
        engine_model_free(m);
        return 0;
    }
    std::vector<engine_seq> batch(seqs);
    uint64_t s = 1;
    for (auto & q : batch) {
        q.tokens.resize(tokens);
        for (auto & t : q.tokens) { s = s * 6364136223846793005ull + 1442695040888963407ull; t = (int32_t) ((s >> 33) % hp.n_vocab); }
        q.response_start = tokens / 2;
    }
    std::vector<float> w((size_t) seqs * (tokens - tokens / 2), 1.0f / (float) (seqs * tokens));
    engine_forward_params fp;
    fp.token_budget = budget;
    engine_forward_result fr;
    double best_f = 1e30, best_t = 1e30;
    size_t peak_f = 0, peak_t = 0;
    for (int i = 0; i < steps; i++) {
        double a = now_s();
        if (!(st = engine_forward(m, batch, fp, fr)).ok()) return fail(st);
        double b = now_s();
        double loss = 0;
        engine_forward_result info;
        if (!(st = engine_backward(m, batch, w, budget, &loss, &info)).ok()) return fail(st);
        engine_adamw_params ap;
        double gn = 0;
        if (!(st = engine_step(m, ap, &gn)).ok()) return fail(st);
        double c = now_s();
        best_f = std::min(best_f, b - a); best_t = std::min(best_t, c - b);
        peak_f = std::max(peak_f, fr.peak_bytes); peak_t = std::max(peak_t, info.peak_bytes);
        double lp_sum = 0;
        for (float v : fr.logprobs) lp_sum += v;
        // 7 digits: the Windows build is compared with the Linux one on these numbers
        printf("step %d: forward %.3f s, backward+step %.3f s, loss %.7f, grad norm %.7g, mean logprob %.7f\n", i, b - a, c - b, loss, gn,
               fr.logprobs.empty() ? 0.0 : lp_sum / (double) fr.logprobs.size());
    }
    const double n_tok = (double) seqs * tokens;
    printf("forward:           %8.1f tokens/s (best of %d), peak %.1f MiB\n", n_tok / best_f, steps, peak_f / 1048576.0);
    printf("backward+step:     %8.1f tokens/s, peak %.1f MiB\n", n_tok / best_t, peak_t / 1048576.0);
    printf("RESULT {\"forward_tok_s\":%.2f,\"train_tok_s\":%.2f,\"peak_bytes\":%zu}\n", n_tok / best_f, n_tok / best_t, std::max(peak_f, peak_t));
    engine_model_free(m);
    return 0;
}
