// StorageHost: `ctx.storage` for the objects of one ActorHost. It opens each object's database,
// gives the runtime its natives (SQL cursors, key-value API, transactions, alarms), gates the
// objects' replies on their commits and schedules their alarms. Lives on the isolate's loop.
#pragma once

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

#include "dohost/actor.h"
#include "dohost/storage.h"

#include "object_storage.h"

namespace dohost::actor {

class AlarmScheduler;

class StorageHost {
 public:
  explicit StorageHost(ActorHost& host);
  ~StorageHost();
  StorageHost(const StorageHost&) = delete;
  StorageHost& operator=(const StorageHost&) = delete;

  // Registers the storage natives. Before the isolate starts.
  void installNatives();

  // Takes the Worker's storage options, opens its alarm index and schedules the alarms found
  // there (those whose time has passed fire at once). Returns the problems found, for the
  // startup report.
  std::vector<std::string> start(const StorageOptions& options);

  // The storage of a new instance, its database at `path` (unless storage is in memory). Never
  // throws: a database that cannot be opened gives an ObjectStorage whose every operation
  // throws a clear error.
  std::unique_ptr<ObjectStorage> open(int handle,
                                      const std::string& className,
                                      const std::string& hex,
                                      const std::optional<std::string>& name,
                                      const std::filesystem::path& path,
                                      bool sqlEnabled);

  // ActorDirectory::outputGate for the instance at `key` (className + "/" + hex).
  rpc::Reply outputGate(std::string key, rpc::Reply reply);

  // Delivers an alarm event for (className, hex) through ActorHost, constructing the object if
  // needed; `done` gets the outcome once the event's writes are committed.
  void fireAlarm(const std::string& className,
                 const std::string& hex,
                 const std::optional<std::string>& name,
                 int64_t time,
                 uint32_t retryCount,
                 std::function<void(const std::string&)> done);

  bool hasClass(const std::string& className) const;
  EventLoop& loop();

  // How long the alarm handler waits before retry number `retry` (1 for the first): workerd's
  // 2 s doubling per retry, plus up to a quarter of it at random (`jitter` in [0, 1]).
  static int64_t retryDelayMs(uint32_t retry, double jitter);

  // workerd gives up on an alarm after this many failed retries.
  static constexpr uint32_t kMaxRetries = 6;

 private:
  friend class AlarmScheduler;
  struct CursorHandle;

  ObjectStorage* storageOf(const v8::FunctionCallbackInfo<v8::Value>& info);
  storage::Database* databaseOf(const v8::FunctionCallbackInfo<v8::Value>& info, bool sql);
  v8::Local<v8::Object> wrapCursor(storage::Cursor cursor);
  CursorHandle* cursorOf(const v8::FunctionCallbackInfo<v8::Value>& info);

  // The natives, one per runtime operation.
  void sqlExec(const v8::FunctionCallbackInfo<v8::Value>& info);
  void kvGet(const v8::FunctionCallbackInfo<v8::Value>& info, bool many);
  void kvPut(const v8::FunctionCallbackInfo<v8::Value>& info, bool many);
  void kvDelete(const v8::FunctionCallbackInfo<v8::Value>& info, bool many);
  void kvList(const v8::FunctionCallbackInfo<v8::Value>& info);
  void kvDeleteAll(const v8::FunctionCallbackInfo<v8::Value>& info);
  void alarmGet(const v8::FunctionCallbackInfo<v8::Value>& info);
  void alarmSet(const v8::FunctionCallbackInfo<v8::Value>& info);
  void txnBegin(const v8::FunctionCallbackInfo<v8::Value>& info);
  void txnEnd(const v8::FunctionCallbackInfo<v8::Value>& info, bool commit);

  // The object's alarm as the scheduler should know it, after a rollback may have changed it.
  void resyncAlarm(ObjectStorage& object);
  // A newly opened object: make sure the alarm in its database is scheduled.
  void adoptStoredAlarm(ObjectStorage& object);
  void scheduleAlarm(ObjectStorage& object, std::optional<int64_t> time);

  // Runs the alarm() event of the instance at `key`, whose object is `object`; `done` gets the
  // outcome once the event's writes are committed. Returns what the handler returned.
  v8::Local<v8::Value> runAlarm(const std::string& key,
                                v8::Local<v8::Object> object,
                                int64_t scheduled,
                                uint32_t retryCount,
                                std::function<void(const std::string&)> done);

  // A commit failed: the object's memory may not match its storage any more, so it is dropped
  // and the next event builds it afresh.
  void resetObject(int handle, const std::string& reason);

  // Answers the call `ret` replied to with workerd's error for a broken output gate.
  void replyStorageFailure(rpc::Reply reply, const rpc::Message& ret);

  ObjectStorage* objectAt(const std::string& key);
  // Opens the object's database if that was not tried yet. False when it cannot be opened
  // (object.openError says why).
  bool connect(ObjectStorage& object);
  // The storage of the instance behind a runtime handle; null once it is gone.
  ObjectStorage* objectFor(int handle);

  ActorHost& host_;
  StorageOptions options_;
  v8::Global<v8::ObjectTemplate> cursorTemplate_;
  std::unique_ptr<AlarmScheduler> alarms_;
  // In-memory mode: every object's database, kept for the life of the process.
  std::map<std::string, std::shared_ptr<storage::Database>> memoryDatabases_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dohost::actor
