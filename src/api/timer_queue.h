// TimerQueue: the pending timers of one isolate in firing order (deadline,
// then creation order), with no clock or loop of its own so that it can be
// tested without waiting. Timers (timers.cpp) drives it from the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace dohost::api {

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  // Adds timer `id` due at `deadline`, replacing an earlier entry of the same
  // id. Timers due at the same instant fire in the order they were added.
  void add(uint64_t id, TimePoint deadline);

  // Removes timer `id`; false when it was not pending.
  bool cancel(uint64_t id);

  // The deadline of the first timer to fire, if any.
  std::optional<TimePoint> nextDeadline() const;

  // A mark of how many timers have been added so far. popDue() with this
  // mark skips the timers added after it was taken, so that a callback that
  // sets a zero-delay timer does not run it within the same batch.
  uint64_t mark() const {
    return nextSequence_;
  }

  // Removes and returns the first timer due at `now` and added before
  // `mark`; nullopt when there is none.
  std::optional<uint64_t> popDue(TimePoint now, uint64_t mark);

  size_t size() const {
    return byId_.size();
  }
  bool empty() const {
    return byId_.empty();
  }

 private:
  using Key = std::tuple<TimePoint, uint64_t>;  // deadline, sequence
  std::map<Key, uint64_t> queue_;               // -> id
  std::map<uint64_t, Key> byId_;
  uint64_t nextSequence_ = 0;
};

}  // namespace dohost::api
