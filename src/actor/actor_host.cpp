// ActorHost: Durable Object namespaces and live instances of one Worker's
// isolate. Every instance's events run on the isolate's loop in arrival
// order; the calls themselves are run by jsrpc::RpcHost.
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

ActorHost::ActorHost(js::Isolate& isolate, std::string worker, std::filesystem::path persistDir)
    : isolate_(isolate),
      worker_(std::move(worker)),
      persistDir_(std::move(persistDir)),
      storage_(std::make_unique<StorageHost>(*this)) {}

ActorHost::~ActorHost() {
  v8::Isolate::Scope scope(isolate_.v8());
  // Writes not yet committed are kept: the objects' storage commits as it closes.
  instances_.clear();
  storage_.reset();
  env_.Reset();
}

int ActorHost::addNamespace(const std::string& worker, const std::string& className) {
  namespaces_.push_back(std::make_unique<Namespace>(
      Namespace{worker, className,
                IdFactory(worker, worker == worker_ ? identityOf(className) : className)}));
  return static_cast<int>(namespaces_.size() - 1);
}

void ActorHost::defineClass(const std::string& className,
                            bool sqlite,
                            const std::string& identity) {
  classes_[className] = sqlite;
  identities_[className] = identity.empty() ? className : identity;
}

std::string ActorHost::identityOf(const std::string& className) const {
  auto found = identities_.find(className);
  return found == identities_.end() ? className : found->second;
}

std::vector<std::string> ActorHost::classNames() const {
  std::vector<std::string> names;
  for (const auto& [name, sqlite] : classes_) names.push_back(name);
  return names;
}

void ActorHost::setEnv(v8::Local<v8::Object> env) {
  env_.Reset(isolate_.v8(), env);
}

std::vector<std::string> ActorHost::startStorage(const StorageOptions& options) {
  return storage_->start(options);
}

// ==== Natives ===============================================================

ActorHost::Namespace& ActorHost::namespaceOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(namespaces_.size()),
                 "bad namespace handle");
  return *namespaces_[handle];
}

void ActorHost::installNatives() {
  installNamespaceNatives();
  storage_->installNatives();
  installInstanceNatives();
}

rpc::Reply ActorHost::outputGate(const rpc::Target& target, rpc::Reply reply) {
  auto key = target.className + "/" + target.objectId;
  auto gated = storage_->outputGate(key, std::move(reply));
  // Only the first answer leaves: a reset may answer with its error while
  // the event still runs (instances.cpp), and the event's own answer is
  // then dropped.
  lastGuardedKey_ = key;
  auto sent = std::make_shared<bool>(false);
  return [gated = std::move(gated), sent](rpc::Message message) {
    if (*sent) return;
    *sent = true;
    gated(std::move(message));
  };
}

rpc::Target ActorHost::namespaceTarget(int handle) {
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(namespaces_.size()),
                 "bad namespace handle");
  rpc::Target target;
  target.worker = namespaces_[handle]->worker;
  target.className = namespaces_[handle]->className;
  return target;
}

}  // namespace dohost::actor
