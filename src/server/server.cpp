// Server: wires loops, Workers, the router and the front door together.
#include "dohost/server.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdlib.h>
#include <thread>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/config.h"
#include "dohost/http.h"
#include "dohost/log.h"
#include "dohost/rpc.h"
#include "dohost/storage_migrations.h"

#include "peers.h"
#include "state_lock.h"
#include "worker.h"

namespace dohost::server {
namespace fs = std::filesystem;

namespace {

// A fresh folder of this process's own under the system's temporary folder.
std::filesystem::path makeScratchDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "dohost-in-memory-XXXXXX").string();
  if (!mkdtemp(pattern.data())) {
    throw StartupError("dohost: cannot make a temporary folder for --in-memory: " +
                       std::string(std::strerror(errno)));
  }
  return pattern;
}

}  // namespace

struct Server::Impl {
  Options options;
  std::vector<std::unique_ptr<EventLoop>> loops;
  rpc::Router router;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<Peers> peers;  // null without a registry folder
  std::unique_ptr<http::Server> http;
  std::filesystem::path scratchDir;  // --in-memory: bundles go here; removed at stop()
  bool stopped = false;
  std::vector<std::unique_ptr<StateLock>> stateLocks;  // one per Worker
};

Server::Server(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() {
  stop();
}

void Server::start() {
  auto& options = impl_->options;
  DOHOST_REQUIRE(!options.configs.empty(), "no config to serve");

  // Configs first: every warning and error of every file.
  std::vector<std::string> errors;
  std::vector<config::WorkerConfig> configs;
  for (const auto& path : options.configs) {
    auto result = config::loadWorkerConfig(path);
    for (const auto& diagnostic : result.diagnostics) {
      if (diagnostic.severity == config::Severity::kError) {
        errors.push_back(diagnostic.message);
      } else {
        log::print(diagnostic.message);
      }
    }
    configs.push_back(std::move(result.config));
  }
  for (size_t i = 0; i < configs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (configs[i].name == configs[j].name) {
        errors.push_back(options.configs[i].string() + ": a Worker named \"" + configs[i].name +
                         "\" is already loaded from " + options.configs[j].string() +
                         "; give each Worker its own \"name\"");
      }
    }
  }
  if (!errors.empty())
    throw StartupError(errors.front() + [&] {
      std::string rest;
      for (size_t i = 1; i < errors.size(); ++i) rest += "\n" + errors[i];
      return rest;
    }());

  if (options.inMemory) {
    impl_->scratchDir = makeScratchDir();
    options.persistDir = impl_->scratchDir;
  } else if (options.persistDir.empty()) {
    options.persistDir = fs::absolute(options.configs.front()).parent_path() / ".dohost" / "state";
  }
  options.persistDir = fs::absolute(options.persistDir);
  try {
    for (const auto& config : configs) {
      impl_->stateLocks.push_back(std::make_unique<StateLock>(options.persistDir, config.name));
      if (const auto& other = impl_->stateLocks.back()->sharedWith(); !other.empty()) {
        log::warn("state", "the state of Worker \"" + config.name + "\" in " +
                               options.persistDir.string() + " is also used by dohost process " +
                               other + "; both write its Durable Objects' databases. Give each " +
                               "process its own folder with --persist-to to keep them apart");
      }
    }
  } catch (const Error& e) {
    throw StartupError(e.what());
  }

  // The data on disk goes through the migrations it has not seen before any object opens.
  if (!options.inMemory) {
    for (const auto& config : configs) {
      for (auto& problem : storage::applyMigrations(options.persistDir, config)) {
        errors.push_back(std::move(problem));
      }
    }
    if (!errors.empty()) {
      std::string message = errors.front();
      for (size_t i = 1; i < errors.size(); ++i) message += "\n" + errors[i];
      throw StartupError(message);
    }
  }

  actor::ActorHost::setDefaultIdleTimeout(options.idleTimeout);

  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  threads = std::max(1u, threads);
  for (unsigned i = 0; i < threads; ++i) {
    impl_->loops.push_back(std::make_unique<EventLoop>("loop" + std::to_string(i)));
    impl_->loops.back()->start();
  }

  // Workers are spread over the loops, so several Workers use several cores.
  for (size_t i = 0; i < configs.size(); ++i) {
    auto& loop = *impl_->loops[i % impl_->loops.size()];
    impl_->workers.push_back(
        std::make_unique<Worker>(std::move(configs[i]), loop, impl_->router, options.persistDir));
  }
  auto outbound = http::makeClient();
  jsrpc::Limits limits;
  limits.enforce = options.enforceLimits;
  limits.subrequests = options.subrequestLimit;
  for (auto& worker : impl_->workers) {
    worker->setLimits(limits);
    worker->setInMemory(options.inMemory);
  }
  for (auto& worker : impl_->workers) {
    worker->setOutbound(outbound);
    for (auto& error : worker->start()) errors.push_back(error);
  }
  // A service binding's named entrypoint must be exported by its Worker,
  // as workerd checks at startup (for Workers of this process).
  if (errors.empty()) {
    for (const auto& worker : impl_->workers) {
      for (const auto& service : worker->config().services) {
        if (service.entrypoint.empty() || service.entrypoint == "default") continue;
        for (const auto& target : impl_->workers) {
          if (target->config().name != service.service) continue;
          const auto& names = target->entrypoints();
          if (std::find(names.begin(), names.end(), service.entrypoint) == names.end()) {
            errors.push_back(service.where + ": Worker \"" + service.service +
                             "\" has no entrypoint named \"" + service.entrypoint +
                             "\"; export a WorkerEntrypoint class of that name from its main "
                             "module, or fix \"entrypoint\"");
          }
        }
      }
    }
  }
  if (!errors.empty()) {
    std::string message = errors.front();
    for (size_t i = 1; i < errors.size(); ++i) message += "\n" + errors[i];
    throw StartupError(message);
  }

  std::vector<EventLoop*> loops;
  for (auto& loop : impl_->loops) loops.push_back(loop.get());
  if (!options.registryDir.empty()) {
    std::vector<Worker*> workers;
    for (auto& worker : impl_->workers) workers.push_back(worker.get());
    impl_->peers = std::make_unique<Peers>(options.registryDir, loops, impl_->router);
    try {
      impl_->peers->start(workers);
    } catch (const Error& e) {
      if (options.registryExplicit) throw StartupError(e.what());
      // The default folder is a convenience: without it this process still
      // serves, on its own.
      impl_->peers->stop();
      impl_->peers.reset();
      log::warn("registry", std::string(e.what()) +
                                "; this process neither registers its Workers nor reaches "
                                "other dohost processes");
    }
  }

  // Bindings to Workers no process runs fail at call time with a clear
  // error; say so now too.
  for (const auto& worker : impl_->workers) {
    const auto& config = worker->config();
    auto report = [&](const std::string& binding, const std::string& target) {
      if (impl_->router.has(target)) return;
      if (impl_->peers) {
        if (impl_->peers->runs(target)) return;
        log::print("Worker \"" + config.name + "\": env." + binding + " is bound to Worker \"" +
                   target +
                   "\", which no dohost process runs yet; calls through it fail "
                   "until it starts (with another -c, or in another dohost serve sharing the "
                   "registry " +
                   impl_->options.registryDir.string() + ")");
        return;
      }
      log::print("Worker \"" + config.name + "\": env." + binding + " is bound to Worker \"" +
                 target +
                 "\", which is not running in this dohost process; calls through it "
                 "fail until it is (add it with another -c)");
    };
    for (const auto& service : config.services) report(service.binding, service.service);
    for (const auto& binding : config.durableObjects) {
      if (!binding.scriptName.empty() && binding.scriptName != config.name) {
        report(binding.name, binding.scriptName);
      }
    }
  }

  Worker* entry = impl_->workers.front().get();
  // Bodies over 64 KiB, and chunked ones, stream into the Worker as they arrive.
  http::ServerOptions httpOptions;
  httpOptions.streamBodiesOver = 64 * 1024;
  impl_->http = std::make_unique<http::Server>(
      loops,
      [entry](http::Request request, http::Respond respond) {
        entry->handleHttp(std::move(request), std::move(respond));
      },
      httpOptions);
  try {
    impl_->http->listen(options.ip, options.port);
  } catch (const std::exception& e) {
    throw StartupError(e.what());
  }
}

