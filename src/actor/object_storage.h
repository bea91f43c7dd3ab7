// The storage side of one live Durable Object: its database, the output gate that holds its
// replies until its writes are committed, and the state of its alarm handler. Shared by the
// files of ActorHost; lives on the isolate's loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "dohost/event_loop.h"
#include "dohost/rpc.h"
#include "dohost/storage.h"

namespace dohost::actor {

// Writes made while an object handles events are gathered in one SQLite transaction (the
// database's batch) and committed by a task posted to the loop, so every event that ran before
// that task shares one commit. A reply that leaves the object waits for that commit when the
// object has uncommitted writes: what a caller was told is written survives a crash.
//
// TODO(conform): only replies wait; calls and fetches the object makes leave at once, where
// workerd holds them too until the earlier writes are committed.
class OutputGate : public std::enable_shared_from_this<OutputGate> {
 public:
  // A commit failed: the object's memory may no longer match its storage.
  using Failure = std::function<void(const std::string& reason)>;

  // `commitDelay`, normally zero, puts every commit off by that long: a fault-injection aid that
  // widens the window between a write and its commit (DOHOST_TEST_COMMIT_DELAY_MS).
  OutputGate(EventLoop& loop,
             storage::Database& database,
             Failure onFailure,
             std::chrono::milliseconds commitDelay = {});

  // Runs `then` once the writes made so far are committed: now if there are none, else after
  // the commit. Waiting work keeps its order. If the commit fails, or the writes are discarded,
  // `fail` runs instead with the reason.
  void whenDurable(std::function<void()> then, std::function<void(const std::string&)> fail);

  // Asks for a commit on a later turn of the loop, unless one is already asked for.
  void schedule();

  // Commits the pending writes now and lets the held replies go. Does nothing while a
  // transaction() or transactionSync() savepoint is open (its end schedules the commit again).
  // Returns false when the commit failed; the held replies then went to onFailure.
  bool commit();

  // Drops the pending writes; the work waiting for them fails with `reason`.
  void discard(const std::string& reason);

  // The database is going away: no more commits.
  void detach();

 private:
  EventLoop& loop_;
  storage::Database* database_;
  std::chrono::milliseconds commitDelay_;
  std::unique_ptr<boost::asio::steady_timer> delayTimer_;
  Failure onFailure_;
  bool scheduled_ = false;
  struct Waiting {
    std::function<void()> then;
    std::function<void(const std::string&)> fail;
  };
  void failWaiting(const std::string& reason);

  std::deque<Waiting> held_;
};

// One live object's storage. Destroying it commits pending writes (call discard() first to
// drop them instead).
struct ObjectStorage {
  ~ObjectStorage();

  // Commits what is pending and the held replies, if the database is open.
  void commit();
  // Drops uncommitted writes, for an object that is being reset.
  void discard(const std::string& reason);

  int handle = -1;  // the instance's handle, which the runtime passes to the natives
  std::string className;
  std::string hex;
  std::optional<std::string> name;  // the name the ID was made from, when known
  bool sqlEnabled = true;           // new_sqlite_classes; new_classes objects get only KV

  // Opened at the object's first storage operation (an object that never uses storage has no
  // file). Null before, or when it could not be opened. Shared with StorageHost in in-memory
  // mode, where the database must outlive an evicted instance.
  std::shared_ptr<storage::Database> database;
  std::filesystem::path path;  // where it lives on disk
  bool opened = false;         // an open was attempted
  std::string openError;       // why, when it could not be opened
  std::shared_ptr<OutputGate> gate;

  // The constructor has returned: from now on setAlarm() needs an alarm() handler.
  bool constructed = false;
  bool hasAlarmHandler = false;

  // While alarm() runs for the alarm set at `runningAlarm` (ns since the epoch), getAlarm()
  // reads null and, if the handler succeeds without setting another alarm, the alarm is
  // deleted then (workerd's deferred delete).
  std::optional<int64_t> runningAlarm;
  bool alarmDeleteDeferred = false;

  // The alarm time the scheduler was last given for this object.
  std::optional<int64_t> scheduledAlarm;
};

}  // namespace dohost::actor
