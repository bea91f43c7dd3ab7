// Durable Objects inside one Worker's isolate: namespaces and their IDs,
// and the live instances of the Worker's own classes with their SQLite
// storage. Calls to and from stubs are jsrpc's; this layer finds the
// instance a call is aimed at.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <v8.h>

#include "dohost/actor_id.h"
#include "dohost/js.h"
#include "dohost/jsrpc.h"
#include "dohost/rpc.h"

namespace dohost::actor {

// How a Worker's Durable Objects keep their data (see docs/storage.md).
struct StorageOptions {
  // Every object's database, and the alarm index, live in memory and go with the process.
  bool inMemory = false;
  // storage.deleteAll() deletes the alarm too (compatibility flag delete_all_deletes_alarm).
  bool deleteAllDeletesAlarm = false;
  // Puts off every commit by this long; for crash tests only (DOHOST_TEST_COMMIT_DELAY_MS).
  std::chrono::milliseconds commitDelay{0};
};

class StorageHost;

// The Durable Object machinery of one Worker's isolate. Lives on the
// isolate's loop; all methods run there.
class ActorHost final : public jsrpc::ActorDirectory {
 public:
  ActorHost(js::Isolate& isolate, std::string worker, std::filesystem::path persistDir);
  ~ActorHost() override;

  // Registers the natives the runtime bundle calls (ns*, sql*).
  // Call before isolate.start().
  void installNatives();

  // A namespace `env` exposes: class `className` of Worker `worker`.
  // Returns the handle the runtime passes back to the natives.
  int addNamespace(const std::string& worker, const std::string& className);

  // Marks `className` as a class of this Worker that others may call.
  // `identity` keys its object IDs (config::classIdentity); empty means the class name.
  void defineClass(const std::string& className, bool sqlite, const std::string& identity = "");

  // The classes defineClass() named, in name order.
  std::vector<std::string> classNames() const;

  // The Worker's env object, handed to each constructed instance.
  void setEnv(v8::Local<v8::Object> env);

  // Starts storage once classes and env are set: schedules the alarms kept from earlier runs.
  // Returns the problems found (each one line for the startup report).
  std::vector<std::string> startStorage(const StorageOptions& options);

  // How long an object may stay idle (no event waiting or running, no
  // blockConcurrencyWhile() in progress) before it is evicted; its storage
  // stays and the next event constructs it again. Process-wide; set before
  // any ActorHost exists. Default 10 s, as workerd.
  static void setDefaultIdleTimeout(std::chrono::milliseconds timeout);

  // Work of the isolate that may belong to an object (pending timers):
  // while it returns true, no object is evicted.
  void setBusyCheck(std::function<bool()> busy) {
    busy_ = std::move(busy);
  }

  void dispatch(const rpc::Target& target, Event event, Fail fail) override;
  void complete(v8::Local<v8::Value> scope, std::function<void()> completion) override;
  rpc::Target namespaceTarget(int handle) override;
  rpc::Reply outputGate(const rpc::Target& target, rpc::Reply reply) override;

 private:
  struct Namespace {
    std::string worker;
    std::string className;
    IdFactory ids;
  };
  friend class StorageHost;
  struct Instance;
  struct PendingEvent {
    Event event;
    Fail fail;
    // The event's reply went through outputGate(), which lets only the
    // first answer out: a reset may then fail it while it runs.
    bool failOnReset = false;
    // An I/O completion (complete()) rather than an event: it resolves a
    // promise of code running in `section` (0: outside any block).
    std::function<void()> completion;
    uint64_t section = 0;
  };

  Namespace& namespaceOf(const v8::FunctionCallbackInfo<v8::Value>& info);
  void installNamespaceNatives();

  // Instance lifecycle, in instances.cpp.
  Instance& instanceFor(const rpc::Target& target);
  Instance* find(const std::string& key, uint64_t generation);
  v8::Local<v8::Value> scopeOf(const Instance& instance, uint64_t section = 0);
  bool gateOpen(const Instance& instance) const;
  void pump(Instance& instance);
  void schedulePump(Instance& instance);
  void start(Instance& instance, PendingEvent pending);
  uint64_t lockGate(Instance& instance, uint64_t parent);
  void unlockGate(Instance& instance, uint64_t section);
  bool runnable(const Instance& instance, const PendingEvent& pending) const;
  void reset(Instance& instance, v8::Local<v8::Value> error);
  void maybeIdle(Instance& instance);
  void evict(Instance& instance);
  void installInstanceNatives();

  js::Isolate& isolate_;
  std::string worker_;
  std::filesystem::path persistDir_;
  std::vector<std::unique_ptr<Namespace>> namespaces_;
  std::map<std::string, bool> classes_;            // className -> SQLite-backed
  std::map<std::string, std::string> identities_;  // className -> what its IDs are keyed to
  std::string identityOf(const std::string& className) const;
  v8::Global<v8::Object> env_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;  // by className + "/" + hex
  std::vector<Instance*> storageHandles_;
  std::function<bool()> busy_;
  // The object outputGate() last wrapped a reply for; the dispatch() that
  // follows it for that object is an event a reset may fail.
  std::string lastGuardedKey_;
  // Expires with the host: tasks it posted to the loop check it first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<StorageHost> storage_;  // ctx.storage of the instances
};

}  // namespace dohost::actor
