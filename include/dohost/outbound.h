// Outbound HTTP as plain values: what fetch() sends and gets back, and the interface of the
// client that carries it (implemented in src/http, used by the natives in src/api).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dohost/byte_stream.h"
#include "dohost/event_loop.h"
#include "dohost/web_socket_channel.h"

namespace dohost::api {

// An HTTP request leaving the process, as fetch() sends it: the headers exactly as they go on
// the wire (Host included), and the body as a stream (null: none).
struct OutboundRequest {
  std::string method;
  std::string url;  // absolute http: or https: URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<ByteStream> body;
  bool webSocket = false;  // a WebSocket upgrade: a 101 answer gives `webSocket` below
};

struct OutboundResponse {
  int status = 0;
  std::string statusText;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<ByteStream> body;         // null for a response that cannot have one
  std::shared_ptr<WebSocketEnd> webSocket;  // after a 101 to a WebSocket upgrade
};

// The result of a request: a response, or the message of the error fetch() rejects with, e.g.
// "Network connection lost.".
struct OutboundResult {
  std::optional<OutboundResponse> response;
  std::string error;
};

// Sends outbound HTTP requests (implemented by the front door's layer, src/http). Thread-safe.
class Outbound {
 public:
  virtual ~Outbound() = default;
  // Starts `request`; `done` runs once on `loop`, when the response head has arrived (the body
  // then streams in) or the request failed. The returned function, called on `loop`, cancels
  // the request: `done` is then not called, and a response body already handed over fails.
  virtual std::function<void()> send(OutboundRequest request,
                                     EventLoop& loop,
                                     std::function<void(OutboundResult)> done) = 0;
};

}  // namespace dohost::api
