// The natives behind a Worker's I/O: byte streams that carry HTTP bodies between the isolate and
// other loops (the front door, outbound fetch), WebSocket ends, and outbound fetch(). Handles are
// small integers the runtime bundle (runtime/web/io.js, websocket.js, fetch.js) passes back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dohost/byte_stream.h"
#include "dohost/event_loop.h"
#include "dohost/js.h"
#include "dohost/outbound.h"
#include "dohost/web_socket_channel.h"

namespace dohost::api {

class IoNatives {
 public:
  // Borrows `isolate`, which must outlive this object. Construct, use and destroy on the
  // isolate's loop. `outbound` sends fetch() requests; null leaves fetch() failing with a clear
  // error.
  IoNatives(js::Isolate& isolate, std::shared_ptr<Outbound> outbound);
  // Cancels the streams and aborts the WebSockets still held.
  ~IoNatives();
  IoNatives(const IoNatives&) = delete;
  IoNatives& operator=(const IoNatives&) = delete;

  // Registers the natives. Call once, before isolate.start().
  void install();

  // Makes `stream` readable from JavaScript (natives.streamRead); returns its handle.
  int adoptStream(std::shared_ptr<ByteStream> stream);
  // The stream JavaScript writes through `handle` (natives.streamCreate), for C++ to read;
  // null for an unknown handle.
  std::shared_ptr<ByteStream> takeStream(int handle);
  // Takes the far end of a WebSocket the runtime handed over (a WebSocketPair's client end in
  // a 101 response); null for an unknown handle.
  std::shared_ptr<WebSocketEnd> takeWebSocket(int handle);
  // Makes `end` usable as a WebSocket in JavaScript; returns its handle.
  int adoptWebSocket(std::shared_ptr<WebSocketEnd> end);

  struct State;

 private:
  js::Isolate& isolate_;
  std::shared_ptr<State> state_;
};

}  // namespace dohost::api
