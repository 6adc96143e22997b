// addon.cpp: thin N-API layer over engine/src (no math here).
//
// One ObjectWrap (AddonEngineModel) per native model; every heavy op runs in an
// AsyncWorker off the JS thread and returns a Promise. Errors become JS Errors
// with a `code` property (E_IO, E_FORMAT, E_UNSUPPORTED, E_INVALID, E_STATE,
// E_MISMATCH, E_BACKEND, E_CANCELLED). cancel() sets a flag the engine checks
// between micro-batches. Ops on one model are serialised by the model's mutex.
#include <napi.h>
#include <cmath>

#include <functional>
#include <memory>

#include "../src/engine.h"

namespace {

Napi::Error addon_error(Napi::Env env, const engine_status & s) {
    Napi::Error e = Napi::Error::New(env, s.message);
    e.Set("code", Napi::String::New(env, engine_code_name(s.code)));
    return e;
}

// Generic promise worker: `run` executes off-thread, `done` builds the JS value.
class AddonWorker : public Napi::AsyncWorker {
  public:
    AddonWorker(Napi::Env env, Napi::Object keep, std::function<engine_status()> run,
                std::function<Napi::Value(Napi::Env)> done)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), run_(std::move(run)), done_(std::move(done)) {
        if (!keep.IsEmpty()) keep_ = Napi::Persistent(keep);
    }
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
        try { status_ = run_(); } catch (const std::exception & e) { status_ = engine_error(ENGINE_E_BACKEND, e.what()); }
    }
    void OnOK() override {
        Napi::HandleScope scope(Env());
        if (!status_.ok()) { deferred_.Reject(addon_error(Env(), status_).Value()); return; }
        try { deferred_.Resolve(done_(Env())); } catch (const Napi::Error & e) { deferred_.Reject(e.Value()); }
    }
    void OnError(const Napi::Error & e) override { deferred_.Reject(e.Value()); }

  private:
    Napi::Promise::Deferred deferred_;
    Napi::ObjectReference keep_;
    std::function<engine_status()> run_;
    std::function<Napi::Value(Napi::Env)> done_;
    engine_status status_;
};

std::vector<engine_seq> read_batch(const Napi::Value & v) {
    if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "batch must be an array");
    Napi::Array arr = v.As<Napi::Array>();
    std::vector<engine_seq> out(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value e = arr.Get(i);
        if (!e.IsObject()) throw Napi::TypeError::New(v.Env(), "batch entries must be objects");
        Napi::Object o = e.As<Napi::Object>();
        Napi::Value t = o.Get("tokens");
        if (!t.IsTypedArray() || t.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
            throw Napi::TypeError::New(v.Env(), "batch[].tokens must be an Int32Array");
        Napi::Int32Array ta = t.As<Napi::Int32Array>();
        out[i].tokens.assign(ta.Data(), ta.Data() + ta.ElementLength());
        Napi::Value rs = o.Get("responseStart");
        if (!rs.IsNumber()) throw Napi::TypeError::New(v.Env(), "batch[].responseStart must be a number");
        out[i].response_start = rs.As<Napi::Number>().Int32Value();
    }
    return out;
}

Napi::Float32Array to_f32(Napi::Env env, const std::vector<float> & v) {
    Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
    if (!v.empty()) memcpy(a.Data(), v.data(), v.size() * 4);
    return a;
}

double num(const Napi::Object & o, const char * k, double def) {
    Napi::Value v = o.Get(k);
    return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
}

