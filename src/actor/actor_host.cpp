// ActorHost: Durable Object namespaces and live instances of one Worker's
// isolate. Every instance's events run on the isolate's loop in arrival
// order; the calls themselves are run by jsrpc::RpcHost.
#include <utility>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/log.h"
#include "dohost/storage.h"
#include "instance.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

ActorHost::ActorHost(js::Isolate& isolate, std::string worker, std::filesystem::path persistDir)
    : isolate_(isolate),
      worker_(std::move(worker)),
      persistDir_(std::move(persistDir)) {}

ActorHost::~ActorHost() {
  v8::Isolate::Scope scope(isolate_.v8());
  instances_.clear();
  env_.Reset();
}

int ActorHost::addNamespace(const std::string& worker, const std::string& className) {
  namespaces_.push_back(
      std::make_unique<Namespace>(Namespace{worker, className, IdFactory(worker, className)}));
  return static_cast<int>(namespaces_.size() - 1);
}

void ActorHost::defineClass(const std::string& className, bool sqlite) {
  classes_[className] = sqlite;
}

void ActorHost::setEnv(v8::Local<v8::Object> env) { env_.Reset(isolate_.v8(), env); }

// ==== Natives ===============================================================

ActorHost::Namespace& ActorHost::namespaceOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(namespaces_.size()),
                 "bad namespace handle");
  return *namespaces_[handle];
}

void ActorHost::installNatives() {
  installNamespaceNatives();
  installStorageNatives();
}

// ==== Incoming calls ========================================================

ActorHost::Instance& ActorHost::instanceFor(const rpc::Target& target) {
  std::string key = target.className + "/" + target.objectId;
  auto& slot = instances_[key];
  if (slot) return *slot;

  slot = std::make_unique<Instance>();
  auto& instance = *slot;
  instance.className = target.className;
  instance.hex = target.objectId;
  instance.name = target.objectName;
  instance.storageHandle = static_cast<int>(storageHandles_.size());
  storageHandles_.push_back(&instance);
  // The jurisdiction is read back from the ID itself.
  auto parsed = IdFactory(worker_, instance.className).parse(instance.hex);
  auto jurisdiction = parsed.id ? parsed.id->jurisdiction : Jurisdiction::kNone;
  auto it = classes_.find(target.className);
  if (it != classes_.end() && it->second) {
    auto folder = persistDir_ / "do" / worker_ / instance.className;
    if (jurisdiction != Jurisdiction::kNone) folder /= std::string(jurisdictionName(jurisdiction));
    instance.database = storage::Database::open(folder / (instance.hex + ".sqlite"));
  }

  // The constructor runs once; calls queue behind it.
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
      toV8(isolate, jurisdictionName(jurisdiction)),
  };
  v8::Local<v8::Value> created;
  if (!isolate_.internal("createInstance")
           ->Call(context, v8::Undefined(isolate), 7, args)
           .ToLocal(&created)) {
    created = v8::Promise::Resolver::New(context).ToLocalChecked()->GetPromise();
  }
  std::string instanceKey = key;
  isolate_.whenSettled(
      created,
      [this, instanceKey](v8::Local<v8::Value> object) {
        auto found = instances_.find(instanceKey);
        if (found == instances_.end()) return;
        auto& ready = *found->second;
        ready.object.Reset(isolate_.v8(), object.As<v8::Object>());
        ready.ready = true;
        while (!ready.queue.empty()) {
          auto next = std::move(ready.queue.front());
          ready.queue.pop_front();
          run(ready, std::move(next));
        }
      },
      [this, instanceKey](v8::Local<v8::Value> error) {
        auto found = instances_.find(instanceKey);
        if (found == instances_.end()) return;
        // A constructor that throws fails the calls waiting for it; the
        // next call constructs the object again.
        auto failed = std::move(found->second);
        instances_.erase(found);
        storageHandles_[failed->storageHandle] = nullptr;
        log::error("actor", "constructor of " + failed->className + " threw: " +
                                isolate_.describe(error));
        for (auto& waiting : failed->queue) waiting.fail(error);
      });
  return instance;
}

void ActorHost::dispatch(const rpc::Target& target, Event event, Fail fail) {
  if (classes_.count(target.className) == 0) {
    fail(v8::Exception::Error(toV8(isolate_.v8(), "Worker \"" + worker_ +
                                                      "\" has no Durable Object class \"" +
                                                      target.className + "\"")));
    return;
  }
  auto& instance = instanceFor(target);
  PendingEvent pending{std::move(event), std::move(fail)};
  if (!instance.ready) {
    instance.queue.push_back(std::move(pending));
    return;
  }
  run(instance, std::move(pending));
}

rpc::Target ActorHost::namespaceTarget(int handle) {
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(namespaces_.size()),
                 "bad namespace handle");
  rpc::Target target;
  target.worker = namespaces_[handle]->worker;
  target.className = namespaces_[handle]->className;
  return target;
}

void ActorHost::run(Instance& instance, PendingEvent pending) {
  v8::HandleScope scope(isolate_.v8());
  pending.event(instance.object.Get(isolate_.v8()));
}

}  // namespace dohost::actor
