// StateLock: flock() on DIR/WORKER.lock, which holds the owner's pid. The
// kernel drops the lock when the process dies, so a crash leaves no stale lock.
#include "state_lock.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

#include "dohost/assert.h"

namespace dohost::server {

StateLock::StateLock(const std::filesystem::path& dir, const std::string& worker) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  auto path = dir / (worker + ".lock");
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error("cannot lock the state folder " + dir.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    ssize_t got = ::pread(fd_, pid, sizeof pid - 1, 0);
    std::string owner = got > 0 ? std::string(pid, static_cast<size_t>(got)) : "unknown";
    while (!owner.empty() && (owner.back() == '\n' || owner.back() == ' ')) owner.pop_back();
    ::close(fd_);
    fd_ = -1;
    sharedWith_ = owner;
    return;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) (void)::pwrite(fd_, pid.data(), pid.size(), 0);
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dohost::server
