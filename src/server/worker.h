// One Worker of the process: its config, its isolate on one loop, its
// Durable Object host, and the fetch path from the front door into it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dohost/actor.h"
#include "dohost/api.h"
#include "dohost/bundle.h"
#include "dohost/config.h"
#include "dohost/event_loop.h"
#include "dohost/http.h"
#include "dohost/io.h"
#include "dohost/js.h"
#include "dohost/jsrpc.h"
#include "dohost/rpc.h"

namespace dohost::server {

// Registers natives.actorDispatch, which runs a function as an event of one of the Worker's
// Durable Objects (the WebSocket hibernation API); actor_events.cpp.
void installActorEvents(js::Isolate& isolate, actor::ActorHost& actors, const std::string& worker);

class Worker {
 public:
  Worker(config::WorkerConfig config,
         EventLoop& loop,
         rpc::Router& router,
         std::filesystem::path persistDir);
  ~Worker();

  // Creates the isolate on the Worker's loop, loads the code and checks it
  // against the config. Blocks until done; returns the errors found
  // (empty when the Worker is ready).
  std::vector<std::string> start();

  // Releases the isolate on its loop. Blocks until done.
  void shutdown();

  // Runs the Worker's fetch handler for `request`. Any thread.
  void handleHttp(http::Request request, http::Respond respond);

  const config::WorkerConfig& config() const {
    return config_;
  }

  // The HTTP client fetch() uses. Call before start().
  void setOutbound(std::shared_ptr<api::Outbound> outbound) {
    outbound_ = std::move(outbound);
  }
  // What other processes may reach, for the dev registry; filled by
  // start(). Entrypoints are the exported names that are not Durable
  // Object classes ("default" for the default export); classes are the
  // Durable Object classes the Worker defines.
  const std::vector<std::string>& entrypoints() const {
    return entrypoints_;
  }
  const std::vector<std::string>& classes() const {
    return classes_;
  }
  // The per-request limits on calls through bindings. Call before start().
  void setLimits(const jsrpc::Limits& limits) {
    limits_ = limits;
  }
  // Durable Object storage in memory only (dohost serve --in-memory). Before start().
  void setInMemory(bool inMemory) {
    inMemory_ = inMemory;
  }

 private:
  std::vector<std::string> startOnLoop();
  void setCtxExports(v8::Isolate* isolate, v8::Local<v8::Context> context);
  void fetchOnLoop(http::Request request, http::Respond respond);
  void recordExports(const std::vector<std::string>& exported);

  config::WorkerConfig config_;
  EventLoop& loop_;
  rpc::Router& router_;
  std::filesystem::path persistDir_;
  std::unique_ptr<js::Isolate> isolate_;
  std::unique_ptr<jsrpc::RpcHost> rpc_;
  std::unique_ptr<actor::ActorHost> actors_;
  std::unique_ptr<api::WebNatives> web_;
  std::unique_ptr<bundle::ModuleLoader> loader_;
  std::unique_ptr<js::ModuleProvider> provider_;
  std::unique_ptr<api::IoNatives> io_;
  std::shared_ptr<api::Outbound> outbound_;
  v8::Global<v8::Object> env_;
  std::vector<std::string> entrypoints_;
  std::vector<std::string> classes_;
  jsrpc::Limits limits_;
  bool inMemory_ = false;
};

}  // namespace dohost::server
