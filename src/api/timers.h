// Timers: setTimeout/setInterval of one isolate on the isolate's own loop.
// One Asio timer is armed for the earliest deadline of a TimerQueue; each
// due timer fires in its own loop task (js::Isolate::run), so the microtasks
// a callback queues run before the next callback, as in workerd.
#pragma once

#include <cstdint>
#include <memory>

#include "dohost/js.h"

#include "timer_queue.h"

namespace dohost::api {

class Timers {
 public:
  // `fire` is called on the loop, inside no V8 scope, once per due timer.
  using Fire = std::function<void(uint64_t id)>;
  Timers(EventLoop& loop, Fire fire);
  // Cancels every pending timer; none fires afterwards.
  ~Timers();
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // Schedules timer `id` `delayMs` milliseconds from now (clamped to
  // [0, kMaxDelayMs]); rescheduling an id replaces its earlier deadline.
  void start(uint64_t id, double delayMs);

  // Cancels timer `id`; nothing happens when it is not pending.
  void cancel(uint64_t id);

  size_t pending() const {
    return queue_.size();
  }

  // Longer delays are cut to this (about 24.8 days, the largest
  // setTimeout delay browsers honour).
  static constexpr double kMaxDelayMs = 2147483647.0;

 private:
  struct Driver;
  void arm();
  void onExpiry();

  TimerQueue queue_;
  Fire fire_;
  std::unique_ptr<Driver> driver_;
};

}  // namespace dohost::api
