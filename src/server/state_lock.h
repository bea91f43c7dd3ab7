// A lock on one Worker's state in the state folder, to tell when two dohost
// processes write the same Durable Object databases. Processes running
// different Workers may share a folder.
#pragma once

#include <filesystem>
#include <string>

namespace dohost::server {

class StateLock {
 public:
  // Locks the state of Worker `worker` in `dir` (created if needed) for this
  // process's lifetime. When another process holds it, sharedWith() names
  // that process and nothing is locked: a second process of the same Worker
  // is allowed (it takes over the Worker in the dev registry), but warned
  // about. Throws dohost::Error when the lock file cannot be opened.
  // `worker` must be a valid Worker name (no separators).
  StateLock(const std::filesystem::path& dir, const std::string& worker);

  // The pid of the process that holds the lock, or "" when this one does.
  const std::string& sharedWith() const {
    return sharedWith_;
  }
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
  std::string sharedWith_;
};

}  // namespace dohost::server
