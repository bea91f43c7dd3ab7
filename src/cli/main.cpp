// dohost's command line: `dohost serve`, `--version`, `--help`; the banner
// and the signals that stop the server.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>

#include "dohost/config.h"
#include "dohost/log.h"
#include "dohost/registry.h"
#include "dohost/server.h"

#ifndef DOHOST_VERSION
#define DOHOST_VERSION "0.0.0"
#endif

namespace {

namespace fs = std::filesystem;

// Waits for SIGINT or SIGTERM on this thread; other threads block them.
int waitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

// Each Durable Object keeps three descriptors open (.sqlite, -wal, -shm) and each connection
// one: take every descriptor the hard limit allows, as a soft limit of 1024 runs out early.
void raiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    dohost::log::debug("cli", "cannot raise the open files limit: " + std::string(strerror(errno)));
  }
}

// What to say about a wrangler.toml found where a JSON config was looked for.
std::string tomlHint(const fs::path& toml) {
  std::error_code error;
  if (!fs::is_regular_file(toml, error))
    return "; pass a config file, e.g. dohost serve path/to/wrangler.jsonc";
  return "; found " + toml.string() +
         ", but dohost reads only wrangler.json and wrangler.jsonc, not TOML: write the same "
         "settings as JSON in wrangler.jsonc";
}

std::string noConfigMessage(const fs::path& cwd) {
  auto toml = dohost::config::findUpwards(cwd, "wrangler.toml");
  return "dohost: no wrangler.json or wrangler.jsonc in " + cwd.string() + " or its parents" +
         tomlHint(toml ? *toml : cwd / "wrangler.toml");
}

int serve(dohost::server::Options options) {
  dohost::server::Server server(std::move(options));
  try {
    server.start();
  } catch (const dohost::server::StartupError& e) {
    std::cerr << e.what() << std::endl;
    server.stop();
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dohost: " << e.what() << std::endl;
    server.stop();
    return 1;
  }
  for (const auto& line : server.banner()) dohost::log::print(line);
  waitForSignal();
  dohost::log::print("Shutting down");
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait() in main; every thread started later
  // inherits the mask, so none of them is interrupted.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  raiseDescriptorLimit();

  CLI::App app{"dohost: run Cloudflare Workers and Durable Objects locally", "dohost"};
  app.set_version_flag("--version,-V", std::string("dohost ") + DOHOST_VERSION);
  app.require_subcommand(0, 1);

  auto* serveCommand = app.add_subcommand("serve", "Serve one or more Workers over HTTP");
  std::string positional;
  std::vector<std::string> configs;
  dohost::server::Options options;
  std::string persist;
  bool verbose = false;
  serveCommand->add_option("config", positional,
                           "Worker config (default: ./wrangler.jsonc or ./wrangler.json)");
  serveCommand->add_option("-c,--config", configs,
                           "A Worker config; repeat for several Workers (the first gets HTTP)");
  serveCommand->add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->default_val(8787);
  serveCommand->add_option("--ip", options.ip, "Address to listen on")->default_val("127.0.0.1");
  auto* persistOption =
      serveCommand->add_option("--persist-to", persist,
                               "Folder for Durable Object data (default: .dohost/state next to "
                               "the first config)");
  serveCommand
      ->add_flag("--in-memory", options.inMemory,
                 "Keep Durable Object data in memory only, for tests: nothing is written to "
                 "disk and the data goes when dohost stops")
      ->excludes(persistOption);
  serveCommand->add_option("--threads", options.threads, "Event-loop threads (default: cores)");
  std::string registry;
  serveCommand->add_option("--registry", registry,
                           "Dev registry folder, where dohost processes find each other's Workers "
                           "(default: $DOHOST_REGISTRY_PATH, else $XDG_RUNTIME_DIR/dohost/registry "
                           "or ~/.dohost/registry)");
  bool noLimits = false;
  serveCommand->add_flag("--no-limits", noLimits,
                         "Do not enforce Cloudflare's per-request limits on service binding "
                         "invocations (32) and subrequests, as workerd does not");
  serveCommand
      ->add_option("--subrequest-limit", options.subrequestLimit,
                   "Subrequests (Durable Object and service calls) allowed per request")
      ->default_val(10000);
  double idleSeconds = 10;
  serveCommand
      ->add_option("--do-idle-timeout", idleSeconds,
                   "Seconds a Durable Object may stay idle before it is evicted; its storage "
                   "stays and the next request constructs it again (default: 10, as workerd)")
      ->check(CLI::PositiveNumber);
  serveCommand->add_flag("--verbose,-v", verbose, "Print info and debug logs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!*serveCommand) {
    std::cout << app.help() << std::flush;
    return argc > 1 ? 1 : 0;
  }
  if (verbose) dohost::log::setLevel(dohost::log::Level::kDebug);
  options.enforceLimits = !noLimits;

  if (!positional.empty()) configs.insert(configs.begin(), positional);
  if (configs.empty()) {
    auto found = dohost::config::findDefaultConfig(fs::current_path());
    if (!found) {
      std::cerr << noConfigMessage(fs::current_path()) << std::endl;
      return 1;
    }
    configs.push_back(found->string());
  }
  // A folder stands for the config in it.
  for (auto& config : configs) {
    std::error_code error;
    if (!fs::is_directory(config, error)) continue;
    auto found = dohost::config::configInFolder(config);
    if (!found) {
      std::cerr << "dohost: no wrangler.json or wrangler.jsonc in the folder " << config
                << tomlHint(fs::path(config) / "wrangler.toml") << std::endl;
      return 1;
    }
    config = found->string();
  }
  for (const auto& config : configs) options.configs.push_back(config);
  if (!persist.empty()) options.persistDir = persist;
  if (!registry.empty()) {
    options.registryDir = registry;
    options.registryExplicit = true;
  } else if (const char* fromEnv = std::getenv("DOHOST_REGISTRY_PATH"); fromEnv && *fromEnv) {
    options.registryDir = fromEnv;
    options.registryExplicit = true;
  } else {
    options.registryDir =
        dohost::rpc::defaultRegistryDir(std::getenv("XDG_RUNTIME_DIR"), std::getenv("HOME"));
  }
  options.idleTimeout = std::chrono::milliseconds(static_cast<long long>(idleSeconds * 1000 + 0.5));
  return serve(std::move(options));
}
