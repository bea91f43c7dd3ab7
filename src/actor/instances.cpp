// The lifecycle of Durable Object instances: construction on first event,
// the input gate (events one at a time in arrival order, held back while
// blockConcurrencyWhile() runs), resetting an object whose
// blockConcurrencyWhile() callback failed, and eviction after an idle time.
#include <algorithm>
#include <utility>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/log.h"
#include "dohost/storage.h"

#include "instance.h"
#include "storage_host.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

namespace {

// workerd evicts an object 10 s after its last event ended.
std::chrono::milliseconds gDefaultIdleTimeout{10000};
uint64_t gNextGeneration = 1;

std::string shortId(const std::string& hex) {
  return hex.substr(0, 8);
}

}  // namespace

void ActorHost::setDefaultIdleTimeout(std::chrono::milliseconds timeout) {
  gDefaultIdleTimeout = timeout;
}

// ==== Construction ==========================================================

ActorHost::Instance& ActorHost::instanceFor(const rpc::Target& target) {
  std::string key = target.className + "/" + target.objectId;
  auto& slot = instances_[key];
  if (slot) return *slot;

  slot = std::make_unique<Instance>();
  auto& instance = *slot;
  instance.key = key;
  instance.generation = gNextGeneration++;
  instance.className = target.className;
  instance.hex = target.objectId;
  instance.name = target.objectName;
  instance.storageHandle = static_cast<int>(storageHandles_.size());
  storageHandles_.push_back(&instance);
  // The jurisdiction is read back from the ID itself.
  auto parsed = IdFactory(worker_, identityOf(instance.className)).parse(instance.hex);
  instance.jurisdiction = parsed.id ? parsed.id->jurisdiction : Jurisdiction::kNone;
  auto it = classes_.find(target.className);
  auto folder = persistDir_ / "do" / worker_ / instance.className;
  if (instance.jurisdiction != Jurisdiction::kNone) {
    folder /= std::string(jurisdictionName(instance.jurisdiction));
  }
  instance.storage =
      storage_->open(instance.storageHandle, instance.className, instance.hex, instance.name,
                     folder / (instance.hex + ".sqlite"), it != classes_.end() && it->second);
  log::debug("actor", "construct class=" + instance.className + " id=" + instance.hex);

  // The constructor runs once; events queue behind it and behind the
  // blockConcurrencyWhile() work it starts.
  auto* isolate = isolate_.v8();
  auto context = isolate_.context();
  v8::TryCatch tryCatch(isolate);
  v8::Local<v8::Value> args[] = {
      isolate_.mainExports(),
      toV8(isolate, instance.className),
      toV8(isolate, instance.hex),
      instance.name ? toV8(isolate, *instance.name).As<v8::Value>()
                    : v8::Undefined(isolate).As<v8::Value>(),
      v8::Integer::New(isolate, instance.storageHandle),
      env_.Get(isolate),
      toV8(isolate, jurisdictionName(instance.jurisdiction)),
  };
  v8::Local<v8::Value> created;
  context->SetContinuationPreservedEmbedderData(scopeOf(instance));
  if (!isolate_.internal("createInstance")
           ->Call(context, v8::Undefined(isolate), 7, args)
           .ToLocal(&created)) {
    created = v8::Promise::Resolver::New(context).ToLocalChecked()->GetPromise();
  }
  context->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
  auto generation = instance.generation;
  isolate_.whenSettled(
      created,
      [this, key, generation](v8::Local<v8::Value> object) {
        auto* ready = find(key, generation);
        if (!ready) return;
        ready->object.Reset(isolate_.v8(), object.As<v8::Object>());
        ready->ready = true;
        schedulePump(*ready);
      },
      [this, key, generation](v8::Local<v8::Value> error) {
        // A constructor that throws, or whose blockConcurrencyWhile()
        // callback fails, fails the events waiting for it; the next event
        // constructs the object again.
        if (auto* failed = find(key, generation)) reset(*failed, error);
      });
  return instance;
}

v8::Local<v8::Value> ActorHost::scopeOf(const Instance& instance, uint64_t section) {
  // [handle, section]: any value but a RequestScope means "not a request's
  // work" to the runtime; the storage handle names the object.
  auto* isolate = isolate_.v8();
  v8::Local<v8::Value> parts[] = {v8::Integer::New(isolate, instance.storageHandle),
                                  v8::Number::New(isolate, static_cast<double>(section))};
  return v8::Array::New(isolate, parts, 2);
}

ActorHost::Instance* ActorHost::find(const std::string& key, uint64_t generation) {
  auto it = instances_.find(key);
  if (it == instances_.end() || it->second->generation != generation) return nullptr;
  return it->second.get();
}

// ==== Events and the input gate ==============================================

