// ActorHost: Durable Object namespaces, stubs and live instances of one
// Worker's isolate. Calls leave as rpc messages and come back as returns;
// every instance's events run on the isolate's loop in arrival order.
#include <cmath>
#include <cstring>
#include <utility>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/log.h"
#include "dohost/storage.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

// One live Durable Object. Calls that arrive while it is being constructed
// wait in `queue` and run, in order, once it is ready.
struct ActorHost::Instance {
  std::string className;
  std::string hex;
  std::optional<std::string> name;
  bool ready = false;
  v8::Global<v8::Object> object;
  std::unique_ptr<storage::Database> database;
  int storageHandle = -1;
  std::deque<PendingCall> queue;
};

ActorHost::ActorHost(js::Isolate& isolate, rpc::Router& router, std::string worker,
                     std::filesystem::path persistDir)
    : isolate_(isolate),
      router_(router),
      worker_(std::move(worker)),
      persistDir_(std::move(persistDir)) {}

ActorHost::~ActorHost() {
  v8::Isolate::Scope scope(isolate_.v8());
  pending_.clear();
  instances_.clear();
  env_.Reset();
}

int ActorHost::addNamespace(const std::string& worker, const std::string& className) {
  namespaces_.push_back(
      std::make_unique<Namespace>(Namespace{worker, className, IdFactory(worker, className)}));
  return static_cast<int>(namespaces_.size() - 1);
}

void ActorHost::defineClass(const std::string& className, bool sqlite) {
  classes_[className] = sqlite;
}

void ActorHost::setEnv(v8::Local<v8::Object> env) { env_.Reset(isolate_.v8(), env); }

// ==== Natives ===============================================================

ActorHost::Namespace& ActorHost::namespaceOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(namespaces_.size()),
                 "bad namespace handle");
  return *namespaces_[handle];
}

void ActorHost::installNatives() {
  isolate_.addNative("nsIdFromName", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto& ns = namespaceOf(info);
    auto name = toStdString(info.GetIsolate(), info[1]);
    info.GetReturnValue().Set(toV8(info.GetIsolate(), ns.ids.fromName(name)));
  });
  isolate_.addNative("nsNewUniqueId", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto& ns = namespaceOf(info);
    info.GetReturnValue().Set(toV8(info.GetIsolate(), ns.ids.unique()));
  });
  isolate_.addNative("nsParseId", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto& ns = namespaceOf(info);
    auto parsed = ns.ids.parse(toStdString(info.GetIsolate(), info[1]));
    if (!parsed.hex) {
      js::throwError(info.GetIsolate(), "TypeError", parsed.error);
      return;
    }
    info.GetReturnValue().Set(toV8(info.GetIsolate(), *parsed.hex));
  });
  isolate_.addNative("stubCall", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    stubCall(info);
  });
  isolate_.addNative("stubFetch", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    // TODO(conform): stub.fetch() is not implemented yet; it throws. #3
    js::throwError(info.GetIsolate(), "Error",
                   "DurableObjectStub.fetch() is not implemented in dohost yet");
  });
  isolate_.addNative("sqlExec", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    sqlExec(info);
  });
  isolate_.addNative("sqlDatabaseSize", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* database = databaseOf(info);
    if (!database) return;
    info.GetReturnValue().Set(static_cast<double>(database->size()));
  });
}

void ActorHost::stubCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate_.context();
  auto& ns = namespaceOf(info);

  rpc::Call call;
  call.callId = nextCallId_++;
  call.target.worker = ns.worker;
  call.target.className = ns.className;
  call.target.objectId = toStdString(isolate, info[1]);
  if (info[2]->IsString()) call.target.objectName = toStdString(isolate, info[2]);
  call.method = toStdString(isolate, info[3]);

  // Arguments that cannot be cloned throw here, synchronously, as in workerd.
  auto args = js::serialize(isolate, info[4]);
  if (!args) return;
  call.args = std::move(*args);

  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  pending_[call.callId].Reset(isolate, resolver);
  router_.send(ns.worker, rpc::encode(call), isolate_.loop(),
               [this](rpc::Message message) { onReturn(std::move(message)); });
}

