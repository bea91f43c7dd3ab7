// Durable Objects inside one Worker's isolate: namespaces and their IDs,
// stubs whose calls travel as rpc messages, and the live instances of the
// Worker's own classes with their SQLite storage.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <v8.h>

#include "dohost/actor_id.h"
#include "dohost/js.h"
#include "dohost/rpc.h"

namespace dohost::storage {
class Database;
}

namespace dohost::actor {

// The Durable Object machinery of one Worker's isolate. Lives on the
// isolate's loop; all methods but loop() run there.
class ActorHost final : public rpc::Endpoint {
 public:
  ActorHost(js::Isolate& isolate, rpc::Router& router, std::string worker,
            std::filesystem::path persistDir);
  ~ActorHost() override;

  // Registers the natives the runtime bundle calls (ns*, stub*, sql*).
  // Call before isolate.start().
  void installNatives();

  // A namespace `env` exposes: class `className` of Worker `worker`.
  // Returns the handle the runtime passes back to the natives.
  int addNamespace(const std::string& worker, const std::string& className);

  // Marks `className` as a class of this Worker that others may call.
  void defineClass(const std::string& className, bool sqlite);

  // The Worker's env object, handed to each constructed instance.
  void setEnv(v8::Local<v8::Object> env);

  EventLoop& loop() override { return isolate_.loop(); }
  void deliver(rpc::Message call, rpc::Reply reply) override;

 private:
  struct Namespace {
    std::string worker;
    std::string className;
    IdFactory ids;
  };
  struct Instance;
  struct PendingCall {
    rpc::Call call;
    rpc::Reply reply;
  };

  Namespace& namespaceOf(const v8::FunctionCallbackInfo<v8::Value>& info);
  void installNamespaceNatives();
  void stubCall(const v8::FunctionCallbackInfo<v8::Value>& info);
  // ctx.storage natives, in storage_natives.cpp.
  void installStorageNatives();
  void sqlExec(const v8::FunctionCallbackInfo<v8::Value>& info);
  storage::Database* databaseOf(const v8::FunctionCallbackInfo<v8::Value>& info);

  Instance& instanceFor(const rpc::Call& call);
  void run(Instance& instance, PendingCall pending);
  void replyError(const rpc::Reply& reply, uint64_t callId, v8::Local<v8::Value> error);
  void replyErrorText(const rpc::Reply& reply, uint64_t callId, const std::string& type,
                      const std::string& message);
  void onReturn(rpc::Message message);

  js::Isolate& isolate_;
  rpc::Router& router_;
  std::string worker_;
  std::filesystem::path persistDir_;
  std::vector<std::unique_ptr<Namespace>> namespaces_;
  std::map<std::string, bool> classes_;  // className -> SQLite-backed
  v8::Global<v8::Object> env_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;  // by className + "/" + hex
  std::vector<Instance*> storageHandles_;
  uint64_t nextCallId_ = 1;
  std::map<uint64_t, v8::Global<v8::Promise::Resolver>> pending_;
};

}  // namespace dohost::actor
