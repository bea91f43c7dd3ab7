#include "timers.h"

#include <future>
#include <vector>

#include <gtest/gtest.h>

#include "dohost/event_loop.h"

namespace dohost::api {
namespace {

// Runs `body` on `loop` and waits for it.
void onLoop(EventLoop& loop, std::function<void()> body) {
  std::promise<void> done;
  loop.post([&] {
    body();
    done.set_value();
  });
  done.get_future().get();
}

TEST(Timers, ZeroDelayTimersFireInTheOrderTheyWereSet) {
  EventLoop loop("test");
  loop.start();
  std::vector<uint64_t> fired;
  std::promise<void> allFired;
  std::unique_ptr<Timers> timers;
  onLoop(loop, [&] {
    timers = std::make_unique<Timers>(loop, [&](uint64_t id) {
      fired.push_back(id);
      if (fired.size() == 3) allFired.set_value();
    });
    for (uint64_t id : {5, 3, 9, 4}) timers->start(id, 0);
    timers->cancel(9);
    EXPECT_EQ(timers->pending(), 3u);
  });
  allFired.get_future().get();
  onLoop(loop, [&] {
    EXPECT_EQ(fired, (std::vector<uint64_t>{5, 3, 4}));
    EXPECT_EQ(timers->pending(), 0u);
    timers.reset();
  });
}

TEST(Timers, ACallbackCanSetTheNextTimer) {
  EventLoop loop("test");
  loop.start();
  std::vector<uint64_t> fired;
  std::promise<void> done;
  std::unique_ptr<Timers> timers;
  onLoop(loop, [&] {
    timers = std::make_unique<Timers>(loop, [&](uint64_t id) {
      fired.push_back(id);
      if (id < 3) {
        timers->start(id + 1, -5);  // negative delays mean "at once"
      } else {
        done.set_value();
      }
    });
    timers->start(1, 0);
  });
  done.get_future().get();
  onLoop(loop, [&] {
    EXPECT_EQ(fired, (std::vector<uint64_t>{1, 2, 3}));
    timers.reset();
  });
}

TEST(Timers, DestroyingCancelsWhatIsPending) {
  EventLoop loop("test");
  loop.start();
  bool fired = false;
  onLoop(loop, [&] {
    Timers timers(loop, [&](uint64_t) { fired = true; });
    timers.start(1, 0);
  });
  // A task posted now runs after the cancelled wait's handler.
  onLoop(loop, [] {});
  onLoop(loop, [&] { EXPECT_FALSE(fired); });
}

}  // namespace
}  // namespace dohost::api
