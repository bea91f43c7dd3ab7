// RpcHost: calls leaving this isolate through stubs, their returns, and
// calls arriving for the objects this isolate owns.
#include <cstring>
#include <tuple>
#include <utility>

#include "dohost/assert.h"
#include "dohost/jsrpc.h"
#include "dohost/log.h"

namespace dohost::jsrpc {

using js::toStdString;
using js::toV8;

RpcHost::RpcHost(js::Isolate& isolate, rpc::Router& router, std::string worker)
    : isolate_(isolate), router_(router), worker_(std::move(worker)) {}

RpcHost::~RpcHost() {
  v8::Isolate::Scope scope(isolate_.v8());
  pending_.clear();
  scopes_.clear();
  env_.Reset();
}

int RpcHost::addService(const std::string& binding,
                        const std::string& worker,
                        const std::string& entrypoint) {
  services_.push_back(Service{binding, worker, entrypoint});
  return static_cast<int>(services_.size() - 1);
}

void RpcHost::setEnv(v8::Local<v8::Object> env) {
  env_.Reset(isolate_.v8(), env);
}

void RpcHost::installNatives() {
  isolate_.addNative("rpcCall",
                     [this](const v8::FunctionCallbackInfo<v8::Value>& info) { rpcCall(info); });
  // [worker, className] of a namespace handle, for a stub sent as a value.
  isolate_.addNative("rpcNamespaceTarget", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    auto target = actors_->namespaceTarget(info[0]->Int32Value(isolate_.context()).FromMaybe(-1));
    v8::Local<v8::Value> items[] = {toV8(isolate, target.worker), toV8(isolate, target.className)};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
  });
  // Whether a value is a Proxy, which JavaScript cannot tell: workerd sends
  // a Proxy by reference, as a stub.
  isolate_.addNative("rpcIsProxy", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    info.GetReturnValue().Set(info[0]->IsProxy());
  });
  // [worker, entrypoint] of a service binding handle.
  isolate_.addNative("rpcServiceTarget", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
    DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(services_.size()),
                   "bad service handle");
    v8::Local<v8::Value> items[] = {toV8(isolate, services_[handle].worker),
                                    toV8(isolate, services_[handle].entrypoint)};
    info.GetReturnValue().Set(v8::Array::New(isolate, items, 2));
  });
}

void RpcHost::configure(const std::string& compatibilityDate,
                        const std::vector<std::string>& compatibilityFlags,
                        const Limits& limits) {
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  auto flags = v8::Array::New(isolate, static_cast<int>(compatibilityFlags.size()));
  for (uint32_t i = 0; i < compatibilityFlags.size(); ++i) {
    flags->Set(context, i, toV8(isolate, compatibilityFlags[i])).Check();
  }
  auto jsLimits = v8::Object::New(isolate);
  jsLimits->Set(context, toV8(isolate, "enforce"), v8::Boolean::New(isolate, limits.enforce))
      .Check();
  jsLimits
      ->Set(context, toV8(isolate, "serviceInvocations"),
            v8::Number::New(isolate, limits.serviceInvocations))
      .Check();
  jsLimits->Set(context, toV8(isolate, "subrequests"), v8::Number::New(isolate, limits.subrequests))
      .Check();
  v8::Local<v8::Value> args[] = {toV8(isolate, worker_), toV8(isolate, compatibilityDate), flags,
                                 jsLimits};
  isolate_.internal("configureRpc")
      ->Call(context, v8::Undefined(isolate), 4, args)
      .ToLocalChecked();
}

// ==== Outgoing calls ========================================================

namespace {

// Stub kinds, as runtime/cloudflare/rpc.js numbers them.
constexpr int kKindActor = 0;
constexpr int kKindService = 1;
constexpr int kKindExport = 2;
constexpr int kKindActorAddress = 3;
constexpr int kKindServiceAddress = 4;

}  // namespace

