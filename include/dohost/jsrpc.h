// JS RPC inside one Worker's isolate: the stubs user code calls, the calls
// that leave as rpc messages and the returns that come back, and the
// delivery of incoming calls to their target (a Durable Object instance,
// found through an ActorDirectory).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <v8.h>

#include "dohost/js.h"
#include "dohost/rpc.h"

namespace dohost::jsrpc {

// Finds the Durable Object instance a call is aimed at, in the isolate that
// owns the class. Implemented by the actor layer, which owns instance
// lifecycles and the input gate.
class ActorDirectory {
 public:
  virtual ~ActorDirectory() = default;

  // Runs the event on the instance; returns what the event's handler
  // returned (a promise for async work), so the directory knows when the
  // event ends.
  using Event = std::function<v8::Local<v8::Value>(v8::Local<v8::Object> instance)>;
  // Reports that the event cannot run: `error` is the JavaScript error to
  // send back to the caller.
  using Fail = std::function<void(v8::Local<v8::Value> error)>;

  // Finds or constructs the instance `target` addresses and runs `event`
  // on it once the instance may take it, in arrival order; or calls `fail`.
  // Called on the isolate's loop, inside Isolate::run.
  virtual void dispatch(const rpc::Target& target, Event event, Fail fail) = 0;

  // The Worker and class of namespace `handle` (a handle the runtime got
  // from `env`), as the start of a call's target.
  virtual rpc::Target namespaceTarget(int handle) = 0;

  // Runs `completion` (an I/O result that enters JavaScript through
  // Isolate::run) for code that started the I/O in `scope` (the
  // continuation-preserved embedder data then): now, or, when `scope` is a
  // Durable Object's and its input gate is held by a blockConcurrencyWhile()
  // callback the code is not part of, once the gate lets it in, in order
  // with the object's events. Call on the isolate's loop, outside
  // JavaScript.
  virtual void complete(v8::Local<v8::Value> scope, std::function<void()> completion) {
    completion();
  }

  // Wraps the reply to a call for `target` so that it leaves only once the
  // writes the object made before it are durable (its output gate). Call
  // the wrapped reply on the isolate's loop.
  virtual rpc::Reply outputGate(const rpc::Target& target, rpc::Reply reply) {
    return reply;
  }
};

// Cloudflare's per-request limits on calls through bindings, counted for
// each incoming request. workerd does not enforce them locally; dohost
// does unless told not to.
struct Limits {
  bool enforce = true;
  unsigned serviceInvocations = 32;  // service binding calls per request
  unsigned subrequests = 10000;      // Durable Object and service calls per request
};

// The JS RPC machinery of one isolate. Lives on the isolate's loop; every
// method but loop() runs there.
class RpcHost final : public rpc::Endpoint {
 public:
  RpcHost(js::Isolate& isolate, rpc::Router& router, std::string worker);
  ~RpcHost() override;

  // Registers the natives the runtime bundle calls (rpcCall). Call before
  // isolate.start().
  void installNatives();

  // Where calls to this Worker's Durable Objects go. Must outlive this.
  void setActors(ActorDirectory* actors) {
    actors_ = actors;
  }

  // A service binding of this Worker to entrypoint `entrypoint` ("" for the
  // default export) of Worker `worker`, named `binding` in env. Returns the
  // handle the runtime passes back to rpcCall.
  int addService(const std::string& binding,
                 const std::string& worker,
                 const std::string& entrypoint);

  // The Worker's env object, handed to entrypoints. Call after start().
  void setEnv(v8::Local<v8::Object> env);

  // Tells the runtime this Worker's name and compatibility settings. Call
  // after start(), inside Isolate::run.
  void configure(const std::string& compatibilityDate,
                 const std::vector<std::string>& compatibilityFlags,
                 const Limits& limits);

  EventLoop& loop() override {
    return isolate_.loop();
  }
  void deliver(rpc::Message call, rpc::Reply reply) override;

 private:
  struct Service {
    std::string binding;
    std::string worker;
    std::string entrypoint;
  };

  void rpcCall(const v8::FunctionCallbackInfo<v8::Value>& info);
  void onReturn(rpc::Message message);
  // Resolves or rejects a call's promise with its Return. Inside Isolate::run.
  void settleReturn(const rpc::Return& ret,
                    v8::Global<v8::Promise::Resolver>& global,
                    const std::optional<std::string>& fetchedWorker);
  // The Response a fetch() gets from a Worker no process runs.
  v8::MaybeLocal<v8::Object> unavailableResponse(const std::string& message);
  // Replies to a call with what `result` (a value or a promise) settles to.
  // `objectId`: the Durable Object the call ran on, if any (enhanced error
  // serialization tells the caller).
  void replyWith(v8::Local<v8::Value> result,
                 uint64_t callId,
                 const rpc::Reply& reply,
                 const std::string& objectId = "");
  void replyError(const rpc::Reply& reply,
                  uint64_t callId,
                  v8::Local<v8::Value> error,
                  const std::string& objectId = "");
  void replyErrorText(const rpc::Reply& reply,
                      uint64_t callId,
                      const std::string& type,
                      const std::string& message);

  js::Isolate& isolate_;
  rpc::Router& router_;
  std::string worker_;
  ActorDirectory* actors_ = nullptr;
  std::vector<Service> services_;
  v8::Global<v8::Object> env_;
  uint64_t nextCallId_ = 1;
  std::map<uint64_t, v8::Global<v8::Promise::Resolver>> pending_;
  // The async scope each pending call was made in (see ActorDirectory::complete).
  std::map<uint64_t, v8::Global<v8::Value>> scopes_;
  std::map<uint64_t, std::string> fetches_;  // callId -> target Worker, for fetch() calls
};

}  // namespace dohost::jsrpc
