// Isolate: one V8 isolate and context per Worker, its module graph, the
// runtime bundle's natives and internals, and the microtask discipline.
#include <mutex>
#include <utility>

#include <libplatform/libplatform.h>

#include "dohost/assert.h"
#include "dohost/js.h"
#include "dohost/log.h"

#include "runtime_bundle.h"

namespace dohost::js {

// ==== Process-wide set-up =====================================================

namespace {
std::unique_ptr<v8::Platform> gPlatform;
std::once_flag gInitOnce;
}  // namespace

void initializeV8() {
  std::call_once(gInitOnce, [] {
    gPlatform = v8::platform::NewDefaultPlatform(0);
    v8::V8::InitializePlatform(gPlatform.get());
    v8::V8::Initialize();
  });
}

// ==== Conversions ===========================================================

std::string toStdString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value text(isolate, value);
  return *text ? std::string(*text, text.length()) : std::string();
}

v8::Local<v8::String> toV8(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .ToLocalChecked();
}

void throwError(v8::Isolate* isolate, std::string_view type, std::string_view message) {
  auto text = toV8(isolate, message);
  v8::Local<v8::Value> error;
  if (type == "TypeError") {
    error = v8::Exception::TypeError(text);
  } else if (type == "RangeError") {
    error = v8::Exception::RangeError(text);
  } else if (type == "SyntaxError") {
    error = v8::Exception::SyntaxError(text);
  } else {
    error = v8::Exception::Error(text);
  }
  isolate->ThrowException(error);
}

// ==== Isolate ===============================================================