// rpcCall(target, path, op, args, hasCaps) -> Promise, where target is one of
// the arrays runtime/cloudflare/rpc.js describes.
void RpcHost::rpcCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate_.context();

  rpc::Call call;
  call.callId = nextCallId_++;
  call.caller = worker_;
  auto address = info[0].As<v8::Array>();
  auto item = [&](uint32_t i) { return address->Get(context, i).ToLocalChecked(); };
  int kind = item(0)->Int32Value(context).FromMaybe(-1);
  if (kind == kKindActor || kind == kKindActorAddress) {
    uint32_t next = 1;
    if (kind == kKindActor) {
      DOHOST_REQUIRE(actors_ != nullptr, "no actor directory");
      call.target = actors_->namespaceTarget(item(next++)->Int32Value(context).FromMaybe(-1));
    } else {
      call.target.worker = toStdString(isolate, item(next++));
      call.target.className = toStdString(isolate, item(next++));
    }
    call.target.objectId = toStdString(isolate, item(next++));
    auto name = item(next);
    if (name->IsString()) call.target.objectName = toStdString(isolate, name);
  } else if (kind == kKindService) {
    int handle = item(1)->Int32Value(context).FromMaybe(-1);
    DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(services_.size()),
                   "bad service handle");
    const auto& service = services_[handle];
    call.target.worker = service.worker;
    call.target.entrypoint = service.entrypoint;
  } else if (kind == kKindServiceAddress) {
    call.target.worker = toStdString(isolate, item(1));
    call.target.entrypoint = toStdString(isolate, item(2));
  } else {
    DOHOST_REQUIRE(kind == kKindExport, "bad stub target");
    call.target.worker = toStdString(isolate, item(1));
    call.target.exportId = static_cast<uint64_t>(item(2)->IntegerValue(context).FromMaybe(0));
  }
  auto path = info[1].As<v8::Array>();
  uint32_t length = path->Length();
  for (uint32_t i = 0; i < length; ++i) {
    auto name = toStdString(isolate, path->Get(context, i).ToLocalChecked());
    if (i + 1 < length) {
      call.path.push_back(std::move(name));
    } else {
      call.method = std::move(name);
    }
  }
  call.op = static_cast<rpc::Op>(info[2]->Int32Value(context).FromMaybe(0));
  call.hasCaps = info[4]->IsTrue();

  // Arguments that cannot be cloned throw here, synchronously, as in workerd.
  auto args = js::serialize(isolate, info[3]);
  if (!args) return;
  call.args = std::move(*args);

  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  // The router finds the Worker in this process or, through the dev
  // registry, in another one; a Worker that runs nowhere gets a failure.
  pending_[call.callId].Reset(isolate, resolver);
  // Whose work the call is (a Durable Object's, maybe inside a
  // blockConcurrencyWhile()): its result goes back through that owner's gate.
  scopes_[call.callId].Reset(isolate, context->GetContinuationPreservedEmbedderData());
  // A Worker that no process runs answers fetch() with a 503 rather than an error.
  if (call.op == rpc::Op::kFetch) fetches_[call.callId] = call.target.worker;
  auto worker = call.target.worker;
  router_.send(worker, rpc::encode(call), isolate_.loop(),
               [this](rpc::Message message) { onReturn(std::move(message)); });
}

void RpcHost::onReturn(rpc::Message message) {
  auto ret = rpc::decodeReturn(message);
  auto it = pending_.find(ret.callId);
  if (it == pending_.end()) return;
  auto global = std::move(it->second);
  pending_.erase(it);
  std::optional<std::string> fetchedWorker;
  if (auto fetch = fetches_.find(ret.callId); fetch != fetches_.end()) {
    fetchedWorker = std::move(fetch->second);
    fetches_.erase(fetch);
  }
  v8::Global<v8::Value> scope;
  if (auto found = scopes_.find(ret.callId); found != scopes_.end()) {
    scope = std::move(found->second);
    scopes_.erase(found);
  }
  auto state = std::make_shared<
      std::tuple<rpc::Return, v8::Global<v8::Promise::Resolver>, std::optional<std::string>>>(
      std::move(ret), std::move(global), std::move(fetchedWorker));
  auto completion = [this, state] {
    auto& [ret, global, fetchedWorker] = *state;
    settleReturn(ret, global, fetchedWorker);
  };
  if (!actors_ || scope.IsEmpty()) {
    isolate_.run(completion);
    return;
  }
  v8::Isolate::Scope isolateScope(isolate_.v8());
  v8::HandleScope handles(isolate_.v8());
  auto context = isolate_.context();
  v8::Context::Scope contextScope(context);
  actors_->complete(scope.Get(isolate_.v8()), completion);
}

