// Worker: loads a Worker's code into its isolate and runs its fetch events.
#include "worker.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>

#include "dohost/assert.h"
#include "dohost/bundle.h"
#include "dohost/log.h"

#include "compat_natives.h"

namespace dohost::server {
namespace {

using js::toStdString;
using js::toV8;

// Adapts the bundle layer's loader to what the isolate asks for.
class LoaderProvider final : public js::ModuleProvider {
 public:
  explicit LoaderProvider(bundle::ModuleLoader& loader) : loader_(loader) {}
  js::ModuleSource main() override {
    auto module = loader_.main();
    return {module.path, module.code, module.sourceMap};
  }
  js::ModuleSource resolve(const std::string& specifier, const std::string& referrer) override {
    auto module = loader_.resolve(specifier, referrer);
    return {module.path, module.code, module.sourceMap};
  }

 private:
  bundle::ModuleLoader& loader_;
};

// Runs `task` on `loop` and waits for its result.
template <typename T>
T runOn(EventLoop& loop, std::function<T()> task) {
  std::packaged_task<T()> packaged(std::move(task));
  auto future = packaged.get_future();
  loop.post([&packaged] { packaged(); });
  return future.get();
}

std::string displayPath(const std::filesystem::path& path) {
  std::error_code error;
  auto relative = std::filesystem::relative(path, std::filesystem::current_path(), error);
  if (error || relative.empty() || relative.string().rfind("..", 0) == 0) return path.string();
  return relative.string();
}

// delete_all_deletes_alarm: on from 2026-02-24, or by flag either way (workerd's rule).
bool deleteAllDeletesAlarm(const config::WorkerConfig& config) {
  const auto& flags = config.compatibilityFlags;
  auto has = [&](const char* flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  if (has("delete_all_deletes_alarm")) return true;
  if (has("delete_all_preserves_alarm")) return false;
  return !config.compatibilityDate.empty() && config.compatibilityDate >= "2026-02-24";
}

actor::StorageOptions storageOptions(const config::WorkerConfig& config, bool inMemory) {
  actor::StorageOptions options;
  options.inMemory = inMemory;
  options.deleteAllDeletesAlarm = deleteAllDeletesAlarm(config);
  // Fault injection for the crash tests: every commit comes this much later.
  if (const char* delay = std::getenv("DOHOST_TEST_COMMIT_DELAY_MS")) {
    options.commitDelay = std::chrono::milliseconds(std::atoi(delay));
  }
  return options;
}

}  // namespace

Worker::Worker(config::WorkerConfig config,
               EventLoop& loop,
               rpc::Router& router,
               std::filesystem::path persistDir)
    : config_(std::move(config)),
      loop_(loop),
      router_(router),
      persistDir_(std::move(persistDir)) {}

Worker::~Worker() {
  DOHOST_ASSERT(!isolate_, "Worker destroyed without shutdown()");
}

std::vector<std::string> Worker::start() {
  return runOn<std::vector<std::string>>(loop_, [this] { return startOnLoop(); });
}

void Worker::shutdown() {
  runOn<int>(loop_, [this] {
    router_.removeEndpoint(config_.name);
    if (isolate_) {
      {
        v8::Isolate::Scope scope(isolate_->v8());
        env_.Reset();
      }
      actors_.reset();
      rpc_.reset();
      io_.reset();
      web_.reset();
      isolate_.reset();
    }
    return 0;
  });
}

std::vector<std::string> Worker::startOnLoop() {
  std::vector<std::string> errors;
  isolate_ = std::make_unique<js::Isolate>(loop_, config_.name);
  rpc_ = std::make_unique<jsrpc::RpcHost>(*isolate_, router_, config_.name);
  rpc_->installNatives();
  actors_ = std::make_unique<actor::ActorHost>(*isolate_, config_.name, persistDir_);
  actors_->installNatives();
  rpc_->setActors(actors_.get());
  web_ = std::make_unique<api::WebNatives>(*isolate_);
  web_->install();
  io_ = std::make_unique<api::IoNatives>(*isolate_, outbound_);
  io_->install();
  installActorEvents(*isolate_, *actors_, config_.name);
  actors_->setBusyCheck([this] { return web_->pendingTimers() > 0; });
  installCompatNatives(*isolate_, config_);
  isolate_->addNative("print", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    isolate_->printConsole(toStdString(info.GetIsolate(), info[0]),
                           toStdString(info.GetIsolate(), info[1]));
  });