void ActorHost::onReturn(rpc::Message message) {
  auto ret = rpc::decodeReturn(message);
  auto it = pending_.find(ret.callId);
  if (it == pending_.end()) return;
  auto global = std::move(it->second);
  pending_.erase(it);
  isolate_.run([&] {
    auto* isolate = isolate_.v8();
    auto context = isolate_.context();
    auto resolver = global.Get(isolate);
    v8::TryCatch tryCatch(isolate);
    if (ret.isFailure) {
      // The call never reached an answer: its Worker is not running, or went away.
      resolver->Reject(context, v8::Exception::Error(toV8(isolate, ret.payload))).Check();
      return;
    }
    v8::Local<v8::Value> value;
    if (!js::deserialize(isolate, ret.payload).ToLocal(&value)) {
      resolver->Reject(context, tryCatch.Exception()).Check();
      return;
    }
    if (!ret.isError) {
      resolver->Resolve(context, value).Check();
      return;
    }
    v8::Local<v8::Value> args[] = {value};
    v8::Local<v8::Value> error;
    if (!isolate_.internal("errorFromWire")
             ->Call(context, v8::Undefined(isolate), 1, args)
             .ToLocal(&error)) {
      error = tryCatch.Exception();
    }
    resolver->Reject(context, error).Check();
  });
}

storage::Database* ActorHost::databaseOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(storageHandles_.size()),
                 "bad storage handle");
  auto* instance = storageHandles_[handle];
  if (!instance || !instance->database) {
    js::throwError(info.GetIsolate(), "Error",
                   "SQL is not enabled for this Durable Object class. Use a "
                   "new_sqlite_classes migration to create it with SQLite storage.");
    return nullptr;
  }
  return instance->database.get();
}

namespace {

v8::Local<v8::Value> toJs(v8::Isolate* isolate, const storage::Value& value) {
  switch (value.index()) {
    case 0:
      return v8::Null(isolate);
    case 1:
      return v8::Number::New(isolate, static_cast<double>(std::get<int64_t>(value)));
    case 2:
      return v8::Number::New(isolate, std::get<double>(value));
    case 3:
      return toV8(isolate, std::get<std::string>(value));
    default: {
      const auto& bytes = std::get<storage::Blob>(value).bytes;
      auto buffer = v8::ArrayBuffer::New(isolate, bytes.size());
      if (!bytes.empty()) std::memcpy(buffer->Data(), bytes.data(), bytes.size());
      return buffer;
    }
  }
}

// JS binding values to SQL values, as workerd converts them: numbers as
// REAL, bytes as BLOB, null/undefined as NULL, everything else via String().
bool toSql(v8::Isolate* isolate, v8::Local<v8::Value> value, storage::Value& out) {
  auto context = isolate->GetCurrentContext();
  if (value->IsNull() || value->IsUndefined()) {
    out = std::monostate{};
  } else if (value->IsNumber()) {
    double number = value.As<v8::Number>()->Value();
    if (std::isnan(number)) {
      out = std::monostate{};
    } else {
      out = number;
    }
  } else if (value->IsString()) {
    out = toStdString(isolate, value);
  } else if (value->IsArrayBuffer()) {
    auto buffer = value.As<v8::ArrayBuffer>();
    auto* data = static_cast<const uint8_t*>(buffer->Data());
    out = storage::Blob{std::vector<uint8_t>(data, data + buffer->ByteLength())};
  } else if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    std::vector<uint8_t> bytes(view->ByteLength());
    view->CopyContents(bytes.data(), bytes.size());
    out = storage::Blob{std::move(bytes)};
  } else if (value->IsBigInt()) {
    js::throwError(isolate, "TypeError", "Cannot convert a BigInt value to a number");
    return false;
  } else {
    v8::Local<v8::String> text;
    if (!value->ToString(context).ToLocal(&text)) return false;
    out = toStdString(isolate, text);
  }
  return true;
}

}  // namespace

