// Alarms: the scheduler that fires each object's alarm at its time on the isolate's loop, and
// the alarm() event itself, which runs through ActorHost like a call. Retries and the deferred
// delete follow workerd (src/workerd/server/alarm-scheduler.c++, io/actor-sqlite.c++).
#include <chrono>
#include <ctime>
#include <map>
#include <random>
#include <utility>

#include <boost/asio/system_timer.hpp>

#include "dohost/log.h"

#include "instance.h"
#include "storage_host.h"

namespace dohost::actor {

using js::toV8;

namespace {

int64_t nowNanos() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

// What became of one run of alarm(), carried back to the scheduler in the event's Return.
constexpr char kSucceeded[] = "succeeded";  // the alarm is done
constexpr char kFailed[] = "failed";        // retry later
constexpr char kDropped[] = "dropped";      // nothing (more) to run: stale, abandoned, no handler

}  // namespace

// ==============================================================================================
// AlarmScheduler

// One timer per scheduled object. Knows the index; the objects' databases are the truth and are
// checked when an alarm fires.
class AlarmScheduler {
 public:
  AlarmScheduler(StorageHost& host, std::unique_ptr<storage::AlarmIndex> index)
      : host_(host), index_(std::move(index)), random_(std::random_device{}()) {}

  ~AlarmScheduler() {
    *alive_ = false;
  }

  // Schedules every alarm of the index; those in the past fire at once.
  void load() {
    for (auto& record : index_->all()) {
      if (!host_.hasClass(record.className)) {
        log::warn("alarm", "dropping the alarm of " + record.className + " " + record.hex +
                               ": the Worker has no such class");
        index_->remove(record.className, record.hex);
        continue;
      }
      auto entry = entryFor(record.className, record.hex);
      entry->name = record.name;
      entry->time = record.time;
      arm(entry, record.time);
    }
  }

  // True when the alarm of (className, hex) is scheduled for `time`.
  bool has(const std::string& className, const std::string& hex, int64_t time) const {
    auto found = entries_.find(className + "/" + hex);
    return found != entries_.end() && found->second->time == time;
  }

  // The object's alarm is now `time` (none: deleted).
  void set(const ObjectStorage& object, std::optional<int64_t> time) {
    if (time) {
      index_->set(storage::AlarmRecord{object.className, object.hex, object.name, *time});
    } else {
      index_->remove(object.className, object.hex);
    }
    auto entry = entryFor(object.className, object.hex);
    if (object.name) entry->name = object.name;
    entry->time = time;
    if (entry->running) {
      entry->changed = true;
      return;
    }
    entry->retry = 0;
    if (time) {
      arm(entry, *time);
    } else {
      forget(entry);
    }
  }

 private:
  struct Entry {
    std::string className;
    std::string hex;
    std::optional<std::string> name;
    std::optional<int64_t> time;
    uint32_t retry = 0;  // failed runs so far, the handler's retryCount
    bool running = false;
    bool changed = false;  // set() while running: the new time wins over a retry
    std::unique_ptr<boost::asio::system_timer> timer;
  };

  std::shared_ptr<Entry> entryFor(const std::string& className, const std::string& hex) {
    auto& slot = entries_[className + "/" + hex];
    if (!slot) {
      slot = std::make_shared<Entry>();
      slot->className = className;
      slot->hex = hex;
    }
    return slot;
  }

  void forget(const std::shared_ptr<Entry>& entry) {
    if (entry->timer) entry->timer->cancel();
    entries_.erase(entry->className + "/" + entry->hex);
  }

