// RpcHost: calls leaving this isolate through stubs, their returns, and
// calls arriving for the objects this isolate owns.
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
}

void RpcHost::installNatives() {
  isolate_.addNative("stubCall",
                     [this](const v8::FunctionCallbackInfo<v8::Value>& info) { stubCall(info); });
  isolate_.addNative("stubFetch", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    // TODO(conform): stub.fetch() is not implemented yet; it throws. #3
    js::throwError(info.GetIsolate(), "Error",
                   "DurableObjectStub.fetch() is not implemented in dohost yet");
  });
}

// ==== Outgoing calls ========================================================

// stubCall(nsHandle, hex, name, method, args) -> Promise
void RpcHost::stubCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate_.context();

  rpc::Call call;
  call.callId = nextCallId_++;
  call.target = actors_->namespaceTarget(info[0]->Int32Value(context).FromMaybe(-1));
  call.target.objectId = toStdString(isolate, info[1]);
  if (info[2]->IsString()) call.target.objectName = toStdString(isolate, info[2]);
  call.method = toStdString(isolate, info[3]);

  // Arguments that cannot be cloned throw here, synchronously, as in workerd.
  auto args = js::serialize(isolate, info[4]);
  if (!args) return;
  call.args = std::move(*args);

  auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
  info.GetReturnValue().Set(resolver->GetPromise());
  if (!router_.has(call.target.worker)) {
    // TODO(conform): cross-process Workers are not reachable yet. #5
    v8::Local<v8::Value> error = v8::Exception::Error(toV8(
        isolate, "Worker \"" + call.target.worker + "\" is not running in this dohost process"));
    resolver->Reject(context, error).Check();
    return;
  }
  pending_[call.callId].Reset(isolate, resolver);
  auto target = call.target.worker;
  router_.send(target, rpc::encode(call), isolate_.loop(),
               [this](rpc::Message message) { onReturn(std::move(message)); });
}

void RpcHost::onReturn(rpc::Message message) {
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

void RpcHost::deliver(rpc::Message message, rpc::Reply reply) {
  auto call = std::make_shared<rpc::Call>(rpc::decodeCall(message));
  isolate_.run([&] {
    if (!actors_) {
      replyErrorText(reply, call->callId, "Error",
                     "Worker \"" + worker_ + "\" has no Durable Object classes");
      return;
    }
    actors_->dispatch(
        call->target,
        [this, call, reply](v8::Local<v8::Object> instance) {
          return invoke(instance, *call, reply);
        },
        [this, call, reply](v8::Local<v8::Value> error) {
          replyError(reply, call->callId, error);
        });
  });
}

v8::Local<v8::Value> RpcHost::invoke(v8::Local<v8::Object> object,
                                     const rpc::Call& call,
                                     const rpc::Reply& reply) {
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  v8::EscapableHandleScope scope(isolate);
  v8::TryCatch tryCatch(isolate);
  auto callId = call.callId;

  v8::Local<v8::Value> args;
  if (!js::deserialize(isolate, call.args).ToLocal(&args) || !args->IsArray()) {
    replyErrorText(reply, callId, "Error", "malformed RPC arguments");
    return scope.Escape(v8::Undefined(isolate));
  }
  v8::Local<v8::Value> invokeArgs[] = {object, toV8(isolate, call.method), args};
  v8::Local<v8::Value> result;
  if (!isolate_.internal("invoke")
           ->Call(context, v8::Undefined(isolate), 3, invokeArgs)
           .ToLocal(&result)) {
    replyError(reply, callId, tryCatch.Exception());
    return scope.Escape(v8::Undefined(isolate));
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
  return scope.Escape(result);
}

void RpcHost::replyError(const rpc::Reply& reply, uint64_t callId, v8::Local<v8::Value> error) {
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
