// Peers: the registry entries of this process, its socket transport, and
// the [connected] / [not connected] state of bindings to other processes.
#include "peers.h"

#include <algorithm>
#include <unistd.h>

#include "dohost/assert.h"
#include "dohost/log.h"

namespace dohost::server {
namespace fs = std::filesystem;

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string stateText(bool connected) {
  return connected ? "[connected]" : "[not connected]";
}

}  // namespace

std::string Peers::Watched::describe() const {
  std::string what =
      className.empty() ? "service " + target : "Durable Object " + className + " in " + target;
  if (className.empty() && !entrypoint.empty()) what += ", entrypoint " + entrypoint;
  return "Worker \"" + worker + "\": env." + binding + " (" + what + ")";
}

Peers::Peers(fs::path registryDir, std::vector<EventLoop*> loops, rpc::Router& router)
    : registryDir_(std::move(registryDir)),
      loops_(std::move(loops)),
      router_(router),
      pid_(::getpid()) {}

Peers::~Peers() {
  stop();
}

void Peers::start(const std::vector<Worker*>& workers) {
  registry_ = std::make_unique<rpc::Registry>(registryDir_);

  // Which bindings point at Workers this process does not run.
  for (const auto* worker : workers) {
    const auto& config = worker->config();
    for (const auto& binding : config.durableObjects) {
      if (binding.scriptName.empty() || binding.scriptName == config.name) continue;
      if (router_.has(binding.scriptName)) continue;
      watched_.push_back({config.name, binding.name, binding.scriptName, binding.className, ""});
    }
    for (const auto& service : config.services) {
      if (router_.has(service.service)) continue;
      watched_.push_back({config.name, service.binding, service.service, "", service.entrypoint});
    }
  }
  lastStatus_.assign(watched_.size(), false);

  watcher_ = std::make_unique<rpc::RegistryWatcher>(*registry_, *loops_.front(),
                                                    [this] { onRegistryChange(); });
  watcher_->start();

  transport_ = std::make_unique<rpc::Transport>(
      loops_, router_,
      [this](const std::string& worker, bool fresh) { return resolve(worker, fresh); },
      [this](const fs::path&) { watcher_->rescan(); });
  transport_->listen(registry_->socketPathFor(pid_));
  router_.setRemote(transport_.get());

  // Registered last: once a peer can see an entry, the socket answers.
  for (const auto* worker : workers) {
    rpc::RegistryEntry entry;
    entry.worker = worker->config().name;
    entry.socket = registry_->socketPathFor(pid_);
    entry.pid = pid_;
    entry.entrypoints = worker->entrypoints();
    entry.classes = worker->classes();
    if (auto existing = registry_->find(entry.worker); existing && existing->pid != pid_) {
      log::warn("registry", "Worker \"" + entry.worker + "\" is also run by dohost process " +
                                std::to_string(existing->pid) +
                                "; other processes now reach this one");
    }
    registry_->add(entry);
    std::lock_guard<std::mutex> lock(statusMutex_);
    registered_.push_back(entry);
  }
  log::info("registry", "registered folder=" + registry_->dir().string() +
                            " socket=" + registry_->socketPathFor(pid_).string());
}

void Peers::stop() {
  if (stopped_) return;
  stopped_ = true;
  // The watcher first, so it does not put the entries back; then peers
  // stop seeing this process; then its connections close.
  if (watcher_) watcher_->stop();
  if (registry_) {
    std::lock_guard<std::mutex> lock(statusMutex_);
    for (const auto& entry : registered_) registry_->remove(entry.worker, pid_);
  }
  router_.setRemote(nullptr);
  if (transport_) transport_->stop();
}

std::optional<fs::path> Peers::resolve(const std::string& worker, bool fresh) {
  auto cached = watcher_->find(worker);
  if (!fresh) {
    if (!cached) return std::nullopt;
    return cached->socket;
  }
  auto current = registry_->find(worker);
  // The copy is behind the folder: have it catch up, which also prints the change.
  if (current != cached) watcher_->rescan();
  if (!current) return std::nullopt;
  return current->socket;
}

bool Peers::runs(const std::string& worker) const {
  return watcher_ && watcher_->find(worker).has_value();
}

bool Peers::isConnected(const Watched& watched,
                        const std::map<std::string, rpc::RegistryEntry>& entries) const {
  auto it = entries.find(watched.target);
  if (it == entries.end()) return false;
  if (!watched.className.empty()) return contains(it->second.classes, watched.className);
  if (!watched.entrypoint.empty()) return contains(it->second.entrypoints, watched.entrypoint);
  return true;
}

std::map<std::pair<std::string, std::string>, Peers::Status> Peers::announce() {
  std::map<std::pair<std::string, std::string>, Status> statuses;
  auto entries = watcher_ ? watcher_->entries() : std::map<std::string, rpc::RegistryEntry>{};
  std::lock_guard<std::mutex> lock(statusMutex_);
  announced_ = true;
  for (size_t i = 0; i < watched_.size(); ++i) {
    lastStatus_[i] = isConnected(watched_[i], entries);
    statuses[{watched_[i].worker, watched_[i].binding}] = {true, lastStatus_[i]};
  }
  return statuses;
}

void Peers::onRegistryChange() {
  auto entries = watcher_->entries();
  std::lock_guard<std::mutex> lock(statusMutex_);
  // An entry of ours that is gone was removed by a newer process that ran
  // the same Worker and has exited: this process serves the Worker again.
  // (One that another live process overwrote stays theirs.)
  for (const auto& entry : registered_) {
    if (entries.count(entry.worker) == 0) {
      log::info("registry", "registered again worker=" + entry.worker);
      registry_->add(entry);
    }
  }
  if (!announced_) return;
  for (size_t i = 0; i < watched_.size(); ++i) {
    bool now = isConnected(watched_[i], entries);
    if (now == lastStatus_[i]) continue;
    lastStatus_[i] = now;
    log::print(watched_[i].describe() + " " + stateText(now));
  }
}

}  // namespace dohost::server
