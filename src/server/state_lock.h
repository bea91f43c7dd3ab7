// An exclusive lock on the state folder, so that two dohost processes never
// write the same Durable Object databases.
#pragma once

#include <filesystem>

namespace dohost::server {

class StateLock {
 public:
  // Locks `dir` (created if needed) for this process's lifetime. Throws
  // dohost::Error naming the other process when one holds it.
  explicit StateLock(const std::filesystem::path& dir);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace dohost::server