void RpcHost::settleReturn(const rpc::Return& ret,
                           v8::Global<v8::Promise::Resolver>& global,
                           const std::optional<std::string>& fetchedWorker) {
  {
    auto* isolate = isolate_.v8();
    auto context = isolate_.context();
    auto resolver = global.Get(isolate);
    v8::TryCatch tryCatch(isolate);
    if (ret.isFailure) {
      // The call never reached an answer: its Worker runs nowhere, or its
      // process went away. wrangler dev answers a fetch() to a Worker it
      // cannot find with a 503 carrying the same message.
      v8::Local<v8::Object> response;
      if (fetchedWorker && ret.payload == rpc::workerNotFoundMessage(*fetchedWorker) &&
          unavailableResponse(ret.payload).ToLocal(&response)) {
        resolver->Resolve(context, response).Check();
      } else {
        resolver->Reject(context, v8::Exception::Error(toV8(isolate, ret.payload))).Check();
      }
      return;
    }
    v8::Local<v8::Value> value;
    if (!js::deserialize(isolate, ret.payload).ToLocal(&value)) {
      resolver->Reject(context, tryCatch.Exception()).Check();
      return;
    }
    if (!ret.isError) {
      // Object results gain Symbol.dispose (and their stubs, if any, are
      // revived) here rather than in a promise reaction of their own.
      if (ret.hasCaps || value->IsObject()) {
        v8::Local<v8::Value> reviveArgs[] = {value};
        if (!isolate_.internal(ret.hasCaps ? "reviveResult" : "withDispose")
                 ->Call(context, v8::Undefined(isolate), 1, reviveArgs)
                 .ToLocal(&value)) {
          resolver->Reject(context, tryCatch.Exception()).Check();
          return;
        }
      }
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
  }
}

v8::MaybeLocal<v8::Object> RpcHost::unavailableResponse(const std::string& message) {
  // new Response(message, {status: 503}), as wrangler dev's proxy answers.
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  auto init = v8::Object::New(isolate);
  init->Set(context, toV8(isolate, "status"), v8::Integer::New(isolate, 503)).Check();
  v8::Local<v8::Value> args[] = {toV8(isolate, message), init};
  auto constructor = context->Global()->Get(context, toV8(isolate, "Response")).ToLocalChecked();
  if (!constructor->IsFunction()) return {};
  return constructor.As<v8::Function>()->NewInstance(context, 2, args);
}

// ==== Incoming calls ========================================================

namespace {

v8::Local<v8::Array> pathArray(v8::Isolate* isolate, const rpc::Call& call) {
  auto context = isolate->GetCurrentContext();
  bool whole = call.path.empty() && call.method.empty();  // the target itself
  auto path = v8::Array::New(isolate, static_cast<int>(call.path.size() + (whole ? 0 : 1)));
  uint32_t i = 0;
  for (const auto& name : call.path) path->Set(context, i++, toV8(isolate, name)).Check();
  if (!whole) path->Set(context, i, toV8(isolate, call.method)).Check();
  return path;
}

}  // namespace

void RpcHost::deliver(rpc::Message message, rpc::Reply reply) {
  auto call = std::make_shared<rpc::Call>(rpc::decodeCall(message));
  isolate_.run([&] {
    auto* isolate = isolate_.v8();
    auto context = isolate_.context();
    v8::TryCatch tryCatch(isolate);
    v8::Local<v8::Value> args;
    if (!js::deserialize(isolate, call->args).ToLocal(&args) || !args->IsArray()) {
      replyErrorText(reply, call->callId, "Error", "malformed RPC arguments");
      return;
    }
    auto op = v8::Integer::New(isolate, static_cast<int>(call->op));
    auto hasCaps = v8::Boolean::New(isolate, call->hasCaps);

    if (call->target.exportId != 0) {
      v8::Local<v8::Value> invokeArgs[] = {
          v8::Number::New(isolate, static_cast<double>(call->target.exportId)), op,
          pathArray(isolate, *call), args, hasCaps};
      v8::Local<v8::Value> result;
      if (!isolate_.internal("invokeExport")
               ->Call(context, v8::Undefined(isolate), 5, invokeArgs)
               .ToLocal(&result)) {
        replyError(reply, call->callId, tryCatch.Exception());
        return;
      }
      replyWith(result, call->callId, reply);
      return;
    }

    if (call->target.className.empty()) {
      // An entrypoint of this Worker.
      v8::Local<v8::Value> invokeArgs[] = {isolate_.mainExports(),
                                           toV8(isolate, call->target.entrypoint),
                                           env_.Get(isolate),
                                           op,
                                           pathArray(isolate, *call),
                                           args,
                                           hasCaps};
      v8::Local<v8::Value> result;
      if (!isolate_.internal("invokeEntrypoint")
               ->Call(context, v8::Undefined(isolate), 7, invokeArgs)
               .ToLocal(&result)) {
        replyError(reply, call->callId, tryCatch.Exception());
        return;
      }
      replyWith(result, call->callId, reply);
      return;
    }

    if (!actors_) {
      replyErrorText(reply, call->callId, "Error",
                     "Worker \"" + worker_ + "\" has no Durable Object classes");
      return;
    }
    // The reply leaves once the object's writes before it are durable.
    reply = actors_->outputGate(call->target, std::move(reply));
    auto argsGlobal = std::make_shared<v8::Global<v8::Value>>(isolate, args);
    actors_->dispatch(
        call->target,
        [this, call, reply, argsGlobal](v8::Local<v8::Object> instance) {
          auto* isolate = isolate_.v8();
          v8::EscapableHandleScope scope(isolate);
          v8::TryCatch tryCatch(isolate);
          v8::Local<v8::Value> invokeArgs[] = {
              instance, v8::Integer::New(isolate, static_cast<int>(call->op)),
              pathArray(isolate, *call), argsGlobal->Get(isolate),
              v8::Boolean::New(isolate, call->hasCaps)};
          argsGlobal->Reset();
          v8::Local<v8::Value> result;
          if (!isolate_.internal("invokeActor")
                   ->Call(isolate_.context(), v8::Undefined(isolate), 5, invokeArgs)
                   .ToLocal(&result)) {
            replyError(reply, call->callId, tryCatch.Exception(), call->target.objectId);
            return scope.Escape(v8::Undefined(isolate).As<v8::Value>());
          }
          replyWith(result, call->callId, reply, call->target.objectId);
          return scope.Escape(result);
        },
        [this, call, reply](v8::Local<v8::Value> error) {
          replyError(reply, call->callId, error, call->target.objectId);
        });
  });
}

void RpcHost::replyWith(v8::Local<v8::Value> result,
                        uint64_t callId,
                        const rpc::Reply& reply,
                        const std::string& objectId) {
  isolate_.whenSettled(
      result,
      [this, reply, callId, objectId](v8::Local<v8::Value> settled) {
        // The runtime answers [value, hasCaps].
        auto* isolate = isolate_.v8();
        auto context = isolate_.context();
        v8::TryCatch tryCatch(isolate);
        auto pair = settled.As<v8::Array>();
        auto value = pair->Get(context, 0).ToLocalChecked();
        bool hasCaps = pair->Get(context, 1).ToLocalChecked()->IsTrue();
        auto bytes = js::serialize(isolate, value);
        if (!bytes) {
          replyError(reply, callId, tryCatch.Exception(), objectId);
          return;
        }
        rpc::Return ret{callId, false, std::move(*bytes)};
        ret.hasCaps = hasCaps;
        reply(rpc::encode(ret));
      },
      [this, reply, callId, objectId](v8::Local<v8::Value> error) {
        replyError(reply, callId, error, objectId);
      });
}

void RpcHost::replyError(const rpc::Reply& reply,
                         uint64_t callId,
                         v8::Local<v8::Value> error,
                         const std::string& objectId) {
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> args[] = {error, objectId.empty() ? v8::Undefined(isolate).As<v8::Value>()
                                                         : toV8(isolate, objectId).As<v8::Value>()};
  v8::Local<v8::Value> wire;
  std::optional<std::string> bytes;
  if (isolate_.internal("errorToWire")
          ->Call(context, v8::Undefined(isolate), 2, args)
          .ToLocal(&wire)) {
    bytes = js::serialize(isolate, wire);
  }
  if (!bytes) {
    replyErrorText(reply, callId, "Error", "internal error: cannot send the thrown value");
    return;
  }
  reply(rpc::encode(rpc::Return{callId, true, std::move(*bytes)}));
}

void RpcHost::replyErrorText(const rpc::Reply& reply,
                             uint64_t callId,
                             const std::string& type,
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

}  // namespace dohost::jsrpc