class AddonEngineModel : public Napi::ObjectWrap<AddonEngineModel> {
  public:
    static Napi::Function Init(Napi::Env env) {
        return DefineClass(env, "AddonEngineModel",
                           {InstanceMethod("open", &AddonEngineModel::Open), InstanceMethod("info", &AddonEngineModel::Info),
                            InstanceMethod("loraInit", &AddonEngineModel::LoraInit), InstanceMethod("loraSaveGguf", &AddonEngineModel::LoraSaveGguf),
                            InstanceMethod("loraLoadGguf", &AddonEngineModel::LoraLoadGguf), InstanceMethod("loraTensors", &AddonEngineModel::LoraTensors),
                            InstanceMethod("loraRead", &AddonEngineModel::LoraRead), InstanceMethod("loraWrite", &AddonEngineModel::LoraWrite),
                            InstanceMethod("forward", &AddonEngineModel::Forward), InstanceMethod("backward", &AddonEngineModel::Backward),
                            InstanceMethod("step", &AddonEngineModel::Step), InstanceMethod("zeroGrad", &AddonEngineModel::ZeroGrad),
                            InstanceMethod("saveState", &AddonEngineModel::SaveState), InstanceMethod("loadState", &AddonEngineModel::LoadState),
                            InstanceMethod("cancel", &AddonEngineModel::Cancel), InstanceMethod("reserve", &AddonEngineModel::Reserve),
                            InstanceMethod("setTemperature", &AddonEngineModel::SetTemperature), InstanceMethod("graphOps", &AddonEngineModel::GraphOps),
                            InstanceMethod("fullInit", &AddonEngineModel::FullInit), InstanceMethod("fullSaveGguf", &AddonEngineModel::FullSaveGguf),
                            InstanceMethod("fullTensors", &AddonEngineModel::FullTensors), InstanceMethod("fullRead", &AddonEngineModel::FullRead),
                            InstanceMethod("fullWrite", &AddonEngineModel::FullWrite), InstanceMethod("dispose", &AddonEngineModel::Dispose)});
    }
    AddonEngineModel(const Napi::CallbackInfo & info) : Napi::ObjectWrap<AddonEngineModel>(info) {}
    ~AddonEngineModel() override { engine_model_free(model_); }

  private:
    engine_model * model_ = nullptr;

    bool need_model(const Napi::CallbackInfo & info) {
        if (model_) return true;
        addon_error(info.Env(), engine_error(ENGINE_E_STATE, "model is not open (or was disposed)")).ThrowAsJavaScriptException();
        return false;
    }
    Napi::Value run(const Napi::CallbackInfo & info, std::function<engine_status()> work, std::function<Napi::Value(Napi::Env)> done) {
        engine_model * m = model_;
        auto * w = new AddonWorker(info.Env(), info.This().As<Napi::Object>(),
                                   [m, work] { std::lock_guard<std::mutex> lk(m->mu); return work(); }, std::move(done));
        Napi::Promise p = w->Promise();
        w->Queue();
        return p;
    }

    // open(path, {backend, threads, libDir}) -> Promise<void>
    Napi::Value Open(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (model_) { addon_error(env, engine_error(ENGINE_E_STATE, "already open")).ThrowAsJavaScriptException(); return env.Null(); }
        if (!info[0].IsString() || !info[1].IsObject()) { Napi::TypeError::New(env, "open(path, options)").ThrowAsJavaScriptException(); return env.Null(); }
        std::string path = info[0].As<Napi::String>();
        Napi::Object o = info[1].As<Napi::Object>();
        engine_open_params p;
        if (o.Get("backend").IsString()) p.backend = o.Get("backend").As<Napi::String>();
        p.n_threads = (int) num(o, "threads", 1);
        if (o.Get("libDir").IsString()) p.lib_dir = o.Get("libDir").As<Napi::String>();
        if (o.Get("frozen").IsString()) p.frozen = o.Get("frozen").As<Napi::String>();
        if (o.Get("legacyAutograd").IsBoolean()) p.legacy_autograd = o.Get("legacyAutograd").As<Napi::Boolean>().Value();
        if (o.Get("gpuLibs").IsArray()) {
            Napi::Array a = o.Get("gpuLibs").As<Napi::Array>();
            for (uint32_t i = 0; i < a.Length(); i++) p.gpu_libs.push_back(a.Get(i).ToString());
        }
        auto holder = std::make_shared<engine_model *>(nullptr);
        auto * w = new AddonWorker(env, info.This().As<Napi::Object>(), [path, p, holder] { return engine_model_open(path, p, holder.get()); },
                                   [this, holder](Napi::Env e) -> Napi::Value { model_ = *holder; return e.Undefined(); });
        Napi::Promise pr = w->Promise();
        w->Queue();
        return pr;
    }