void ActorHost::dispatch(const rpc::Target& target, Event event, Fail fail) {
  if (classes_.count(target.className) == 0) {
    fail(v8::Exception::Error(toV8(
        isolate_.v8(),
        "Worker \"" + worker_ + "\" has no Durable Object class \"" + target.className + "\"")));
    return;
  }
  auto& instance = instanceFor(target);
  if (instance.idleTimer) instance.idleTimer->cancel();
  bool guarded = lastGuardedKey_ == instance.key;
  lastGuardedKey_.clear();
  instance.queue.push_back(PendingEvent{std::move(event), std::move(fail), guarded});
  // dispatch() runs in a loop task of its own: the first waiting event may
  // start here; any other waits for a task of its own, so that each one's
  // synchronous code and microtasks finish before the next begins.
  if (instance.queue.size() == 1 && !instance.pumpScheduled) {
    pump(instance);
  } else {
    schedulePump(instance);
  }
}

bool ActorHost::gateOpen(const Instance& instance) const {
  return instance.ready && instance.gateLocks == 0;
}

bool ActorHost::runnable(const Instance& instance, const PendingEvent& pending) const {
  if (!pending.completion) return gateOpen(instance);
  // A completion of code in an ended section belongs to its parent.
  auto section = pending.section;
  auto active = [&](uint64_t s) {
    return std::find(instance.sections.begin(), instance.sections.end(), s) !=
           instance.sections.end();
  };
  while (section != 0 && !active(section)) {
    auto parent = instance.sectionParent.find(section);
    section = parent == instance.sectionParent.end() ? 0 : parent->second;
  }
  uint64_t innermost = instance.sections.empty() ? 0 : instance.sections.back();
  return section == innermost;
}

void ActorHost::pump(Instance& instance) {
  auto next =
      std::find_if(instance.queue.begin(), instance.queue.end(),
                   [&](const PendingEvent& pending) { return runnable(instance, pending); });
  if (next == instance.queue.end()) {
    maybeIdle(instance);
    return;
  }
  auto pending = std::move(*next);
  instance.queue.erase(next);
  if (pending.completion) {
    pending.completion();
  } else {
    start(instance, std::move(pending));
  }
  auto more = std::any_of(instance.queue.begin(), instance.queue.end(),
                          [&](const PendingEvent& pending) { return runnable(instance, pending); });
  if (more) schedulePump(instance);
}

void ActorHost::complete(v8::Local<v8::Value> scope, std::function<void()> completion) {
  // Not a Durable Object's work, or its object is gone: at once.
  Instance* instance = nullptr;
  uint64_t section = 0;
  if (scope->IsArray() && scope.As<v8::Array>()->Length() == 2) {
    auto context = isolate_.context();
    auto parts = scope.As<v8::Array>();
    int handle = parts->Get(context, 0).ToLocalChecked()->Int32Value(context).FromMaybe(-1);
    section = static_cast<uint64_t>(
        parts->Get(context, 1).ToLocalChecked()->NumberValue(context).FromMaybe(0));
    if (handle >= 0 && handle < static_cast<int>(storageHandles_.size())) {
      instance = storageHandles_[handle];
    }
  }
  if (!instance) {
    isolate_.run([&] { completion(); });
    return;
  }
  PendingEvent pending;
  pending.completion = std::move(completion);
  pending.section = section;
  instance->queue.push_back(std::move(pending));
  auto key = instance->key;
  auto generation = instance->generation;
  if (!instance->pumpScheduled) {
    isolate_.run([&] {
      if (auto* found = find(key, generation)) pump(*found);
    });
  }
}

void ActorHost::schedulePump(Instance& instance) {
  if (instance.pumpScheduled) return;
  instance.pumpScheduled = true;
  auto key = instance.key;
  auto generation = instance.generation;
  // A task posted before the ActorHost is destroyed (at shutdown) may run
  // after: it checks that the host still lives first.
  std::weak_ptr<bool> alive = alive_;
  isolate_.loop().post([this, alive, key, generation] {
    if (alive.expired()) return;
    auto* found = find(key, generation);
    if (!found) return;
    found->pumpScheduled = false;
    isolate_.run([&] {
      // The task's own handle scope; `found` may be reset by the event.
      if (auto* again = find(key, generation)) pump(*again);
    });
  });
}

void ActorHost::start(Instance& instance, PendingEvent pending) {
  auto* isolate = isolate_.v8();
  v8::HandleScope scope(isolate);
  instance.running++;
  auto number = instance.nextEvent++;
  if (pending.failOnReset) instance.failOnReset.emplace(number, pending.fail);
  // The event and every continuation it awaits run as this object's work,
  // not as part of whatever request ran last (see runtime/web/scope.js).
  auto context = isolate_.context();
  context->SetContinuationPreservedEmbedderData(scopeOf(instance));
  auto result = pending.event(instance.object.Get(isolate));
  context->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
  auto key = instance.key;
  auto generation = instance.generation;
  auto finished = [this, key, generation, number](v8::Local<v8::Value>) {
    auto* done = find(key, generation);
    if (!done) return;
    done->running--;
    done->failOnReset.erase(number);
    maybeIdle(*done);
  };
  isolate_.whenSettled(result, finished, finished);
}

