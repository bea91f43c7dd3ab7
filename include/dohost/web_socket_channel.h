// WebSocketChannel: an in-process WebSocket connection between two ends that may live on different
// event loops. Whatever holds an end (a Worker's WebSocket object, a hibernating Durable Object,
// the front door's upgraded connection, an outbound WebSocket client) sends messages to the other
// end and receives the other end's messages on its own loop, in order.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "dohost/event_loop.h"

namespace dohost {

struct WebSocketEvent {
  enum class Kind {
    kText,
    kBinary,
    kClose,    // a Close frame: `code` (1005 when none was given) and the reason in `data`
    kAborted,  // the peer went away without a Close frame (connection lost, end dropped)
    kError,    // the connection failed (a protocol error): `data` says why; nothing follows
  };
  Kind kind = Kind::kText;
  std::string data;
  int code = 0;

  static WebSocketEvent text(std::string data) {
    return {Kind::kText, std::move(data), 0};
  }
  static WebSocketEvent binary(std::string data) {
    return {Kind::kBinary, std::move(data), 0};
  }
  static WebSocketEvent close(int code, std::string reason) {
    return {Kind::kClose, std::move(reason), code};
  }
  static WebSocketEvent aborted(std::string why) {
    return {Kind::kAborted, std::move(why), 1006};
  }
};

// One end of a channel. Thread-safe. Dropping the last reference to an end that has neither sent
// a Close nor aborted aborts it, so its peer learns that it is gone.
class WebSocketEnd {
 public:
  using Listener = std::function<void(WebSocketEvent)>;

  ~WebSocketEnd();
  WebSocketEnd(const WebSocketEnd&) = delete;
  WebSocketEnd& operator=(const WebSocketEnd&) = delete;

  // Sends a message or a Close to the peer. False, and dropped, once this end has sent a Close
  // or aborted: nothing follows a Close, a kAborted or a kError.
  bool send(WebSocketEvent event);

  // Delivers what the peer sends to `listener` on `loop`, one call per event, in order; events
  // that arrived before any listener are delivered first. Replaces the previous listener.
  void listen(EventLoop& loop, Listener listener);

  // Stops delivering. Later events wait for the next listen(). When it returns on the loop that
  // delivers, the old listener is not running and will not be called again.
  void unlisten();

  // This end goes away without a Close: the peer receives kAborted with `why`.
  void abort(std::string why = "WebSocket disconnected without sending Close frame.");

  // True once this end sent a Close or aborted.
  bool sendClosed() const;

  struct Channel;  // the state both ends share

 private:
  friend std::pair<std::shared_ptr<WebSocketEnd>, std::shared_ptr<WebSocketEnd>>
  makeWebSocketChannel();
  WebSocketEnd(std::shared_ptr<Channel> channel, int side);

  std::shared_ptr<Channel> channel_;
  const int side_;
};

// A new connection: what one end sends, the other receives.
std::pair<std::shared_ptr<WebSocketEnd>, std::shared_ptr<WebSocketEnd>> makeWebSocketChannel();

}  // namespace dohost
