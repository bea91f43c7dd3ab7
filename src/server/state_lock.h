// An exclusive lock on one Worker's state in the state folder, so that two
// dohost processes never write the same Durable Object databases. Processes
// running different Workers may share a folder.
#pragma once

#include <filesystem>
#include <string>

namespace dohost::server {

class StateLock {
 public:
  // Locks the state of Worker `worker` in `dir` (created if needed) for this
  // process's lifetime. Throws dohost::Error naming the other process when
  // one holds it. `worker` must be a valid Worker name (no separators).
  StateLock(const std::filesystem::path& dir, const std::string& worker);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace dohost::server
