// TimerQueue: two maps kept in step, one ordered for firing, one by id.
#include "timer_queue.h"

namespace dohost::api {

void TimerQueue::add(uint64_t id, TimePoint deadline) {
  cancel(id);
  Key key{deadline, nextSequence_++};
  queue_.emplace(key, id);
  byId_.emplace(id, key);
}

bool TimerQueue::cancel(uint64_t id) {
  auto it = byId_.find(id);
  if (it == byId_.end()) return false;
  queue_.erase(it->second);
  byId_.erase(it);
  return true;
}

std::optional<TimerQueue::TimePoint> TimerQueue::nextDeadline() const {
  if (queue_.empty()) return std::nullopt;
  return std::get<0>(queue_.begin()->first);
}

std::optional<uint64_t> TimerQueue::popDue(TimePoint now, uint64_t mark) {
  // Entries are ordered by deadline first: the first due entry added before
  // the mark is found by walking the due prefix.
  for (auto it = queue_.begin(); it != queue_.end() && std::get<0>(it->first) <= now; ++it) {
    if (std::get<1>(it->first) >= mark) continue;
    uint64_t id = it->second;
    byId_.erase(id);
    queue_.erase(it);
    return id;
  }
  return std::nullopt;
}

}  // namespace dohost::api
