// The V8 embedding: process-wide platform set-up, and Isolate, one V8
// isolate with one context that runs a Worker's code on one event loop.
// Every method of Isolate must be called on its loop's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <v8.h>

#include "dohost/event_loop.h"

namespace dohost::js {

// Initializes V8 once per process. Thread-safe; later calls do nothing.
void initializeV8();

// One ES module's source, as handed to V8.
struct ModuleSource {
  std::string path;  // absolute path, or a URL-like name for generated code
  std::string code;
  std::string sourceMap;  // JSON {"sources", "mappings"} for stack traces, or empty
};

// Supplies the Worker's modules. `resolve` is called for every import
// specifier that is not a built-in; it returns the module's source, or
// throws dohost::Error with a message for the user (e.g. a bare npm
// specifier the plain loader cannot resolve).
class ModuleProvider {
 public:
  virtual ~ModuleProvider() = default;
  virtual ModuleSource main() = 0;
  virtual ModuleSource resolve(const std::string& specifier, const std::string& referrerPath) = 0;
};

// A native function exposed to the runtime bundle as `natives.NAME`.
using NativeFunction = std::function<void(const v8::FunctionCallbackInfo<v8::Value>&)>;

class Isolate {
 public:
  // `workerName` prefixes the Worker's console output.
  Isolate(EventLoop& loop, std::string workerName);
  ~Isolate();
  Isolate(const Isolate&) = delete;
  Isolate& operator=(const Isolate&) = delete;

  v8::Isolate* v8() const {
    return isolate_;
  }
  v8::Local<v8::Context> context() const;
  EventLoop& loop() const {
    return loop_;
  }
  const std::string& workerName() const {
    return workerName_;
  }

  // Registers a native for the runtime bundle. Call before start().
  void addNative(const std::string& name, NativeFunction function);

  // Evaluates the runtime bundle (globals, `cloudflare:workers`), then the
  // Worker's module graph. Throws dohost::Error with the JavaScript error's
  // text when the code fails to compile, link or evaluate.
  void start(ModuleProvider& modules);

  // The main module's namespace object (after start()).
  v8::Local<v8::Object> mainExports() const;

  // `internals.NAME` of the runtime bundle: the functions it exports to C++.
  v8::Local<v8::Function> internal(const char* name) const;

  // Runs queued microtasks. Call after every entry into JavaScript from a
  // loop task (native callbacks entered from JavaScript must not).
  void runMicrotasks();

  // Enters the isolate and its context from a loop task, runs `body`, then
  // the microtasks it queued. For every task that touches JavaScript.
  template <typename Body>
  void run(Body&& body) {
    v8::Isolate::Scope isolateScope(isolate_);
    v8::HandleScope handleScope(isolate_);
    auto context = this->context();
    v8::Context::Scope contextScope(context);
    body();
    runMicrotasks();
  }

  // Calls `promise.then(onFulfilled, onRejected)` with C++ continuations.
  // `value` may be a non-promise, which counts as fulfilled.
  using Continuation = std::function<void(v8::Local<v8::Value>)>;
  void whenSettled(v8::Local<v8::Value> value, Continuation onFulfilled, Continuation onRejected);

  // Formats a thrown value for the log: the stack when it has one,
  // otherwise its string form.
  std::string describe(v8::Local<v8::Value> exception) const;

  // Prints a line of the Worker's own console output.
  void printConsole(const std::string& level, const std::string& text) const;

  // Used by C++ natives: the Isolate that owns `isolate`.
  static Isolate& from(v8::Isolate* isolate);

 private:
  struct ModuleRecord;
  v8::MaybeLocal<v8::Module> loadModule(ModuleSource source);
  static v8::MaybeLocal<v8::Module> resolveCallback(v8::Local<v8::Context> context,
                                                    v8::Local<v8::String> specifier,
                                                    v8::Local<v8::FixedArray> assertions,
                                                    v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Promise> importDynamically(v8::Local<v8::Context> context,
                                                       v8::Local<v8::Data> hostDefinedOptions,
                                                       v8::Local<v8::Value> resourceName,
                                                       v8::Local<v8::String> specifier,
                                                       v8::Local<v8::FixedArray> assertions);
  // Whether `specifier` names a module of the runtime bundle; if so, `result`
  // is it, or empty after throwing (a known module the runtime cannot give).
  bool resolveBuiltin(v8::Local<v8::Context> context,
                      v8::Local<v8::String> specifier,
                      v8::MaybeLocal<v8::Module>* result);
  // A module of the Worker's own, via the provider; empty after throwing.
  v8::MaybeLocal<v8::Module> resolveUserModule(const std::string& name,
                                               const std::string& referrerPath);
  static v8::MaybeLocal<v8::Value> evaluateSyntheticBuiltin(v8::Local<v8::Context> context,
                                                            v8::Local<v8::Module> module);
  void evaluateRuntime();
  // "path:line:column" of a compile or link error, `fallback` without one.
  std::string locate(v8::Local<v8::Message> message, const std::string& fallback) const;

  EventLoop& loop_;
  std::string workerName_;
  v8::Isolate* isolate_ = nullptr;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Object> internals_;
  v8::Global<v8::Object> mainExports_;
  std::map<std::string, NativeFunction> natives_;
  ModuleProvider* provider_ = nullptr;
  // Modules by identity hash, to find a referrer's path while resolving.
  std::multimap<int, std::pair<v8::Global<v8::Module>, std::string>> modulesByHash_;
  std::map<std::string, v8::Global<v8::Module>> modulesByPath_;
  std::map<std::string, v8::Global<v8::Module>> builtins_;
  // Why a module other than the main one failed to compile or resolve.
  std::string moduleError_;
};

// Small conversions used by natives.
std::string toStdString(v8::Isolate* isolate, v8::Local<v8::Value> value);
v8::Local<v8::String> toV8(v8::Isolate* isolate, std::string_view text);

// Throws a JavaScript error of `type` ("TypeError", "Error", "RangeError")
// into the running code. The caller returns right after.
void throwError(v8::Isolate* isolate, std::string_view type, std::string_view message);

// Structured clone with V8's ValueSerializer, as workerd sends RPC values.
// serialize returns nullopt after throwing a DataCloneError into `isolate`.
std::optional<std::string> serialize(v8::Isolate* isolate, v8::Local<v8::Value> value);
v8::MaybeLocal<v8::Value> deserialize(v8::Isolate* isolate, std::string_view bytes);

// The global structuredClone(): a copy of `value` made in the same isolate.
// The buffers in `transfer` (no duplicates) move to the copy and are
// detached; SharedArrayBuffers are shared. Empty after throwing (a
// DataCloneError for what cannot be cloned).
v8::MaybeLocal<v8::Value> structuredClone(v8::Isolate* isolate,
                                          v8::Local<v8::Value> value,
                                          const std::vector<v8::Local<v8::ArrayBuffer>>& transfer);

}  // namespace dohost::js