Isolate::Isolate(EventLoop& loop, std::string workerName)
    : loop_(loop), workerName_(std::move(workerName)) {
  initializeV8();
  allocator_.reset(v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  isolate_ = v8::Isolate::New(params);
  isolate_->SetData(0, this);
  // Microtasks run when dohost says so: after each task that entered
  // JavaScript, never in the middle of a native call.
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate_->SetHostImportModuleDynamicallyCallback(&Isolate::importDynamically);

  v8::Isolate::Scope isolateScope(isolate_);
  v8::HandleScope handleScope(isolate_);
  auto context = v8::Context::New(isolate_);
  context_.Reset(isolate_, context);
}

Isolate::~Isolate() {
  {
    v8::Isolate::Scope isolateScope(isolate_);
    modulesByHash_.clear();
    modulesByPath_.clear();
    builtins_.clear();
    mainExports_.Reset();
    internals_.Reset();
    context_.Reset();
  }
  isolate_->Dispose();
}

Isolate& Isolate::from(v8::Isolate* isolate) {
  return *static_cast<Isolate*>(isolate->GetData(0));
}

v8::Local<v8::Context> Isolate::context() const {
  return context_.Get(isolate_);
}

v8::Local<v8::Object> Isolate::mainExports() const {
  return mainExports_.Get(isolate_);
}

v8::Local<v8::Function> Isolate::internal(const char* name) const {
  auto context = this->context();
  auto value = internals_.Get(isolate_)->Get(context, toV8(isolate_, name)).ToLocalChecked();
  DOHOST_ASSERT(value->IsFunction(), std::string("runtime internal missing: ") + name);
  return value.As<v8::Function>();
}

void Isolate::addNative(const std::string& name, NativeFunction function) {
  natives_[name] = std::move(function);
}

void Isolate::runMicrotasks() {
  isolate_->PerformMicrotaskCheckpoint();
}

void Isolate::printConsole(const std::string& level, const std::string& text) const {
  (void)level;
  log::print("[" + workerName_ + "] " + text);
}

std::string Isolate::describe(v8::Local<v8::Value> exception) const {
  v8::HandleScope scope(isolate_);
  auto context = this->context();
  if (exception->IsObject()) {
    v8::Local<v8::Value> stack;
    if (exception.As<v8::Object>()->Get(context, toV8(isolate_, "stack")).ToLocal(&stack) &&
        stack->IsString()) {
      return toStdString(isolate_, stack);
    }
  }
  return toStdString(isolate_, exception);
}

// ---- Promise continuations -------------------------------------------------

namespace {

struct SettleCallbacks {
  Isolate::Continuation onFulfilled;
  Isolate::Continuation onRejected;
  int remaining = 2;  // both functions share it; freed when the second is collected
};

void settleTrampoline(const v8::FunctionCallbackInfo<v8::Value>& info, bool fulfilled) {
  auto* callbacks = static_cast<SettleCallbacks*>(info.Data().As<v8::External>()->Value());
  auto fulfilledFn = std::move(callbacks->onFulfilled);
  auto rejectedFn = std::move(callbacks->onRejected);
  delete callbacks;
  auto value = info.Length() > 0 ? info[0] : v8::Undefined(info.GetIsolate()).As<v8::Value>();
  if (fulfilled) {
    if (fulfilledFn) fulfilledFn(value);
  } else if (rejectedFn) {
    rejectedFn(value);
  }
}

}  // namespace

void Isolate::whenSettled(v8::Local<v8::Value> value,
                          Continuation onFulfilled,
                          Continuation onRejected) {
  auto context = this->context();
  if (!value->IsPromise()) {
    onFulfilled(value);
    return;
  }
  auto promise = value.As<v8::Promise>();
  // A promise settles once, so exactly one of the two trampolines runs and
  // frees the shared record.
  auto* callbacks = new SettleCallbacks{std::move(onFulfilled), std::move(onRejected)};
  auto data = v8::External::New(isolate_, callbacks);
  auto onOk =
      v8::Function::New(
          context,
          [](const v8::FunctionCallbackInfo<v8::Value>& info) { settleTrampoline(info, true); },
          data)
          .ToLocalChecked();
  auto onErr =
      v8::Function::New(
          context,
          [](const v8::FunctionCallbackInfo<v8::Value>& info) { settleTrampoline(info, false); },
          data)
          .ToLocalChecked();
  (void)promise->Then(context, onOk, onErr);
}

// ---- Start-up ----------------------------------------------------------------

void Isolate::evaluateRuntime() {
  auto context = this->context();
  v8::TryCatch tryCatch(isolate_);

  // The natives object handed to the bundle's setup().
  auto natives = v8::Object::New(isolate_);
  for (auto& [name, function] : natives_) {
    auto data = v8::External::New(isolate_, &function);
    auto fn = v8::Function::New(
                  context,
                  [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                    auto* native =
                        static_cast<NativeFunction*>(info.Data().As<v8::External>()->Value());
                    (*native)(info);
                  },
                  data)
                  .ToLocalChecked();
    natives->Set(context, toV8(isolate_, name), fn).Check();
  }

  v8::ScriptOrigin origin(isolate_, toV8(isolate_, "dohost:runtime"));
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  if (!v8::Script::Compile(context, toV8(isolate_, runtimeBundle()), &origin).ToLocal(&script) ||
      !script->Run(context).ToLocal(&result)) {
    throw Error("runtime bundle failed: " + describe(tryCatch.Exception()));
  }
  auto global = context->Global();
  auto key = toV8(isolate_, "dohostRuntime");
  auto runtime = global->Get(context, key).ToLocalChecked();
  DOHOST_ASSERT(runtime->IsObject(), "runtime bundle did not define dohostRuntime");
  (void)global->Delete(context, key);
  auto setup = runtime.As<v8::Object>()->Get(context, toV8(isolate_, "setup")).ToLocalChecked();
  v8::Local<v8::Value> args[] = {natives};
  v8::Local<v8::Value> internals;
  if (!setup.As<v8::Function>()->Call(context, global, 1, args).ToLocal(&internals) ||
      !internals->IsObject()) {
    throw Error("runtime setup failed: " + describe(tryCatch.Exception()));
  }
  internals_.Reset(isolate_, internals.As<v8::Object>());
}

v8::MaybeLocal<v8::Value> Isolate::evaluateSyntheticBuiltin(v8::Local<v8::Context> context,
                                                            v8::Local<v8::Module> module) {
  auto* isolate = context->GetIsolate();
  auto& self = from(isolate);
  // The module's exports are the properties of internals.builtinModules[name].
  for (auto& [name, global] : self.builtins_) {
    if (global.Get(isolate) != module) continue;
    auto modules = self.internals_.Get(isolate)
                       ->Get(context, toV8(isolate, "builtinModules"))
                       .ToLocalChecked()
                       .As<v8::Object>();
    auto exports = modules->Get(context, toV8(isolate, name)).ToLocalChecked().As<v8::Object>();
    auto keys = exports->GetOwnPropertyNames(context).ToLocalChecked();
    for (uint32_t i = 0; i < keys->Length(); ++i) {
      auto keyName = keys->Get(context, i).ToLocalChecked().As<v8::String>();
      auto value = exports->Get(context, keyName).ToLocalChecked();
      module->SetSyntheticModuleExport(isolate, keyName, value).Check();
    }
    break;
  }
  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  resolver->Resolve(context, v8::Undefined(isolate)).Check();
  return resolver->GetPromise();
}

v8::MaybeLocal<v8::Module> Isolate::loadModule(ModuleSource source) {
  if (auto it = modulesByPath_.find(source.path); it != modulesByPath_.end()) {
    return it->second.Get(isolate_);
  }
  v8::ScriptOrigin origin(isolate_, toV8(isolate_, source.path), 0, 0, false, -1,
                          v8::Local<v8::Value>(), false, false, true);
  v8::ScriptCompiler::Source compilerSource(toV8(isolate_, source.code), origin);
  v8::Local<v8::Module> module;
  v8::TryCatch tryCatch(isolate_);
  if (!v8::ScriptCompiler::CompileModule(isolate_, &compilerSource).ToLocal(&module)) {
    // Kept for start(): inside a resolve callback V8 hands this exception
    // to the outer TryCatch instead of leaving it pending, so the callback
    // must throw a fresh one (see resolveCallback).
    moduleError_ = "cannot compile " + locate(tryCatch.Message(), source.path) + ": " +
                   (tryCatch.HasCaught() ? toStdString(isolate_, tryCatch.Exception())
                                         : std::string("unknown error"));
    return {};
  }
  if (!source.sourceMap.empty()) {
    // Stack traces through the bundle then name the user's files and lines.
    v8::Local<v8::Value> args[] = {toV8(isolate_, source.path), toV8(isolate_, source.sourceMap)};
    internal("registerSourceMap")->Call(context(), v8::Undefined(isolate_), 2, args).IsEmpty();
  }
  modulesByPath_[source.path].Reset(isolate_, module);
  modulesByHash_.emplace(module->GetIdentityHash(),
                         std::make_pair(v8::Global<v8::Module>(isolate_, module), source.path));
  return module;
}

bool Isolate::resolveBuiltin(v8::Local<v8::Context> context,
                             v8::Local<v8::String> specifier,
                             v8::MaybeLocal<v8::Module>* result) {
  auto* isolate = isolate_;
  auto name = toStdString(isolate, specifier);
  // Built-in modules: the runtime bundle's builtinModules table.
  auto modules = internals_.Get(isolate)
                     ->Get(context, toV8(isolate, "builtinModules"))
                     .ToLocalChecked()
                     .As<v8::Object>();
  if (!modules->HasOwnProperty(context, specifier).FromMaybe(false)) return false;
  if (auto it = builtins_.find(name); it != builtins_.end()) {
    *result = it->second.Get(isolate);
    return true;
  }
  auto entry = modules->Get(context, specifier).ToLocalChecked();
  // A string instead of exports: a known module the runtime cannot provide.
  if (entry->IsString()) {
    throwError(isolate, "Error", toStdString(isolate, entry));
    *result = {};
    return true;
  }
  auto exports = entry.As<v8::Object>();
  auto keys = exports->GetOwnPropertyNames(context).ToLocalChecked();
  std::vector<v8::Local<v8::String>> exportNames;
  for (uint32_t i = 0; i < keys->Length(); ++i) {
    exportNames.push_back(keys->Get(context, i).ToLocalChecked().As<v8::String>());
  }
  auto module = v8::Module::CreateSyntheticModule(isolate, specifier, exportNames,
                                                  &Isolate::evaluateSyntheticBuiltin);
  builtins_[name].Reset(isolate, module);
  *result = module;
  return true;
}

v8::MaybeLocal<v8::Module> Isolate::resolveCallback(v8::Local<v8::Context> context,
                                                    v8::Local<v8::String> specifier,
                                                    v8::Local<v8::FixedArray> assertions,
                                                    v8::Local<v8::Module> referrer) {
  auto* isolate = context->GetIsolate();
  auto& self = from(isolate);
  auto name = toStdString(isolate, specifier);
  v8::MaybeLocal<v8::Module> builtin;
  if (self.resolveBuiltin(context, specifier, &builtin)) return builtin;

  std::string referrerPath;
  auto range = self.modulesByHash_.equal_range(referrer->GetIdentityHash());
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.first.Get(isolate) == referrer) referrerPath = it->second.second;
  }
  return self.resolveUserModule(name, referrerPath);
}

