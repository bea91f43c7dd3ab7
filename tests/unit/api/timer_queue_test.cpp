#include "timer_queue.h"

#include <gtest/gtest.h>

namespace dohost::api {
namespace {

using std::chrono::milliseconds;

TEST(TimerQueue, FiresByDeadlineThenInOrderAdded) {
  TimerQueue queue;
  auto t0 = TimerQueue::TimePoint{};
  queue.add(1, t0 + milliseconds(5));
  queue.add(2, t0);
  queue.add(3, t0 + milliseconds(5));
  queue.add(4, t0);
  EXPECT_EQ(queue.nextDeadline(), t0);
  std::vector<uint64_t> order;
  while (auto id = queue.popDue(t0 + milliseconds(10), queue.mark())) order.push_back(*id);
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 4, 1, 3}));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.nextDeadline(), std::nullopt);
}

TEST(TimerQueue, PopsOnlyWhatIsDue) {
  TimerQueue queue;
  auto t0 = TimerQueue::TimePoint{};
  queue.add(1, t0 + milliseconds(1));
  queue.add(2, t0 + milliseconds(3));
  EXPECT_EQ(queue.popDue(t0, queue.mark()), std::nullopt);
  EXPECT_EQ(queue.popDue(t0 + milliseconds(2), queue.mark()), 1u);
  EXPECT_EQ(queue.popDue(t0 + milliseconds(2), queue.mark()), std::nullopt);
  EXPECT_EQ(queue.nextDeadline(), t0 + milliseconds(3));
}

TEST(TimerQueue, CancelRemovesOnlyThatTimer) {
  TimerQueue queue;
  auto t0 = TimerQueue::TimePoint{};
  queue.add(1, t0);
  queue.add(2, t0);
  EXPECT_TRUE(queue.cancel(1));
  EXPECT_FALSE(queue.cancel(1));
  EXPECT_FALSE(queue.cancel(99));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.popDue(t0, queue.mark()), 2u);
}

TEST(TimerQueue, TimersAddedAfterTheMarkWaitForTheNextBatch) {
  TimerQueue queue;
  auto t0 = TimerQueue::TimePoint{};
  queue.add(1, t0);
  auto mark = queue.mark();
  queue.add(2, t0);  // e.g. setTimeout(f, 0) from inside timer 1's callback
  EXPECT_EQ(queue.popDue(t0, mark), 1u);
  EXPECT_EQ(queue.popDue(t0, mark), std::nullopt);
  EXPECT_EQ(queue.popDue(t0, queue.mark()), 2u);
}

TEST(TimerQueue, AddingAnIdAgainReplacesItsDeadline) {
  TimerQueue queue;
  auto t0 = TimerQueue::TimePoint{};
  queue.add(1, t0);
  queue.add(1, t0 + milliseconds(7));
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.nextDeadline(), t0 + milliseconds(7));
}

}  // namespace
}  // namespace dohost::api
