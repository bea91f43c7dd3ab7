// ActorHost::Instance, one live Durable Object, shared by the files of ActorHost
// (instances.cpp: lifecycle, input gate and eviction; storage_natives.cpp:
// ctx.storage).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <v8.h>

#include "dohost/actor.h"
#include "dohost/storage.h"

#include "object_storage.h"

namespace dohost::actor {

// One live Durable Object.
//
// Its events (calls, later fetches, alarms and WebSocket messages) wait in
// `queue` and start one per loop task, in arrival order, once the object is
// constructed and its input gate is open. The gate is closed while
// blockConcurrencyWhile() callbacks run (`gateLocks`). An event that awaits
// I/O no longer holds the object: the next one may start.
struct ActorHost::Instance {
  std::string key;          // className + "/" + hex, its key in instances_
  uint64_t generation = 0;  // unique per construction, to spot stale callbacks
  std::string className;
  std::string hex;
  std::optional<std::string> name;
  Jurisdiction jurisdiction = Jurisdiction::kNone;
  bool ready = false;  // constructed, blockConcurrencyWhile() of the constructor done
  v8::Global<v8::Object> object;
  std::unique_ptr<ObjectStorage> storage;
  int storageHandle = -1;
  std::deque<PendingEvent> queue;
  int gateLocks = 0;  // blockConcurrencyWhile() callbacks not yet settled
  // Their sections (innermost last): code running in the innermost one, and
  // its I/O completions, still run; everything else waits. A section's
  // parent is the one its blockConcurrencyWhile() was called in (0: none).
  std::vector<uint64_t> sections;
  std::map<uint64_t, uint64_t> sectionParent;
  uint64_t nextSection = 1;
  int running = 0;  // events started whose result has not settled
  // The running events a reset fails at once, by event number.
  std::map<uint64_t, Fail> failOnReset;
  uint64_t nextEvent = 1;
  bool pumpScheduled = false;
  std::unique_ptr<boost::asio::steady_timer> idleTimer;
};

}  // namespace dohost::actor
