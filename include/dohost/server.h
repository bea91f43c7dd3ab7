// The Server: the loop threads, every Worker of the process with its
// isolate, the rpc router and the HTTP front door; startup and orderly
// shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dohost::server {

struct Options {
  std::vector<std::filesystem::path> configs;  // the first one gets HTTP
  std::string ip = "127.0.0.1";
  uint16_t port = 8787;
  // Where Durable Object data lives; empty means .dohost/state beside the
  // first config.
  std::filesystem::path persistDir;
  // Durable Object data lives in memory only and goes when the process stops; nothing is
  // written to disk but esbuild's bundles, in a folder removed at stop(). For tests.
  bool inMemory = false;
  unsigned threads = 0;  // 0: one per core
  // The dev registry folder: the Workers of this process are registered
  // there, and bindings to Workers of other processes resolve through it.
  // Empty: this process neither registers nor reaches other processes.
  std::filesystem::path registryDir;
  // Whether registryDir was asked for (--registry, DOHOST_REGISTRY_PATH):
  // then a folder that cannot be used stops startup; the default one only
  // warns.
  bool registryExplicit = false;
  // Cloudflare's per-request limits on service binding invocations and
  // subrequests; off (as in workerd) with --no-limits.
  bool enforceLimits = true;
  unsigned subrequestLimit = 10000;
  // How long a Durable Object may stay idle before it is evicted (its
  // storage stays; the next event constructs it again).
  std::chrono::milliseconds idleTimeout{10000};
};

// What start() reports when the configs or the code cannot be served.
// The message is complete and meant for a person; print it as is.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  explicit Server(Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads every config and Worker, then listens. Warnings are printed as
  // found; throws StartupError listing every error.
  void start();

  // The binding table and the `Ready on` line, for the banner. From the
  // first call on, each change of a binding to another process's Worker
  // (connected or not) is printed as one line.
  std::vector<std::string> banner() const;

  uint16_t port() const;

  // Stops taking requests, lets the Workers finish, closes storage. Safe to
  // call from any thread but a loop's own, once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dohost::server