  try {
    // Both outlive start(): import() loads modules later.
    loader_ =
        std::make_unique<bundle::ModuleLoader>(config_.main, persistDir_ / "bundle" / config_.name,
                                               bareNodeModules(config_), config_.moduleRules);
    provider_ = std::make_unique<LoaderProvider>(*loader_);
    isolate_->start(*provider_);
  } catch (const std::exception& e) {
    errors.push_back(displayPath(config_.configPath) + ": Worker \"" + config_.name +
                     "\" failed to load: " + e.what());
    return errors;
  }

  bool unreadable = false;
  isolate_->run([&] {
    auto* isolate = isolate_->v8();
    auto context = isolate_->context();

    // From here on code runs in handlers: timers and random values work.
    isolate_->internal("endGlobalScope")
        ->Call(context, v8::Undefined(isolate), 0, nullptr)
        .FromMaybe(v8::Local<v8::Value>());

    // The classes the code exports, checked against the config.
    std::vector<std::string> exported;
    v8::Local<v8::Value> args[] = {isolate_->mainExports()};
    v8::TryCatch tryCatch(isolate);
    v8::Local<v8::Value> names;
    // Reading an export can throw (one still in its temporal dead zone).
    if (!isolate_->internal("exportedClasses")
             ->Call(context, v8::Undefined(isolate), 1, args)
             .ToLocal(&names) ||
        !names->IsArray()) {
      errors.push_back(displayPath(config_.configPath) + ": Worker \"" + config_.name +
                       "\" failed to load: cannot read its exports: " +
                       (tryCatch.HasCaught() ? isolate_->describe(tryCatch.Exception())
                                             : std::string("unknown error")));
      unreadable = true;
      return;
    }
    auto list = names.As<v8::Array>();
    for (uint32_t i = 0; i < list->Length(); ++i) {
      v8::Local<v8::Value> name;
      if (list->Get(context, i).ToLocal(&name)) exported.push_back(toStdString(isolate, name));
    }
    // Exports that are not functions: a binding naming one hears it is not a class.
    std::map<std::string, std::string> otherExports;
    auto exportsObject = isolate_->mainExports();
    v8::Local<v8::Array> keys;
    if (exportsObject->GetOwnPropertyNames(context).ToLocal(&keys)) {
      for (uint32_t i = 0; i < keys->Length(); ++i) {
        v8::Local<v8::Value> key, value;
        if (!keys->Get(context, i).ToLocal(&key) ||
            !exportsObject->Get(context, key).ToLocal(&value) || value->IsFunction()) {
          continue;
        }
        otherExports[toStdString(isolate, key)] = toStdString(isolate, value->TypeOf(isolate));
      }
    }
    tryCatch.Reset();
    for (const auto& diagnostic : config::checkExports(config_, exported, otherExports)) {
      errors.push_back(diagnostic.message);
    }
    recordExports(exported);

    // Every class this Worker defines may be called, bound or not.
    for (const auto& binding : config_.durableObjects) {
      if (binding.scriptName.empty() || binding.scriptName == config_.name) {
        actors_->defineClass(binding.className, config::isSqliteClass(config_, binding.className));
      }
    }
    // Renamed classes keep their identity, so their objects keep their IDs and data.
    for (const auto& live : config::liveClasses(config_)) {
      actors_->defineClass(live.name, live.sqlite, live.identity);
    }

    // env: vars, then Durable Object namespaces.
    auto bindings = v8::Array::New(isolate);
    uint32_t count = 0;
    auto add = [&](std::initializer_list<std::pair<const char*, v8::Local<v8::Value>>> fields) {
      auto entry = v8::Object::New(isolate);
      for (auto& [key, value] : fields) entry->Set(context, toV8(isolate, key), value).Check();
      bindings->Set(context, count++, entry).Check();
    };
    for (const auto& [name, json] : config_.vars) {
      add({{"kind", toV8(isolate, "json")},
           {"name", toV8(isolate, name)},
           {"json", toV8(isolate, json)}});
    }
    for (const auto& [name, value] : config_.secrets) {
      add({{"kind", toV8(isolate, "text")},
           {"name", toV8(isolate, name)},
           {"text", toV8(isolate, value)}});
    }
    for (const auto& binding : config_.durableObjects) {
      auto worker = binding.scriptName.empty() ? config_.name : binding.scriptName;
      int handle = actors_->addNamespace(worker, binding.className);
      add({{"kind", toV8(isolate, "durable_object")},
           {"name", toV8(isolate, binding.name)},
           {"handle", v8::Integer::New(isolate, handle)}});
    }
    for (const auto& service : config_.services) {
      int handle = rpc_->addService(service.binding, service.service, service.entrypoint);
      add({{"kind", toV8(isolate, "service")},
           {"name", toV8(isolate, service.binding)},
           {"handle", v8::Integer::New(isolate, handle)}});
    }
    v8::Local<v8::Value> envArgs[] = {bindings};
    auto env = isolate_->internal("makeEnv")
                   ->Call(context, v8::Undefined(isolate), 1, envArgs)
                   .ToLocalChecked()
                   .As<v8::Object>();
    env_.Reset(isolate, env);
    actors_->setEnv(env);
    setCtxExports(isolate, context);
    rpc_->setEnv(env);
    rpc_->configure(config_.compatibilityDate, config_.compatibilityFlags, limits_);
  });
  if (unreadable) return errors;
  for (const auto& problem : actors_->startStorage(storageOptions(config_, inMemory_))) {
    errors.push_back(problem);
  }
  if (errors.empty()) router_.addEndpoint(config_.name, rpc_.get());
  return errors;
}

void Worker::recordExports(const std::vector<std::string>& exported) {
  auto context = isolate_->context();
  auto exports = isolate_->mainExports();
  for (const auto& binding : config_.durableObjects) {
    if (binding.scriptName.empty() || binding.scriptName == config_.name) {
      classes_.push_back(binding.className);
    }
  }
  for (const auto& migration : config_.migrations) {
    for (const auto& list : {migration.newSqliteClasses, migration.newClasses}) {
      for (const auto& name : list) {
        if (std::find(classes_.begin(), classes_.end(), name) == classes_.end()) {
          classes_.push_back(name);
        }
      }
    }
  }
  if (exports->Has(context, toV8(isolate_->v8(), "default")).FromMaybe(false)) {
    entrypoints_.push_back("default");
  }
  for (const auto& name : exported) {
    if (name == "default") continue;
    if (std::find(classes_.begin(), classes_.end(), name) != classes_.end()) continue;
    entrypoints_.push_back(name);
  }
}

// ctx.exports: a namespace for every Durable Object class this Worker
// defines, bound or not, from workerd's compatibility date 2025-11-17 (or
// with enable_ctx_exports); disable_ctx_exports turns it off.
void Worker::setCtxExports(v8::Isolate* isolate, v8::Local<v8::Context> context) {
  const auto& flags = config_.compatibilityFlags;
  auto has = [&](const char* flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  bool enabled = (config_.compatibilityDate >= "2025-11-17" || has("enable_ctx_exports")) &&
                 !has("disable_ctx_exports");
  v8::Local<v8::Value> list = v8::Null(isolate);
  if (enabled) {
    auto classes = v8::Array::New(isolate);
    uint32_t count = 0;
    for (const auto& className : actors_->classNames()) {
      v8::Local<v8::Value> pair[] = {
          toV8(isolate, className),
          v8::Integer::New(isolate, actors_->addNamespace(config_.name, className))};
      classes->Set(context, count++, v8::Array::New(isolate, pair, 2)).Check();
    }
    list = classes;
  }
  v8::Local<v8::Value> args[] = {list};
  (void)isolate_->internal("setCtxExports")->Call(context, v8::Undefined(isolate), 1, args);
}

void Worker::handleHttp(http::Request request, http::Respond respond) {
  auto shared = std::make_shared<http::Request>(std::move(request));
  loop_.post([this, shared, respond = std::move(respond)]() mutable {
    fetchOnLoop(std::move(*shared), std::move(respond));
  });
}

namespace {

v8::Local<v8::Uint8Array> toBytes(v8::Isolate* isolate, const std::string& data) {
  auto buffer = v8::ArrayBuffer::New(isolate, data.size());
  if (!data.empty()) std::memcpy(buffer->Data(), data.data(), data.size());
  return v8::Uint8Array::New(buffer, 0, data.size());
}

std::string fromBytes(v8::Local<v8::Value> value) {
  if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    std::string out(view->ByteLength(), '\0');
    view->CopyContents(out.data(), out.size());
    return out;
  }
  if (value->IsArrayBuffer()) {
    auto buffer = value.As<v8::ArrayBuffer>();
    return std::string(static_cast<const char*>(buffer->Data()), buffer->ByteLength());
  }
  return {};
}

}  // namespace

void Worker::fetchOnLoop(http::Request request, http::Respond respond) {
  isolate_->run([&] {
    auto* isolate = isolate_->v8();
    auto context = isolate_->context();
    v8::TryCatch tryCatch(isolate);

    auto wire = v8::Object::New(isolate);
    auto headers = v8::Array::New(isolate, static_cast<int>(request.headers.size()));
    for (uint32_t i = 0; i < request.headers.size(); ++i) {
      auto pair = v8::Array::New(isolate, 2);
      pair->Set(context, 0, toV8(isolate, request.headers[i].name)).Check();
      pair->Set(context, 1, toV8(isolate, request.headers[i].value)).Check();
      headers->Set(context, i, pair).Check();
    }
    wire->Set(context, toV8(isolate, "method"), toV8(isolate, request.method)).Check();
    wire->Set(context, toV8(isolate, "url"), toV8(isolate, request.url)).Check();
    wire->Set(context, toV8(isolate, "headers"), headers).Check();
    // The body: whole bytes, or a stream still arriving; null when the request had none.
    wire->Set(context, toV8(isolate, "hasBody"), v8::Boolean::New(isolate, request.hasBody))
        .Check();
    wire->Set(context, toV8(isolate, "body"),
              request.hasBody && !request.bodyStream
                  ? toBytes(isolate, request.body).As<v8::Value>()
                  : v8::Null(isolate).As<v8::Value>())
        .Check();
    if (request.bodyStream) {
      wire->Set(context, toV8(isolate, "bodyStream"),
                v8::Integer::New(isolate, io_->adoptStream(std::move(request.bodyStream))))
          .Check();
    }

    auto shared = std::make_shared<http::Respond>(std::move(respond));
    auto fail = [this, shared](v8::Local<v8::Value> error) {
      // workerd logs the exception and answers 500 with no details.
      log::print("[" + config_.name + "] Uncaught " + isolate_->describe(error));
      http::Response response;
      response.status = 500;
      response.body = "Internal Server Error";
      (*shared)(std::move(response));
    };
    v8::Local<v8::Value> args[] = {isolate_->mainExports(), wire, env_.Get(isolate)};
    v8::Local<v8::Value> result;
    if (!isolate_->internal("dispatchFetch")
             ->Call(context, v8::Undefined(isolate), 3, args)
             .ToLocal(&result)) {
      fail(tryCatch.Exception());
      return;
    }
    isolate_->whenSettled(
        result,
        [this, shared](v8::Local<v8::Value> value) {
          auto* isolate = isolate_->v8();
          auto context = isolate_->context();
          auto object = value.As<v8::Object>();
          http::Response response;
          response.status = object->Get(context, toV8(isolate, "status"))
                                .ToLocalChecked()
                                ->Int32Value(context)
                                .FromMaybe(500);
          response.statusText = toStdString(
              isolate, object->Get(context, toV8(isolate, "statusText")).ToLocalChecked());
          auto headers =
              object->Get(context, toV8(isolate, "headers")).ToLocalChecked().As<v8::Array>();
          for (uint32_t i = 0; i < headers->Length(); ++i) {
            auto pair = headers->Get(context, i).ToLocalChecked().As<v8::Array>();
            response.headers.push_back(
                {toStdString(isolate, pair->Get(context, 0).ToLocalChecked()),
                 toStdString(isolate, pair->Get(context, 1).ToLocalChecked())});
          }
          auto body = object->Get(context, toV8(isolate, "body")).ToLocalChecked();
          response.body = fromBytes(body);
          // A streamed body and a WebSocket come as handles of the io natives.
          auto handle = [&](const char* key) {
            return object->Get(context, toV8(isolate, key))
                .ToLocalChecked()
                ->Int32Value(context)
                .FromMaybe(0);
          };
          if (int stream = handle("bodyStream")) response.bodyStream = io_->takeStream(stream);
          if (int webSocket = handle("webSocket")) {
            response.webSocket = io_->takeWebSocket(webSocket);
          }
          (*shared)(std::move(response));
        },
        fail);
  });
}

}  // namespace dohost::server
