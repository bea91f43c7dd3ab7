// Timers: the Asio side of setTimeout. A single steady_timer per isolate is
// re-armed for the queue's earliest deadline whenever that changes.
#include "timers.h"

#include <utility>

#include <boost/asio/steady_timer.hpp>

#include "dohost/log.h"

namespace dohost::api {

struct Timers::Driver {
  explicit Driver(EventLoop& loop) : timer(loop.context()) {}
  boost::asio::steady_timer timer;
  std::optional<TimerQueue::TimePoint> armedFor;
  // Shared with pending handlers: false once Timers is gone, so a handler
  // that runs after the destructor (with operation_aborted) does nothing.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

Timers::Timers(EventLoop& loop, Fire fire)
    : fire_(std::move(fire)), driver_(std::make_unique<Driver>(loop)) {}

Timers::~Timers() {
  *driver_->alive = false;
  driver_->timer.cancel();
}

void Timers::start(uint64_t id, double delayMs) {
  if (!(delayMs > 0)) delayMs = 0;  // NaN and negative delays fire at once
  if (delayMs > kMaxDelayMs) delayMs = kMaxDelayMs;
  auto delay = std::chrono::duration_cast<TimerQueue::Clock::duration>(
      std::chrono::duration<double, std::milli>(delayMs));
  queue_.add(id, TimerQueue::Clock::now() + delay);
  arm();
}

void Timers::cancel(uint64_t id) {
  if (queue_.cancel(id)) arm();
}

void Timers::arm() {
  auto next = queue_.nextDeadline();
  if (next == driver_->armedFor) return;
  driver_->armedFor = next;
  if (!next) {
    driver_->timer.cancel();
    return;
  }
  // Re-arming cancels the wait in progress; its handler sees
  // operation_aborted and leaves the new wait alone.
  driver_->timer.expires_at(*next);
  driver_->timer.async_wait([this, alive = driver_->alive](boost::system::error_code error) {
    if (!*alive || error == boost::asio::error::operation_aborted) return;
    onExpiry();
  });
}

void Timers::onExpiry() {
  driver_->armedFor.reset();
  auto alive = driver_->alive;
  auto now = TimerQueue::Clock::now();
  auto mark = queue_.mark();
  while (auto id = queue_.popDue(now, mark)) {
    fire_(*id);
    if (!*alive) return;  // a callback tore the isolate down
  }
  arm();
}

}  // namespace dohost::api