  void arm(const std::shared_ptr<Entry>& entry, int64_t at) {
    if (!entry->timer) {
      entry->timer = std::make_unique<boost::asio::system_timer>(host_.loop().context());
    }
    entry->timer->expires_at(std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(at))));
    std::weak_ptr<Entry> weak = entry;
    std::weak_ptr<bool> alive = alive_;
    entry->timer->async_wait([this, weak, alive](const boost::system::error_code& error) {
      auto live = alive.lock();
      auto fired = weak.lock();
      if (error || !live || !*live || !fired) return;
      fire(fired);
    });
  }

  void fire(const std::shared_ptr<Entry>& entry) {
    if (!entry->time || entry->running) return;
    entry->running = true;
    std::weak_ptr<Entry> weak = entry;
    std::weak_ptr<bool> alive = alive_;
    host_.fireAlarm(entry->className, entry->hex, entry->name, *entry->time, entry->retry,
                    [this, weak, alive](const std::string& outcome) {
                      auto live = alive.lock();
                      auto done = weak.lock();
                      if (live && *live && done) finished(done, outcome);
                    });
  }

  void finished(const std::shared_ptr<Entry>& entry, const std::string& outcome) {
    entry->running = false;
    if (entry->changed) {
      // The handler (or a reschedule) set another time: that one runs, as a first try.
      entry->changed = false;
      entry->retry = 0;
      if (entry->time) {
        arm(entry, *entry->time);
      } else {
        forget(entry);
      }
      return;
    }
    if (outcome == kFailed) {
      entry->retry += 1;
      double jitter = std::uniform_real_distribution<double>(0, 1)(random_);
      int64_t delay = StorageHost::retryDelayMs(entry->retry, jitter);
      arm(entry, nowNanos() + delay * 1000000);
      return;
    }
    index_->remove(entry->className, entry->hex);
    forget(entry);
  }

  StorageHost& host_;
  std::unique_ptr<storage::AlarmIndex> index_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // by className + "/" + hex
  std::mt19937_64 random_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// ==============================================================================================
// StorageHost: alarms

StorageHost::StorageHost(ActorHost& host) : host_(host) {}
StorageHost::~StorageHost() = default;

bool StorageHost::hasClass(const std::string& className) const {
  return host_.classes_.count(className) != 0;
}

EventLoop& StorageHost::loop() {
  return host_.isolate_.loop();
}

void StorageHost::adoptStoredAlarm(ObjectStorage& object) {
  auto stored = object.database->getAlarm();
  object.scheduledAlarm = stored;
  // An alarm the index does not know (a database from elsewhere) is scheduled now.
  if (stored && !(alarms_ && alarms_->has(object.className, object.hex, *stored))) {
    scheduleAlarm(object, stored);
  }
}

int64_t StorageHost::retryDelayMs(uint32_t retry, double jitter) {
  uint32_t backoff = retry == 0 ? 0 : std::min<uint32_t>(retry - 1, 9);
  int64_t delay = int64_t{2000} << backoff;
  return delay + static_cast<int64_t>(jitter * 0.25 * static_cast<double>(delay));
}

std::vector<std::string> StorageHost::start(const StorageOptions& options) {
  options_ = options;
  std::filesystem::path path = options.inMemory
                                   ? std::filesystem::path(":memory:")
                                   : host_.persistDir_ / "do" / host_.worker_ / "alarms.sqlite";
  try {
    alarms_ = std::make_unique<AlarmScheduler>(*this, storage::AlarmIndex::open(path));
    alarms_->load();
  } catch (const std::exception& e) {
    return {"Worker \"" + host_.worker_ + "\": cannot read its alarms from " + path.string() +
            ": " + e.what()};
  }
  return {};
}

void StorageHost::scheduleAlarm(ObjectStorage& object, std::optional<int64_t> time) {
  if (!alarms_) {
    auto problems = start(options_);
    if (!problems.empty()) throw storage::SqlError(problems.front());
  }
  alarms_->set(object, time);
  object.scheduledAlarm = time;
}

void StorageHost::resyncAlarm(ObjectStorage& object) {
  auto stored = object.database->getAlarm();
  if (stored != object.scheduledAlarm) scheduleAlarm(object, stored);
}

void StorageHost::fireAlarm(const std::string& className,
                            const std::string& hex,
                            const std::optional<std::string>& name,
                            int64_t time,
                            uint32_t retryCount,
                            std::function<void(const std::string&)> done) {
  rpc::Target target;
  target.worker = host_.worker_;
  target.className = className;
  target.objectId = hex;
  target.objectName = name;
  std::string key = className + "/" + hex;
  auto finish = std::make_shared<std::function<void(const std::string&)>>(std::move(done));

  // The same path as a call: queued behind the constructor and other events, in order.
  host_.isolate_.run([&] {
    host_.dispatch(
        target,
        [this, key, time, retryCount, finish](v8::Local<v8::Object> object) {
          return runAlarm(key, object, time, retryCount, *finish);
        },
        [this, retryCount, finish](v8::Local<v8::Value> error) {
          log::print("[" + host_.worker_ + "] Uncaught (in alarm) " +
                     host_.isolate_.describe(error));
          (*finish)(retryCount >= kMaxRetries ? kDropped : kFailed);
        });
  });
}