void ActorHost::sqlExec(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate_.context();
  auto* database = databaseOf(info);
  if (!database) return;

  auto query = toStdString(isolate, info[1]);
  std::vector<storage::Value> bindings;
  if (info[2]->IsArray()) {
    auto array = info[2].As<v8::Array>();
    for (uint32_t i = 0; i < array->Length(); ++i) {
      storage::Value value;
      if (!toSql(isolate, array->Get(context, i).ToLocalChecked(), value)) return;
      bindings.push_back(std::move(value));
    }
  }

  try {
    auto cursor = database->exec(query, std::move(bindings));
    auto columns = v8::Array::New(isolate);
    const auto& names = cursor.columnNames();
    for (uint32_t i = 0; i < names.size(); ++i) {
      columns->Set(context, i, toV8(isolate, names[i])).Check();
    }
    auto rows = v8::Array::New(isolate);
    std::vector<storage::Value> row;
    uint32_t count = 0;
    while (cursor.next(row)) {
      auto jsRow = v8::Array::New(isolate, static_cast<int>(row.size()));
      for (uint32_t i = 0; i < row.size(); ++i) {
        jsRow->Set(context, i, toJs(isolate, row[i])).Check();
      }
      rows->Set(context, count++, jsRow).Check();
    }
    auto result = v8::Object::New(isolate);
    result->Set(context, toV8(isolate, "columns"), columns).Check();
    result->Set(context, toV8(isolate, "rows"), rows).Check();
    result->Set(context, toV8(isolate, "rowsRead"),
                v8::Number::New(isolate, static_cast<double>(cursor.rowsRead())))
        .Check();
    result->Set(context, toV8(isolate, "rowsWritten"),
                v8::Number::New(isolate, static_cast<double>(cursor.rowsWritten())))
        .Check();
    info.GetReturnValue().Set(result);
  } catch (const storage::SqlError& e) {
    js::throwError(isolate, "Error", e.what());
  }
}

// ==== Incoming calls ========================================================

ActorHost::Instance& ActorHost::instanceFor(const rpc::Call& call) {
  std::string key = call.target.className + "/" + call.target.objectId;
  auto& slot = instances_[key];
  if (slot) return *slot;

  slot = std::make_unique<Instance>();
  auto& instance = *slot;
  instance.className = call.target.className;
  instance.hex = call.target.objectId;
  instance.name = call.target.objectName;
  instance.storageHandle = static_cast<int>(storageHandles_.size());
  storageHandles_.push_back(&instance);
  auto it = classes_.find(call.target.className);
  if (it != classes_.end() && it->second) {
    auto path = persistDir_ / "do" / worker_ / instance.className / (instance.hex + ".sqlite");
    instance.database = storage::Database::open(path);
  }

  // The constructor runs once; calls queue behind it.
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> args[] = {
      isolate_.mainExports(),
      toV8(isolate, instance.className),
      toV8(isolate, instance.hex),
      instance.name ? toV8(isolate, *instance.name).As<v8::Value>()
                    : v8::Undefined(isolate).As<v8::Value>(),
      v8::Integer::New(isolate, instance.storageHandle),
      env_.Get(isolate),
      v8::Undefined(isolate),
  };
  v8::Local<v8::Value> created;
  if (!isolate_.internal("createInstance")
           ->Call(context, v8::Undefined(isolate), 7, args)
           .ToLocal(&created)) {
    created = v8::Promise::Resolver::New(context).ToLocalChecked()->GetPromise();
  }
  std::string instanceKey = key;
  isolate_.whenSettled(
      created,
      [this, instanceKey](v8::Local<v8::Value> object) {
        auto found = instances_.find(instanceKey);
        if (found == instances_.end()) return;
        auto& ready = *found->second;
        ready.object.Reset(isolate_.v8(), object.As<v8::Object>());
        ready.ready = true;
        while (!ready.queue.empty()) {
          auto next = std::move(ready.queue.front());
          ready.queue.pop_front();
          run(ready, std::move(next));
        }
      },
      [this, instanceKey](v8::Local<v8::Value> error) {
        auto found = instances_.find(instanceKey);
        if (found == instances_.end()) return;
        // A constructor that throws fails the calls waiting for it; the
        // next call constructs the object again.
        auto failed = std::move(found->second);
        instances_.erase(found);
        storageHandles_[failed->storageHandle] = nullptr;
        log::error("actor", "constructor of " + failed->className + " threw: " +
                                isolate_.describe(error));
        for (auto& waiting : failed->queue) {
          replyError(waiting.reply, waiting.call.callId, error);
        }
      });
  return instance;
}

