// Peers: this process's place among the other dohost processes of the
// machine. Registers its Workers in the dev registry, listens on its Unix
// socket, lets the router reach Workers of other processes, and reports
// each binding to another process's Worker as connected or not.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

#include "dohost/event_loop.h"
#include "dohost/registry.h"
#include "dohost/rpc.h"
#include "dohost/transport.h"

#include "worker.h"

namespace dohost::server {

class Peers {
 public:
  // `loops` and `router` must outlive stop().
  Peers(std::filesystem::path registryDir, std::vector<EventLoop*> loops, rpc::Router& router);
  ~Peers();  // stop()

  // Listens on this process's socket, routes the router's calls for
  // Workers not in this process through it, registers `workers` and starts
  // watching the registry for the bindings of `workers` that point at other
  // processes. Throws dohost::Error naming the folder or socket that failed.
  void start(const std::vector<Worker*>& workers);

  // Unregisters this process's Workers, stops watching, closes every
  // connection (calls in flight fail). Blocks; safe to call twice.
  void stop();

  // Whether another process runs `worker`, by the current copy of the
  // registry. Thread-safe.
  bool runs(const std::string& worker) const;

  // Whether `binding` of Worker `worker` (a key of the banner's table) is
  // a binding to another process; and if so, whether it is connected now.
  // Calling this starts the change lines: from then on, every change of a
  // binding's state is printed. Thread-safe.
  struct Status {
    bool remote = false;
    bool connected = false;
  };
  std::map<std::pair<std::string, std::string>, Status> announce();

 private:
  // A binding of one of this process's Workers to a Worker it does not run.
  struct Watched {
    std::string worker;      // the Worker holding the binding
    std::string binding;     // its env name
    std::string target;      // the Worker it points at
    std::string className;   // Durable Object bindings: the class
    std::string entrypoint;  // service bindings: the entrypoint, "" for default
    std::string describe() const;
  };

  bool isConnected(const Watched& watched,
                   const std::map<std::string, rpc::RegistryEntry>& entries) const;
  void onRegistryChange();
  std::optional<std::filesystem::path> resolve(const std::string& worker, bool fresh);

  std::filesystem::path registryDir_;
  std::vector<EventLoop*> loops_;
  rpc::Router& router_;
  pid_t pid_;
  std::unique_ptr<rpc::Registry> registry_;
  std::unique_ptr<rpc::RegistryWatcher> watcher_;
  std::unique_ptr<rpc::Transport> transport_;

  std::vector<Watched> watched_;
  bool stopped_ = false;

  std::mutex statusMutex_;
  bool announced_ = false;                      // guarded by statusMutex_
  std::vector<bool> lastStatus_;                // per watched_, guarded by statusMutex_
  std::vector<rpc::RegistryEntry> registered_;  // this process's, guarded by statusMutex_
};

}  // namespace dohost::server
