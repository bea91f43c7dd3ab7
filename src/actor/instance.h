// ActorHost::Instance, one live Durable Object, shared by the files of ActorHost
// (actor_host.cpp: lifecycle and events; storage_natives.cpp: ctx.storage).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <v8.h>

#include "dohost/actor.h"
#include "dohost/storage.h"

namespace dohost::actor {

// One live Durable Object. Calls that arrive while it is being constructed
// wait in `queue` and run, in order, once it is ready.
struct ActorHost::Instance {
  std::string className;
  std::string hex;
  std::optional<std::string> name;
  bool ready = false;
  v8::Global<v8::Object> object;
  std::unique_ptr<storage::Database> database;
  int storageHandle = -1;
  std::deque<PendingEvent> queue;
};

}  // namespace dohost::actor
