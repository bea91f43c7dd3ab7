// WebSocketChannel between two loops: order, queueing before a listener, close and abort.
#include "dohost/web_socket_channel.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "dohost/event_loop.h"

namespace dohost {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

// Collects the events a listener receives, for the test thread to take.
class Inbox {
 public:
  WebSocketEnd::Listener listener() {
    return [this](WebSocketEvent event) {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(std::move(event));
      ready_.notify_all();
    };
  }

  std::optional<WebSocketEvent> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, kTimeout, [this] { return !events_.empty(); })) return std::nullopt;
    auto event = std::move(events_.front());
    events_.pop_front();
    return event;
  }

  bool empty() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_.empty();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<WebSocketEvent> events_;
};

class WebSocketChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loopA_.start();
    loopB_.start();
  }
  EventLoop loopA_{"a"};
  EventLoop loopB_{"b"};
};

TEST_F(WebSocketChannelTest, DeliversMessagesQueuedBeforeTheListenerInOrder) {
  auto [a, b] = makeWebSocketChannel();
  EXPECT_TRUE(a->send(WebSocketEvent::text("one")));
  EXPECT_TRUE(a->send(WebSocketEvent::binary(std::string("\0\1", 2))));
  Inbox inbox;
  b->listen(loopB_, inbox.listener());
  auto first = inbox.take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, WebSocketEvent::Kind::kText);
  EXPECT_EQ(first->data, "one");
  auto second = inbox.take();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->kind, WebSocketEvent::Kind::kBinary);
  EXPECT_EQ(second->data, std::string("\0\1", 2));
  b->unlisten();
}

TEST_F(WebSocketChannelTest, NothingFollowsAClose) {
  auto [a, b] = makeWebSocketChannel();
  Inbox inbox;
  b->listen(loopB_, inbox.listener());
  EXPECT_TRUE(a->send(WebSocketEvent::close(4000, "bye")));
  EXPECT_FALSE(a->send(WebSocketEvent::text("after")));
  EXPECT_TRUE(a->sendClosed());
  auto close = inbox.take();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->kind, WebSocketEvent::Kind::kClose);
  EXPECT_EQ(close->code, 4000);
  EXPECT_EQ(close->data, "bye");
  // The other direction stays open until b closes too.
  Inbox back;
  a->listen(loopA_, back.listener());
  EXPECT_TRUE(b->send(WebSocketEvent::text("still here")));
  EXPECT_EQ(back.take()->data, "still here");
  a->unlisten();
  b->unlisten();
}

TEST_F(WebSocketChannelTest, DroppingAnOpenEndAbortsItForThePeer) {
  auto [a, b] = makeWebSocketChannel();
  Inbox inbox;
  b->listen(loopB_, inbox.listener());
  a.reset();
  auto event = inbox.take();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, WebSocketEvent::Kind::kAborted);
  EXPECT_EQ(event->code, 1006);
  EXPECT_EQ(event->data, "WebSocket disconnected without sending Close frame.");
  b->unlisten();
}

TEST_F(WebSocketChannelTest, EventsWaitWhileNobodyListensAndKeepTheirOrder) {
  auto [a, b] = makeWebSocketChannel();
  Inbox first;
  b->listen(loopB_, first.listener());
  a->send(WebSocketEvent::text("1"));
  EXPECT_EQ(first.take()->data, "1");
  b->unlisten();
  a->send(WebSocketEvent::text("2"));
  a->send(WebSocketEvent::text("3"));
  Inbox second;
  b->listen(loopA_, second.listener());
  EXPECT_EQ(second.take()->data, "2");
  EXPECT_EQ(second.take()->data, "3");
  EXPECT_TRUE(first.empty());
  b->unlisten();
}

}  // namespace
}  // namespace dohost