std::vector<std::string> Server::banner() const {
  std::map<std::pair<std::string, std::string>, Peers::Status> remote;
  if (impl_->peers) remote = impl_->peers->announce();
  // In this process, or in another one through the registry.
  auto state = [&](const std::string& worker, const std::string& binding,
                   const std::string& target) {
    auto it = remote.find({worker, binding});
    bool connected = it != remote.end() ? it->second.connected : impl_->router.has(target);
    return connected ? "[connected]" : "[not connected]";
  };
  std::vector<std::string> lines;
  for (const auto& worker : impl_->workers) {
    const auto& config = worker->config();
    lines.push_back("Worker \"" + config.name + "\" (" + config.main.filename().string() + ")");
    for (const auto& file : config.secretFiles) {
      std::error_code error;
      auto relative = std::filesystem::relative(file, std::filesystem::current_path(), error);
      lines.push_back("Using secrets defined in " + (error ? file : relative).string());
    }
    if (config.vars.empty() && config.secrets.empty() && config.durableObjects.empty() &&
        config.services.empty()) {
      lines.push_back("  no bindings");
      continue;
    }
    lines.push_back("  Binding                        Resource            Class or service");
    auto row = [&](const std::string& name, const std::string& kind, const std::string& what) {
      std::string line = "  " + name;
      line.resize(std::max<size_t>(line.size() + 1, 33), ' ');
      line += kind;
      line.resize(std::max<size_t>(line.size() + 1, 53), ' ');
      line += what;
      lines.push_back(line);
    };
    for (const auto& binding : config.durableObjects) {
      std::string what = binding.className;
      if (!binding.scriptName.empty() && binding.scriptName != config.name) {
        what += " (in " + binding.scriptName + ") " +
                state(config.name, binding.name, binding.scriptName);
      }
      row("env." + binding.name, "Durable Object", what);
    }
    for (const auto& service : config.services) {
      row("env." + service.binding, "Service",
          service.service + " " + state(config.name, service.binding, service.service));
    }
    for (const auto& [name, json] : config.vars) {
      // Values are not shown: vars may hold secrets.
      row("env." + name, "Environment var", "");
    }
    for (const auto& [name, value] : config.secrets) row("env." + name, "Secret", "(hidden)");
  }
  lines.push_back("Ready on http://" + impl_->options.ip + ":" + std::to_string(port()));
  return lines;
}

uint16_t Server::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->peers) impl_->peers->stop();
  if (impl_->http) impl_->http->stop();
  for (auto& worker : impl_->workers) worker->shutdown();
  impl_->http.reset();
  for (auto& loop : impl_->loops) loop->stop();
  for (auto& loop : impl_->loops) loop->join();
  impl_->workers.clear();
  if (!impl_->scratchDir.empty()) {
    std::error_code ignored;
    fs::remove_all(impl_->scratchDir, ignored);
  }
}

}  // namespace dohost::server