void ActorHost::deliver(rpc::Message message, rpc::Reply reply) {
  auto call = rpc::decodeCall(message);
  isolate_.run([&] {
    if (classes_.count(call.target.className) == 0) {
      replyErrorText(reply, call.callId, "Error",
                     "Worker \"" + worker_ + "\" has no Durable Object class \"" +
                         call.target.className + "\"");
      return;
    }
    auto& instance = instanceFor(call);
    PendingCall pending{std::move(call), std::move(reply)};
    if (!instance.ready) {
      instance.queue.push_back(std::move(pending));
      return;
    }
    run(instance, std::move(pending));
  });
}

void ActorHost::run(Instance& instance, PendingCall pending) {
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  v8::TryCatch tryCatch(isolate);
  auto callId = pending.call.callId;
  auto reply = pending.reply;

  v8::Local<v8::Value> args;
  if (!js::deserialize(isolate, pending.call.args).ToLocal(&args) || !args->IsArray()) {
    replyErrorText(reply, callId, "Error", "malformed RPC arguments");
    return;
  }
  v8::Local<v8::Value> invokeArgs[] = {instance.object.Get(isolate),
                                       toV8(isolate, pending.call.method), args};
  v8::Local<v8::Value> result;
  if (!isolate_.internal("invoke")
           ->Call(context, v8::Undefined(isolate), 3, invokeArgs)
           .ToLocal(&result)) {
    replyError(reply, callId, tryCatch.Exception());
    return;
  }
  isolate_.whenSettled(
      result,
      [this, reply, callId](v8::Local<v8::Value> value) {
        auto* isolate = isolate_.v8();
        v8::TryCatch tryCatch(isolate);
        auto bytes = js::serialize(isolate, value);
        if (!bytes) {
          replyError(reply, callId, tryCatch.Exception());
          return;
        }
        reply(rpc::encode(rpc::Return{callId, false, std::move(*bytes)}));
      },
      [this, reply, callId](v8::Local<v8::Value> error) { replyError(reply, callId, error); });
}

void ActorHost::replyError(const rpc::Reply& reply, uint64_t callId,
                           v8::Local<v8::Value> error) {
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> args[] = {error};
  v8::Local<v8::Value> wire;
  std::optional<std::string> bytes;
  if (isolate_.internal("errorToWire")
          ->Call(context, v8::Undefined(isolate), 1, args)
          .ToLocal(&wire)) {
    bytes = js::serialize(isolate, wire);
  }
  if (!bytes) {
    replyErrorText(reply, callId, "Error", "internal error: cannot send the thrown value");
    return;
  }
  reply(rpc::encode(rpc::Return{callId, true, std::move(*bytes)}));
}

void ActorHost::replyErrorText(const rpc::Reply& reply, uint64_t callId, const std::string& type,
                               const std::string& message) {
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  auto wire = v8::Object::New(isolate);
  wire->Set(context, toV8(isolate, "type"), toV8(isolate, type)).Check();
  wire->Set(context, toV8(isolate, "name"), toV8(isolate, type)).Check();
  wire->Set(context, toV8(isolate, "message"), toV8(isolate, message)).Check();
  auto bytes = js::serialize(isolate, wire);
  DOHOST_ASSERT(bytes.has_value());
  reply(rpc::encode(rpc::Return{callId, true, std::move(*bytes)}));
}

}  // namespace dohost::actor
