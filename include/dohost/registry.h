// The dev registry: a folder where every `dohost serve` on the machine says
// which Workers it runs and on which Unix socket, so that processes find
// each other. One JSON file per Worker; see docs/dev-registry.md.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "dohost/event_loop.h"

namespace dohost::rpc {

// What the registry says about one Worker.
struct RegistryEntry {
  std::string worker;
  std::filesystem::path socket;  // the process's Unix socket
  pid_t pid = 0;
  // Named entrypoints the Worker exports ("default" for its default export).
  std::vector<std::string> entrypoints;
  // The Durable Object classes it defines.
  std::vector<std::string> classes;

  bool operator==(const RegistryEntry&) const = default;
};

// The folder to use when neither `--registry` nor DOHOST_REGISTRY_PATH
// says: $XDG_RUNTIME_DIR/dohost/registry, else $HOME/.dohost/registry.
// Takes the environment's values (null when unset) so tests can pass their
// own.
std::filesystem::path defaultRegistryDir(const char* xdgRuntimeDir, const char* home);

// The registry folder. Reading and writing go straight to the files, so
// every method may be called from any thread; none keeps state but the
// folder's path. Methods that read drop stale entries as they meet them.
class Registry {
 public:
  // Creates the folder (mode 0700) if needed. Throws dohost::Error naming
  // the folder when it cannot.
  explicit Registry(std::filesystem::path dir);

  const std::filesystem::path& dir() const {
    return dir_;
  }

  // Where this process's socket goes: `DIR/sockets/<pid>.sock`, or, when
  // that path is too long for a Unix socket address, a folder under the
  // system's temporary folder.
  std::filesystem::path socketPathFor(pid_t pid) const;

  // Writes (or replaces) the entry for entry.worker atomically: a reader
  // sees the old file or the new one, never half of one.
  void add(const RegistryEntry& entry);

  // Removes the entry for `worker` if it still names `pid` (another process
  // may have taken the name since).
  void remove(const std::string& worker, pid_t pid);

  // The live entry for `worker`: its file parses, its process runs and its
  // socket exists. A stale one is deleted and nullopt returned.
  std::optional<RegistryEntry> find(const std::string& worker) const;

  // Every live entry, by Worker name; stale entries and the sockets of
  // dead processes are deleted.
  std::map<std::string, RegistryEntry> list() const;

  // The file that holds `worker`'s entry.
  std::filesystem::path fileFor(const std::string& worker) const;

 private:
  std::optional<RegistryEntry> readLive(const std::filesystem::path& file) const;

  std::filesystem::path dir_;
};

// Keeps a current copy of the registry's live entries: rescans when the
// folder changes (inotify), when asked, and every `kPollInterval` for
// processes that died without cleaning up. Runs on one loop.
class RegistryWatcher {
 public:
  // `onChange` runs on `loop` after each scan that changed the copy.
  RegistryWatcher(const Registry& registry, EventLoop& loop, std::function<void()> onChange);
  ~RegistryWatcher();
  RegistryWatcher(const RegistryWatcher&) = delete;
  RegistryWatcher& operator=(const RegistryWatcher&) = delete;

  // Scans once (on the calling thread, so the copy is current when it
  // returns), then watches on the loop. Call once.
  void start();

  // Stops watching; blocks until the loop has let go. Call from any thread
  // but the loop's own; calling it twice is fine.
  void stop();

  // Asks for a scan soon, e.g. after a connection to a peer broke.
  // Thread-safe.
  void rescan();

  // The entry for `worker` in the current copy. Thread-safe.
  std::optional<RegistryEntry> find(const std::string& worker) const;

  // The whole current copy. Thread-safe.
  std::map<std::string, RegistryEntry> entries() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace dohost::rpc