uint64_t ActorHost::lockGate(Instance& instance, uint64_t parent) {
  auto section = instance.nextSection++;
  instance.sections.push_back(section);
  instance.sectionParent[section] = parent;
  instance.gateLocks++;
  if (instance.idleTimer) instance.idleTimer->cancel();
  return section;
}

void ActorHost::unlockGate(Instance& instance, uint64_t section) {
  DOHOST_ASSERT(instance.gateLocks > 0);
  auto it = std::find(instance.sections.begin(), instance.sections.end(), section);
  if (it != instance.sections.end()) instance.sections.erase(it);
  // Called from JavaScript (a promise reaction): what may run now (events
  // once no block is left, completions of the enclosing section) starts in
  // tasks of its own.
  --instance.gateLocks;
  schedulePump(instance);
}

// ==== Natives for DurableObjectState ==========================================

void ActorHost::installInstanceNatives() {
  // The instance behind a DurableObjectState's handle; nullptr once it was
  // reset or evicted (stray code of an old instance then changes nothing).
  auto instanceOf = [this](const v8::FunctionCallbackInfo<v8::Value>& info) -> Instance* {
    int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
    if (handle < 0 || handle >= static_cast<int>(storageHandles_.size())) return nullptr;
    return storageHandles_[handle];
  };
  // blockConcurrencyWhile(): (handle, parent section) closes the gate and
  // returns the callback's section; (handle, section) opens it again.
  isolate_.addNative("actorGateLock", [this, instanceOf](const auto& info) {
    auto* instance = instanceOf(info);
    if (!instance) return;
    auto parent = info[1]->NumberValue(isolate_.context()).FromMaybe(0);
    auto section = lockGate(*instance, static_cast<uint64_t>(parent));
    info.GetReturnValue().Set(static_cast<double>(section));
  });
  isolate_.addNative("actorGateUnlock", [this, instanceOf](const auto& info) {
    auto* instance = instanceOf(info);
    if (!instance) return;
    auto section = info[1]->NumberValue(isolate_.context()).FromMaybe(0);
    unlockGate(*instance, static_cast<uint64_t>(section));
  });
  // (handle, error): a blockConcurrencyWhile() callback failed after the
  // constructor; during construction createInstance() rejects instead.
  isolate_.addNative("actorReset", [this, instanceOf](const auto& info) {
    auto* instance = instanceOf(info);
    if (instance && instance->ready) reset(*instance, info[1]);
  });
}

// ==== Reset and eviction =====================================================

void ActorHost::reset(Instance& instance, v8::Local<v8::Value> error) {
  log::error("actor", "reset class=" + instance.className + " id=" + instance.hex + ": " +
                          isolate_.describe(error));
  // Callers see the error with durableObjectReset set (runtime/cloudflare/rpc.js).
  {
    v8::Local<v8::Value> args[] = {error};
    (void)isolate_.internal("markResetError")
        ->Call(isolate_.context(), v8::Undefined(isolate_.v8()), 1, args);
  }
  // Storage written since the last commit is dropped, as workerd rolls back
  // an object it resets.
  instance.storage->discard("the object was reset");
  auto owned = std::move(instances_[instance.key]);
  instances_.erase(owned->key);
  storageHandles_[owned->storageHandle] = nullptr;
  // Events already running fail at once, as on workerd (their own answer,
  // when they end, is dropped); so do the events still waiting.
  // TODO(conform): an alarm already running finishes normally.
  for (auto& [number, failRunning] : owned->failOnReset) failRunning(error);
  for (auto& waiting : owned->queue) {
    if (waiting.fail) waiting.fail(error);
  }
}

void ActorHost::maybeIdle(Instance& instance) {
  if (!instance.ready || !instance.queue.empty() || instance.running > 0 ||
      instance.gateLocks > 0) {
    return;
  }
  if (!instance.idleTimer) {
    instance.idleTimer = std::make_unique<boost::asio::steady_timer>(isolate_.loop().context());
  }
  instance.idleTimer->expires_after(gDefaultIdleTimeout);
  auto key = instance.key;
  auto generation = instance.generation;
  std::weak_ptr<bool> alive = alive_;
  instance.idleTimer->async_wait(
      [this, alive, key, generation](const boost::system::error_code& error) {
        if (error || alive.expired()) return;  // cancelled: an event came in, or shutdown
        auto* idle = find(key, generation);
        if (!idle) return;
        // TODO(conform): timers are not tied to the object that set them; while
        // any timer of the isolate is pending, no object of it is evicted.
        if (busy_ && busy_()) {
          maybeIdle(*idle);
          return;
        }
        evict(*idle);
      });
}

void ActorHost::evict(Instance& instance) {
  log::debug("actor", "evict class=" + instance.className + " id=" + instance.hex +
                          " (idle; its storage stays)");
  v8::Isolate::Scope scope(isolate_.v8());
  auto owned = std::move(instances_[instance.key]);
  instances_.erase(owned->key);
  storageHandles_[owned->storageHandle] = nullptr;
}

}  // namespace dohost::actor