v8::MaybeLocal<v8::Module> Isolate::resolveUserModule(const std::string& name,
                                                      const std::string& referrerPath) {
  auto& self = *this;
  auto* isolate = isolate_;
  v8::Local<v8::Module> module;
  try {
    if (self.loadModule(self.provider_->resolve(name, referrerPath)).ToLocal(&module)) {
      return module;
    }
  } catch (const std::exception& e) {
    self.moduleError_ = e.what();
  }
  // V8 needs a pending exception when this returns empty.
  throwError(isolate, "Error", self.moduleError_);
  return {};
}

v8::MaybeLocal<v8::Promise> Isolate::importDynamically(v8::Local<v8::Context> context,
                                                       v8::Local<v8::Data> hostDefinedOptions,
                                                       v8::Local<v8::Value> resourceName,
                                                       v8::Local<v8::String> specifier,
                                                       v8::Local<v8::FixedArray> assertions) {
  (void)hostDefinedOptions;
  (void)assertions;
  auto* isolate = context->GetIsolate();
  auto& self = from(isolate);
  v8::EscapableHandleScope scope(isolate);
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  auto promise = resolver->GetPromise();

  // import() runs the module as a static import would, then hands out its namespace.
  v8::TryCatch tryCatch(isolate);
  auto name = toStdString(isolate, specifier);
  self.moduleError_.clear();
  v8::Local<v8::Module> module;
  v8::Local<v8::Value> evaluated;
  bool ok = false;
  v8::MaybeLocal<v8::Module> builtin;
  if (self.resolveBuiltin(context, specifier, &builtin)) {
    ok = builtin.ToLocal(&module);
  } else if (self.provider_) {
    ok = self.resolveUserModule(name, toStdString(isolate, resourceName)).ToLocal(&module);
  }
  ok = ok && module->InstantiateModule(context, &Isolate::resolveCallback).FromMaybe(false) &&
       module->Evaluate(context).ToLocal(&evaluated);
  if (!ok) {
    auto error =
        tryCatch.HasCaught()
            ? tryCatch.Exception()
            : v8::Exception::Error(toV8(isolate, self.moduleError_.empty() ? "cannot import " + name
                                                                           : self.moduleError_));
    tryCatch.Reset();
    self.moduleError_.clear();
    resolver->Reject(context, error).IsJust();
    return scope.Escape(promise);
  }
  auto shared = std::make_shared<v8::Global<v8::Promise::Resolver>>(isolate, resolver);
  auto namespaceOf = std::make_shared<v8::Global<v8::Module>>(isolate, module);
  self.whenSettled(
      evaluated,
      [&self, shared, namespaceOf](v8::Local<v8::Value>) {
        auto* isolate = self.v8();
        auto result = namespaceOf->Get(isolate)->GetModuleNamespace();
        shared->Get(isolate)->Resolve(self.context(), result).IsJust();
      },
      [&self, shared](v8::Local<v8::Value> error) {
        shared->Get(self.v8())->Reject(self.context(), error).IsJust();
      });
  return scope.Escape(promise);
}

