// ActorHost: Durable Object namespaces, stubs and live instances of one
// Worker's isolate. Calls leave as rpc messages and come back as returns;
// every instance's events run on the isolate's loop in arrival order.
#include <utility>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/log.h"
#include "dohost/storage.h"
#include "instance.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

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
  installNamespaceNatives();
  isolate_.addNative("stubCall", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    stubCall(info);
  });
  isolate_.addNative("stubFetch", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    // TODO(conform): stub.fetch() is not implemented yet; it throws. #3
    js::throwError(info.GetIsolate(), "Error",
                   "DurableObjectStub.fetch() is not implemented in dohost yet");
  });
  installStorageNatives();
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
  if (!router_.has(ns.worker)) {
    // TODO(conform): cross-process Workers are not reachable yet. #5
    v8::Local<v8::Value> error = v8::Exception::Error(
        toV8(isolate, "Worker \"" + ns.worker + "\" is not running in this dohost process"));
    resolver->Reject(context, error).Check();
    return;
  }
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
  // The jurisdiction is read back from the ID itself.
  auto parsed = IdFactory(worker_, instance.className).parse(instance.hex);
  auto jurisdiction = parsed.id ? parsed.id->jurisdiction : Jurisdiction::kNone;
  auto it = classes_.find(call.target.className);
  if (it != classes_.end() && it->second) {
    auto folder = persistDir_ / "do" / worker_ / instance.className;
    if (jurisdiction != Jurisdiction::kNone) folder /= std::string(jurisdictionName(jurisdiction));
    instance.database = storage::Database::open(folder / (instance.hex + ".sqlite"));
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
      toV8(isolate, jurisdictionName(jurisdiction)),
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
