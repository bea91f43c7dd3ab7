// RegistryWatcher: a copy of the registry's live entries kept current by
// inotify on the folder, a slow poll for processes killed without cleaning
// up, and rescans asked for by the transport.
#include <sys/inotify.h>
#include <unistd.h>

// Before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dohost/log.h"
#include "dohost/registry.h"

namespace dohost::rpc {
namespace {

namespace asio = boost::asio;
using ErrorCode = boost::system::error_code;

// How often the folder is read even when nothing changed in it: a process
// killed by SIGKILL leaves its files behind, and only a liveness check of
// its pid notices. Without inotify this is the only trigger, so it is short.
constexpr auto kPollInterval = std::chrono::milliseconds(1000);
constexpr auto kPollIntervalWithoutInotify = std::chrono::milliseconds(250);

}  // namespace

struct RegistryWatcher::Impl : std::enable_shared_from_this<Impl> {
  Impl(const Registry& registry, EventLoop& loop, std::function<void()> onChange)
      : registry(registry), loop(loop), onChange(std::move(onChange)), timer(loop.context()) {}

  // Reads the folder; true when the copy changed.
  bool scan() {
    auto fresh = registry.list();
    std::lock_guard<std::mutex> lock(mutex);
    if (fresh == entries) return false;
    entries = std::move(fresh);
    return true;
  }

  void scanAndTell() {
    scanQueued = false;
    if (stopped) return;
    if (scan() && onChange) onChange();
  }

  // Coalesces bursts (an atomic write is a create and a rename) into one scan.
  void queueScan() {
    if (scanQueued || stopped) return;
    scanQueued = true;
    loop.post([self = shared_from_this()] { self->scanAndTell(); });
  }

  void watchFolder() {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      log::info("registry", "inotify unavailable; polling the registry folder");
      return;
    }
    uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE |
                    IN_DELETE_SELF | IN_MOVE_SELF;
    if (::inotify_add_watch(fd, registry.dir().c_str(), mask) < 0) {
      ::close(fd);
      log::info("registry", "cannot watch the registry folder; polling it");
      return;
    }
    events = std::make_unique<asio::posix::stream_descriptor>(loop.context(), fd);
    readEvents();
  }

  void readEvents() {
    events->async_read_some(asio::buffer(eventBuffer),
                            [self = shared_from_this()](ErrorCode ec, size_t) {
                              if (ec || self->stopped) return;
                              // Which file changed does not matter: the scan reads them all.
                              self->queueScan();
                              self->readEvents();
                            });
  }

  void poll() {
    timer.expires_after(events ? kPollInterval : kPollIntervalWithoutInotify);
    timer.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (ec || self->stopped) return;
      self->queueScan();
      self->poll();
    });
  }

  const Registry& registry;
  EventLoop& loop;
  std::function<void()> onChange;
  asio::steady_timer timer;
  std::unique_ptr<asio::posix::stream_descriptor> events;
  std::array<char, 4096> eventBuffer;
  bool scanQueued = false;  // loop only
  bool stopped = false;     // loop only, after start()
  std::atomic<bool> stopRequested{false};
  std::atomic<bool> started{false};

  mutable std::mutex mutex;
  std::map<std::string, RegistryEntry> entries;  // guarded by mutex
};

RegistryWatcher::RegistryWatcher(const Registry& registry,
                                 EventLoop& loop,
                                 std::function<void()> onChange)
    : impl_(std::make_shared<Impl>(registry, loop, std::move(onChange))) {}

RegistryWatcher::~RegistryWatcher() {
  stop();
}

void RegistryWatcher::start() {
  impl_->started = true;
  impl_->scan();
  impl_->loop.post([impl = impl_] {
    impl->watchFolder();
    impl->poll();
  });
}

void RegistryWatcher::stop() {
  if (impl_->stopRequested.exchange(true) || !impl_->started) return;
  std::promise<void> done;
  impl_->loop.post([impl = impl_, &done] {
    impl->stopped = true;
    impl->timer.cancel();
    if (impl->events) impl->events->close();
    done.set_value();
  });
  done.get_future().wait();
}

void RegistryWatcher::rescan() {
  impl_->loop.post([impl = impl_] { impl->queueScan(); });
}

std::optional<RegistryEntry> RegistryWatcher::find(const std::string& worker) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto it = impl_->entries.find(worker);
  if (it == impl_->entries.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, RegistryEntry> RegistryWatcher::entries() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->entries;
}

}  // namespace dohost::rpc
