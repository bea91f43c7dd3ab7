// WebSocketChannel: two inboxes under one mutex. Each inbox is drained by one task posted to its
// listener's loop, which hands the events over one at a time, so order holds even when the
// listener changes (a WebSocket going into hibernation and back).
#include "dohost/web_socket_channel.h"

#include <deque>
#include <mutex>

namespace dohost {

struct WebSocketEnd::Channel : std::enable_shared_from_this<Channel> {
  struct Inbox {
    std::deque<WebSocketEvent> events;
    EventLoop* loop = nullptr;
    std::shared_ptr<Listener> listener;  // null: not listening
    bool drainPosted = false;
    bool sendClosed = false;  // the end owning this inbox sent a Close or aborted
  };

  std::mutex mutex;
  Inbox inbox[2];  // inbox[i] holds what end i receives

  void push(int to, WebSocketEvent event) {
    Inbox& box = inbox[to];
    box.events.push_back(std::move(event));
    postDrainLocked(to);
  }

  void postDrainLocked(int side) {
    Inbox& box = inbox[side];
    if (box.drainPosted || !box.listener || box.events.empty()) return;
    box.drainPosted = true;
    box.loop->post([self = shared_from_this(), side] { self->drain(side); });
  }

  // On the listener's loop: hands over the queued events while the same listener stays.
  void drain(int side) {
    std::unique_lock<std::mutex> lock(mutex);
    Inbox& box = inbox[side];
    box.drainPosted = false;
    while (box.listener && !box.events.empty()) {
      auto listener = box.listener;
      WebSocketEvent event = std::move(box.events.front());
      box.events.pop_front();
      lock.unlock();
      (*listener)(std::move(event));
      lock.lock();
    }
  }
};

WebSocketEnd::WebSocketEnd(std::shared_ptr<Channel> channel, int side)
    : channel_(std::move(channel)), side_(side) {}

WebSocketEnd::~WebSocketEnd() {
  abort();
}

bool WebSocketEnd::send(WebSocketEvent event) {
  std::lock_guard<std::mutex> lock(channel_->mutex);
  auto& mine = channel_->inbox[side_];
  if (mine.sendClosed) return false;
  if (event.kind != WebSocketEvent::Kind::kText && event.kind != WebSocketEvent::Kind::kBinary) {
    mine.sendClosed = true;
  }
  channel_->push(1 - side_, std::move(event));
  return true;
}

void WebSocketEnd::listen(EventLoop& loop, Listener listener) {
  std::lock_guard<std::mutex> lock(channel_->mutex);
  auto& mine = channel_->inbox[side_];
  mine.loop = &loop;
  mine.listener = std::make_shared<Listener>(std::move(listener));
  channel_->postDrainLocked(side_);
}

void WebSocketEnd::unlisten() {
  std::shared_ptr<Listener> old;
  {
    std::lock_guard<std::mutex> lock(channel_->mutex);
    old = std::move(channel_->inbox[side_].listener);
  }
  // `old` and what it captured die here, outside the lock.
}

void WebSocketEnd::abort(std::string why) {
  std::lock_guard<std::mutex> lock(channel_->mutex);
  auto& mine = channel_->inbox[side_];
  if (mine.sendClosed) return;
  mine.sendClosed = true;
  channel_->push(1 - side_, WebSocketEvent::aborted(std::move(why)));
}

bool WebSocketEnd::sendClosed() const {
  std::lock_guard<std::mutex> lock(channel_->mutex);
  return channel_->inbox[side_].sendClosed;
}

std::pair<std::shared_ptr<WebSocketEnd>, std::shared_ptr<WebSocketEnd>> makeWebSocketChannel() {
  auto channel = std::make_shared<WebSocketEnd::Channel>();
  return {std::shared_ptr<WebSocketEnd>(new WebSocketEnd(channel, 0)),
          std::shared_ptr<WebSocketEnd>(new WebSocketEnd(channel, 1))};
}

}  // namespace dohost