    Napi::Value Info(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        const engine_hparams & hp = model_->hp;
        Napi::Object o = Napi::Object::New(env);
        o.Set("arch", hp.arch_name);
        o.Set("nLayer", hp.n_layer); o.Set("dModel", hp.n_embd); o.Set("vocab", hp.n_vocab);
        o.Set("nHead", hp.n_head); o.Set("nHeadKv", hp.n_head_kv); o.Set("headDim", hp.n_embd_head);
        o.Set("nFf", hp.n_ff); o.Set("contextLength", hp.n_ctx_train);
        Napi::Array types = Napi::Array::New(env, model_->source_types.size());
        for (size_t i = 0; i < model_->source_types.size(); i++) types.Set((uint32_t) i, model_->source_types[i]);
        o.Set("types", types);
        o.Set("backend", model_->backend_name);
        o.Set("fingerprint", Napi::String::New(env, std::to_string(model_->fingerprint)));
        o.Set("tiedEmbeddings", model_->output == nullptr);
        o.Set("frozenF32", model_->frozen_f32);
        // how frozen matrices are held and multiplied: the file's type with transient F32 dequantisation
        // per use ('native'), or a resident F32 copy ('f32'); and which backward graph runs
        o.Set("frozenWeights", model_->frozen_f32 ? "f32" : "native");
        o.Set("backwardGraph", model_->legacy_autograd ? "autograd" : "manual");
        std::vector<std::string> ops;
        { std::lock_guard<std::mutex> lk(model_->fallback_mu); ops.assign(model_->cpu_fallback_ops.begin(), model_->cpu_fallback_ops.end()); }
        Napi::Array fb = Napi::Array::New(env, ops.size());
        for (size_t k = 0; k < ops.size(); k++) fb.Set((uint32_t) k, ops[k]);
        o.Set("cpuFallbackOps", fb);
        o.Set("trainable", model_->full ? "full" : model_->lora ? "lora" : "none");
        if (model_->full) {
            engine_reserve_bytes parts;
            engine_bytes(model_, parts);
            Napi::Object f = Napi::Object::New(env);
            f.Set("params", (double) model_->full->n_params); f.Set("step", (double) model_->full->step);
            f.Set("tensors", (double) model_->full->params.size());
            Napi::Object b = Napi::Object::New(env);
            b.Set("weights", (double) parts.weights); b.Set("grads", (double) parts.grads); b.Set("moments", (double) parts.moments);
            f.Set("bytes", b);
            o.Set("full", f);
        }
        if (model_->lora) {
            Napi::Object l = Napi::Object::New(env);
            l.Set("rank", model_->lora->rank); l.Set("alpha", model_->lora->alpha);
            l.Set("targets", model_->lora->targets); l.Set("step", (double) model_->lora->step);
            o.Set("lora", l);
        }
        return o;
    }