std::string Isolate::locate(v8::Local<v8::Message> message, const std::string& fallback) const {
  if (message.IsEmpty()) return fallback;
  auto context = this->context();
  auto resource = toStdString(isolate_, message->GetScriptResourceName());
  if (resource.empty() || resource == "undefined") resource = fallback;
  int line = message->GetLineNumber(context).FromMaybe(0);
  int column = message->GetStartColumn(context).FromMaybe(-1) + 1;
  if (line <= 0) return resource;
  return resource + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void Isolate::start(ModuleProvider& modules) {
  v8::Isolate::Scope isolateScope(isolate_);
  v8::HandleScope handleScope(isolate_);
  auto context = this->context();
  v8::Context::Scope contextScope(context);
  provider_ = &modules;

  evaluateRuntime();

  v8::TryCatch tryCatch(isolate_);
  auto fail = [&](const std::string& stage) -> void {
    // A module other than the main one failed to compile or resolve.
    if (!moduleError_.empty()) throw Error(moduleError_);
    std::string detail = tryCatch.HasCaught() ? describe(tryCatch.Exception()) : "unknown error";
    if (tryCatch.HasCaught() && !tryCatch.Message().IsEmpty()) {
      auto where = locate(tryCatch.Message(), "");
      if (!where.empty() && detail.find(where) == std::string::npos) {
        detail = where + ": " + detail;
      }
    }
    throw Error(stage + ": " + detail);
  };

  ModuleSource mainSource = modules.main();
  v8::Local<v8::Module> module;
  if (!loadModule(mainSource).ToLocal(&module)) fail("cannot compile " + mainSource.path);
  if (!module->InstantiateModule(context, &Isolate::resolveCallback).FromMaybe(false)) {
    fail("cannot load " + mainSource.path);
  }
  v8::Local<v8::Value> result;
  if (!module->Evaluate(context).ToLocal(&result)) fail("cannot evaluate " + mainSource.path);
  // A rejection is the startup error below, not also an unhandled rejection.
  whenSettled(
      result, [](v8::Local<v8::Value>) {}, [](v8::Local<v8::Value>) {});
  runMicrotasks();
  if (module->GetStatus() == v8::Module::kErrored) {
    throw Error("cannot evaluate " + mainSource.path + ": " + describe(module->GetException()));
  }
  // Top-level code cannot start I/O or timers, so an await still pending
  // once the microtasks have run never settles; workerd refuses to start.
  if (result->IsPromise() && result.As<v8::Promise>()->State() == v8::Promise::kPending) {
    throw Error("cannot evaluate " + mainSource.path +
                ": Uncaught Error: Top-level await in module is unsettled.");
  }
  mainExports_.Reset(isolate_, module->GetModuleNamespace().As<v8::Object>());
}

}  // namespace dohost::js