v8::Local<v8::Value> StorageHost::runAlarm(const std::string& key,
                                           v8::Local<v8::Object> instance,
                                           int64_t scheduled,
                                           uint32_t retryCount,
                                           std::function<void(const std::string&)> done) {
  auto* isolate = host_.isolate_.v8();
  v8::EscapableHandleScope scope(isolate);
  auto context = host_.isolate_.context();
  ObjectStorage* object = objectAt(key);

  // The outcome reaches the scheduler once the event's writes are committed.
  auto finish = [object, done](const char* outcome) {
    std::string text = outcome;
    if (!object || !object->gate) {
      done(text);
      return;
    }
    object->gate->whenDurable([done, text] { done(text); },
                              [done](const std::string&) { done(kFailed); });
  };
  if (!object || !connect(*object)) {
    finish(kFailed);
    return scope.Escape(v8::Undefined(isolate));
  }

  // The object's own record decides: the index may be ahead of a commit that never happened.
  std::optional<int64_t> stored;
  try {
    stored = object->database->getAlarm();
    if (!stored) {
      finish(kDropped);
      return scope.Escape(v8::Undefined(isolate));
    }
    if (*stored != scheduled) {
      if (*stored > nowNanos()) {
        scheduleAlarm(*object, stored);
        finish(kDropped);
        return scope.Escape(v8::Undefined(isolate));
      }
      // Overdue under another time: it runs now, for that time.
      scheduled = *stored;
    }
    if (!object->hasAlarmHandler) {
      log::print("[" + host_.worker_ +
                 "] Attempted to run a scheduled alarm without a handler, did you remember to "
                 "export an alarm() function?");
      object->database->setAlarm(std::nullopt);
      object->scheduledAlarm = std::nullopt;
      finish(kDropped);
      return scope.Escape(v8::Undefined(isolate));
    }
  } catch (const std::exception& e) {
    log::error("alarm", std::string("cannot read the alarm: ") + e.what());
    finish(kFailed);
    return scope.Escape(v8::Undefined(isolate));
  }

  // Until the handler succeeds the alarm stays stored, reading as null (the deferred delete).
  object->runningAlarm = scheduled;
  object->alarmDeleteDeferred = true;

  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> args[] = {
      instance,
      v8::Number::New(isolate, static_cast<double>(scheduled / 1000000)),
      v8::Integer::NewFromUnsigned(isolate, retryCount),
  };
  v8::Local<v8::Value> result;
  if (!host_.isolate_.internal("invokeAlarm")
           ->Call(context, v8::Undefined(isolate), 3, args)
           .ToLocal(&result)) {
    auto resolver = v8::Promise::Resolver::New(context).ToLocalChecked();
    resolver->Reject(context, tryCatch.Exception()).Check();
    result = resolver->GetPromise();
  }

  int handle = object->handle;
  auto settle = [this, handle, scheduled, retryCount, finish](bool succeeded) {
    ObjectStorage* live = objectFor(handle);
    if (!live || !live->database) {
      finish(succeeded ? kSucceeded : kFailed);
      return;
    }
    bool deleteNow = live->alarmDeleteDeferred;
    live->runningAlarm.reset();
    live->alarmDeleteDeferred = false;
    try {
      if (succeeded) {
        if (deleteNow) {
          live->database->setAlarm(std::nullopt);
          live->scheduledAlarm = std::nullopt;
        }
        finish(kSucceeded);
        return;
      }
      // workerd gives up after kMaxRetries retries and deletes the alarm it gave up on.
      if (retryCount >= kMaxRetries) {
        if (live->database->getAlarm() == scheduled) {
          live->database->setAlarm(std::nullopt);
          live->scheduledAlarm = std::nullopt;
        }
        log::warn("alarm", "giving up on the alarm of " + live->className + " " + live->hex +
                               " after " + std::to_string(retryCount) + " retries");
        finish(kDropped);
        return;
      }
    } catch (const std::exception& e) {
      log::error("alarm", std::string("cannot update the alarm: ") + e.what());
    }
    finish(kFailed);
  };
  host_.isolate_.whenSettled(
      result, [settle](v8::Local<v8::Value>) { settle(true); },
      [this, settle](v8::Local<v8::Value> error) {
        log::print("[" + host_.worker_ + "] Uncaught (in alarm) " + host_.isolate_.describe(error));
        settle(false);
      });
  return scope.Escape(result);
}

}  // namespace dohost::actor