    // loraInit({rank, alpha, targets(bitmask), seed}) -> Promise<void>
    Napi::Value LoraInit(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
        engine_lora_params p;
        p.rank = (int32_t) num(o, "rank", 8); p.alpha = (float) num(o, "alpha", 16);
        p.targets = (uint32_t) num(o, "targets", 127); p.seed = (uint64_t) num(o, "seed", 42);
        engine_model * m = model_;
        return run(info, [m, p] { return engine_lora_init(m, p); }, [](Napi::Env e) { return e.Undefined(); });
    }
    Napi::Value LoraSaveGguf(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        std::string path = info[0].ToString();
        engine_model * m = model_;
        return run(info, [m, path] { return engine_lora_save_gguf(m, path); }, [](Napi::Env e) { return e.Undefined(); });
    }
    Napi::Value LoraLoadGguf(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        std::string path = info[0].ToString();
        engine_model * m = model_;
        return run(info, [m, path] { return engine_lora_load_gguf(m, path); }, [](Napi::Env e) { return e.Undefined(); });
    }
    // loraTensors() -> [{name, ne0, ne1}] (sync, metadata only)
    Napi::Value LoraTensors(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        std::vector<engine_tensor_info> ti;
        engine_status s = engine_lora_tensors(model_, ti);
        if (!s.ok()) { addon_error(env, s).ThrowAsJavaScriptException(); return env.Null(); }
        Napi::Array a = Napi::Array::New(env, ti.size());
        for (size_t i = 0; i < ti.size(); i++) {
            Napi::Object o = Napi::Object::New(env);
            o.Set("name", ti[i].name); o.Set("ne0", (double) ti[i].ne0); o.Set("ne1", (double) ti[i].ne1);
            a.Set((uint32_t) i, o);
        }
        return a;
    }
    // loraRead(grads: boolean) -> Promise<Float32Array>
    Napi::Value LoraRead(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        bool grads = info[0].ToBoolean();
        engine_model * m = model_;
        auto out = std::make_shared<std::vector<float>>();
        return run(info, [m, grads, out] { return engine_lora_read(m, grads, *out); }, [out](Napi::Env e) -> Napi::Value { return to_f32(e, *out); });
    }
    Napi::Value LoraWrite(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
            Napi::TypeError::New(env, "loraWrite(Float32Array)").ThrowAsJavaScriptException(); return env.Null();
        }
        Napi::Float32Array a = info[0].As<Napi::Float32Array>();
        auto in = std::make_shared<std::vector<float>>(a.Data(), a.Data() + a.ElementLength());
        engine_model * m = model_;
        return run(info, [m, in] { return engine_lora_write(m, *in); }, [](Napi::Env e) { return e.Undefined(); });
    }

    // fullInit({maxParams}) -> Promise<void>
    Napi::Value FullInit(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(info.Env());
        engine_full_params p;
        p.max_params = (int64_t) num(o, "maxParams", (double) p.max_params);
        engine_model * m = model_;
        return run(info, [m, p] { return engine_full_init(m, p); }, [](Napi::Env e) { return e.Undefined(); });
    }
    // fullSaveGguf(path, f16: boolean) -> Promise<void>
    Napi::Value FullSaveGguf(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        std::string path = info[0].ToString();
        bool f16 = info[1].ToBoolean();
        engine_model * m = model_;
        return run(info, [m, path, f16] { return engine_full_save_gguf(m, path, f16); }, [](Napi::Env e) { return e.Undefined(); });
    }
    // fullTensors() -> [{name, ne: number[]}] (sync, metadata only)
    Napi::Value FullTensors(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        std::vector<engine_full_tensor_info> ti;
        engine_status s = engine_full_tensors(model_, ti);
        if (!s.ok()) { addon_error(env, s).ThrowAsJavaScriptException(); return env.Null(); }
        Napi::Array a = Napi::Array::New(env, ti.size());
        for (size_t i = 0; i < ti.size(); i++) {
            Napi::Object o = Napi::Object::New(env);
            o.Set("name", ti[i].name);
            Napi::Array ne = Napi::Array::New(env, ti[i].ne.size());
            for (size_t d = 0; d < ti[i].ne.size(); d++) ne.Set((uint32_t) d, (double) ti[i].ne[d]);
            o.Set("ne", ne);
            a.Set((uint32_t) i, o);
        }
        return a;
    }
    // fullRead(grads: boolean) -> Promise<Float32Array>
    Napi::Value FullRead(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        bool grads = info[0].ToBoolean();
        engine_model * m = model_;
        auto out = std::make_shared<std::vector<float>>();
        return run(info, [m, grads, out] { return engine_full_read(m, grads, *out); }, [out](Napi::Env e) -> Napi::Value { return to_f32(e, *out); });
    }
    Napi::Value FullWrite(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
            Napi::TypeError::New(env, "fullWrite(Float32Array)").ThrowAsJavaScriptException(); return env.Null();
        }
        Napi::Float32Array a = info[0].As<Napi::Float32Array>();
        auto in = std::make_shared<std::vector<float>>(a.Data(), a.Data() + a.ElementLength());
        engine_model * m = model_;
        return run(info, [m, in] { return engine_full_write(m, *in); }, [](Napi::Env e) { return e.Undefined(); });
    }

    // forward(batch, {adapter, tokenBudget, entropy, pooled}) -> Promise<{logprobs, entropy, pooled, tokens, peakBytes, microBatches}>
    Napi::Value Forward(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        std::vector<engine_seq> batch;
        try { batch = read_batch(info[0]); } catch (const Napi::Error & e) { e.ThrowAsJavaScriptException(); return env.Null(); }
        Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
        engine_forward_params p;
        p.adapter = o.Get("adapter").IsBoolean() ? o.Get("adapter").As<Napi::Boolean>().Value() : true;
        p.token_budget = (int64_t) num(o, "tokenBudget", 2048);
        engine_model * m = model_;
        model_->cancel = false;
        auto res = std::make_shared<engine_forward_result>();
        auto b = std::make_shared<std::vector<engine_seq>>(std::move(batch));
        return run(info, [m, b, p, res] { return engine_forward(m, *b, p, *res); }, [res](Napi::Env e) -> Napi::Value {
            Napi::Object r = Napi::Object::New(e);
            r.Set("logprobs", to_f32(e, res->logprobs)); r.Set("entropy", to_f32(e, res->entropy)); r.Set("pooled", to_f32(e, res->pooled));
            r.Set("tokens", (double) res->tokens); r.Set("peakBytes", (double) res->peak_bytes); r.Set("microBatches", res->micro_batches);
            return r;
        });
    }
    // backward(batch, weights: Float32Array, {tokenBudget}) -> Promise<{loss, tokens, peakBytes, microBatches}>
    Napi::Value Backward(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        std::vector<engine_seq> batch;
        try { batch = read_batch(info[0]); } catch (const Napi::Error & e) { e.ThrowAsJavaScriptException(); return env.Null(); }
        if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
            Napi::TypeError::New(env, "weights must be a Float32Array").ThrowAsJavaScriptException(); return env.Null();
        }
        Napi::Float32Array wa = info[1].As<Napi::Float32Array>();
        auto w = std::make_shared<std::vector<float>>(wa.Data(), wa.Data() + wa.ElementLength());
        Napi::Object o = info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
        int64_t budget = (int64_t) num(o, "tokenBudget", 2048);
        engine_model * m = model_;
        model_->cancel = false;
        auto res = std::make_shared<engine_forward_result>();
        auto loss = std::make_shared<double>(0);
        auto b = std::make_shared<std::vector<engine_seq>>(std::move(batch));
        return run(info, [m, b, w, budget, loss, res] { return engine_backward(m, *b, *w, budget, loss.get(), res.get()); },
                   [res, loss](Napi::Env e) -> Napi::Value {
                       Napi::Object r = Napi::Object::New(e);
                       r.Set("loss", *loss); r.Set("tokens", (double) res->tokens); r.Set("peakBytes", (double) res->peak_bytes);
                       r.Set("logprobs", to_f32(e, res->logprobs));
                       r.Set("microBatches", res->micro_batches);
                       return r;
                   });
    }
    // reserve({tokenBudget}) -> Promise<{peakBytes}>
    Napi::Value Reserve(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
        int64_t budget = (int64_t) num(o, "tokenBudget", 2048);
        engine_model * m = model_;
        auto peak = std::make_shared<size_t>(0);
        auto parts = std::make_shared<engine_reserve_bytes>();
        return run(info, [m, budget, peak, parts] { return engine_reserve(m, budget, peak.get(), parts.get()); }, [peak, parts](Napi::Env e) -> Napi::Value {
            Napi::Object r = Napi::Object::New(e);
            r.Set("peakBytes", (double) *peak);
            Napi::Object b = Napi::Object::New(e);
            b.Set("weights", (double) parts->weights); b.Set("adapter", (double) parts->adapter);
            b.Set("compute", (double) parts->compute); b.Set("computeHost", (double) parts->compute_host);
            b.Set("grads", (double) parts->grads); b.Set("moments", (double) parts->moments);
            r.Set("bytes", b);
            return r;
        });
    }
    // graphOps(which: 'forward'|'backward'|'step', tokens) -> Promise<[{op, type, contiguous, contiguousRows, srcs: [...]}]>
    Napi::Value GraphOps(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        std::string which = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : std::string();
        int64_t tokens = info[1].IsNumber() ? (int64_t) info[1].As<Napi::Number>().DoubleValue() : 16;
        engine_model * m = model_;
        auto ops = std::make_shared<std::vector<engine_op_info>>();
        return run(info, [m, which, tokens, ops] { return engine_graph_ops(m, which, tokens, *ops); }, [ops](Napi::Env e) -> Napi::Value {
            Napi::Array a = Napi::Array::New(e, ops->size());
            for (size_t i = 0; i < ops->size(); i++) {
                const engine_op_info & o = (*ops)[i];
                Napi::Object r = Napi::Object::New(e);
                r.Set("op", o.op); r.Set("type", o.type); r.Set("contiguous", o.contiguous); r.Set("contiguousRows", o.contiguous_rows);
                Napi::Array srcs = Napi::Array::New(e, o.srcs.size());
                for (size_t k = 0; k < o.srcs.size(); k++) {
                    const engine_op_src & s = o.srcs[k];
                    Napi::Object x = Napi::Object::New(e);
                    x.Set("type", s.type); x.Set("contiguous", s.contiguous); x.Set("contiguousRows", s.contiguous_rows);
                    x.Set("contiguous1", s.contiguous_1); x.Set("contiguous2", s.contiguous_2);
                    x.Set("ne0", (double) s.ne0); x.Set("ne3", (double) s.ne3);
                    srcs.Set((uint32_t) k, x);
                }
                r.Set("srcs", srcs);
                a.Set((uint32_t) i, r);
            }
            return a;
        });
    }
    // step({lr, beta1, beta2, eps, weightDecay, maxGradNorm}) -> Promise<number> (grad norm before clipping)
    Napi::Value Step(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
        engine_adamw_params p;
        p.lr = (float) num(o, "lr", p.lr); p.beta1 = (float) num(o, "beta1", p.beta1); p.beta2 = (float) num(o, "beta2", p.beta2);
        p.eps = (float) num(o, "eps", p.eps); p.weight_decay = (float) num(o, "weightDecay", p.weight_decay);
        p.max_grad_norm = (float) num(o, "maxGradNorm", 0);
        engine_model * m = model_;
        auto norm = std::make_shared<double>(0);
        return run(info, [m, p, norm] { return engine_step(m, p, norm.get()); }, [norm](Napi::Env e) -> Napi::Value { return Napi::Number::New(e, *norm); });
    }
    Napi::Value ZeroGrad(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        engine_model * m = model_;
        return run(info, [m] { return engine_zero_grad(m); }, [](Napi::Env e) { return e.Undefined(); });
    }
    Napi::Value SaveState(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        std::string path = info[0].ToString();
        engine_model * m = model_;
        return run(info, [m, path] { return engine_state_save(m, path); }, [](Napi::Env e) { return e.Undefined(); });
    }
    Napi::Value LoadState(const Napi::CallbackInfo & info) {
        if (!need_model(info)) return info.Env().Null();
        std::string path = info[0].ToString();
        engine_model * m = model_;
        return run(info, [m, path] { return engine_state_load(m, path); }, [](Napi::Env e) { return e.Undefined(); });
    }
    // setTemperature(t) -> Promise<void>: later forward/backward score softmax(logits / t); t > 0, finite.
    Napi::Value SetTemperature(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        if (!need_model(info)) return env.Null();
        double t = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1.0;
        if (!(t > 0.0) || !std::isfinite(t)) {
            addon_error(env, engine_error(ENGINE_E_INVALID, "temperature must be a finite number > 0")).ThrowAsJavaScriptException();
            return env.Null();
        }
        engine_model * m = model_;
        const float scale = (float) (1.0 / t);
        return run(info, [m, scale] { m->logit_scale = scale; return engine_status{}; }, [](Napi::Env e) { return e.Undefined(); });
    }
    Napi::Value Cancel(const Napi::CallbackInfo & info) {
        if (model_) model_->cancel = true;
        return info.Env().Undefined();
    }
    // dispose(): frees native memory once no op is running (waits on the model mutex)
    Napi::Value Dispose(const Napi::CallbackInfo & info) {
        if (model_) {
            model_->cancel = true;
            { std::lock_guard<std::mutex> lk(model_->mu); }
            engine_model_free(model_);
            model_ = nullptr;
        }
        return info.Env().Undefined();
    }
};

Napi::Object addon_init(Napi::Env env, Napi::Object exports) {
    exports.Set("AddonEngineModel", AddonEngineModel::Init(env));
    exports.Set("version", Napi::String::New(env, "clipo-engine 1"));
    return exports;
}

}  // namespace

NODE_API_MODULE(clipo_engine, addon_init)
