// The HTTP front door's interface: plain request and response values and a
// server that hands each parsed request to a handler. Beast and Asio stay
// inside src/http.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dohost/byte_stream.h"
#include "dohost/event_loop.h"
#include "dohost/outbound.h"
#include "dohost/web_socket_channel.h"

namespace dohost::http {

struct Header {
  std::string name;
  std::string value;
};

// A request as received. `target` is the request-target as sent
// ("/path?query"); `url` is the absolute URL a Worker sees,
// "http://" + Host header + target.
struct Request {
  std::string method;
  std::string target;
  std::string url;
  std::vector<Header> headers;  // in arrival order, names as sent
  std::string body;
  // The request came with a body: a Content-Length or a Transfer-Encoding header, even when the
  // body is empty (workerd gives such a request a body stream, others a null body).
  bool hasBody = false;
  // Set when the body streams in while the handler runs (see ServerOptions); `body` is then
  // empty. The handler reads it, or drops it: an unread rest is discarded after the response.
  std::shared_ptr<ByteStream> bodyStream;
};

struct Response {
  int status = 200;
  std::string statusText;  // empty: the standard reason phrase
  std::vector<Header> headers;
  std::string body;
  // A body written as it is produced; `body` must then be empty. It goes out with a
  // Content-Length when the stream's length() is known, chunked otherwise (the handler's own
  // Content-Length and Transfer-Encoding are dropped, as workerd does). A stream that fails cuts
  // the connection, so the client sees a truncated response rather than a complete one.
  std::shared_ptr<ByteStream> bodyStream;
  // With status 101 in answer to a WebSocket upgrade request: the connection becomes a WebSocket
  // whose messages go to this end's peer and come from it. The handler's headers are added to
  // the 101 response after Connection, Upgrade and Sec-WebSocket-Accept.
  std::shared_ptr<WebSocketEnd> webSocket;
};

struct ServerOptions {
  // Request bodies declared (by Content-Length) to be at most this many bytes are read whole
  // before the handler runs; longer ones and chunked ones stream through Request::bodyStream.
  // Unset: every body is read whole, up to 100 MiB.
  std::optional<std::size_t> streamBodiesOver;
};

// Completes one request. May be called from any thread, exactly once: a second
// call is ignored (with a warning), and a call after the connection closed, or
// after the Server is destroyed, does nothing. The response is written on the
// connection's own loop. Copies may be kept; dropping every copy without
// calling it answers 500.
using Respond = std::function<void(Response)>;

// Called on a loop thread for each request. It must eventually call
// `respond`; it must not block the loop. If it throws before responding, the
// client gets a 500.
using Handler = std::function<void(Request request, Respond respond)>;

// HTTP/1.1 (and 1.0) with keep-alive; one request at a time per connection.
// A declared body over 100 MiB gets a 413, headers over 64 KiB a 431, a
// malformed request a 400 with a short plain-text reason, then a close.
// Bodies are read whole or streamed (ServerOptions); responses are written
// whole or streamed (Response::bodyStream), and a 101 with a WebSocketEnd
// turns the connection into a WebSocket.
// After each response a line `GET /path 200 OK (3ms)` goes to log::print.
class Server {
 public:
  // Connections are spread round-robin over `loops`, which must outlive the
  // server and be running; loops[0] also runs the acceptor.
  Server(std::vector<EventLoop*> loops, Handler handler, ServerOptions options = {});

  // stop(), then closes every connection, requests in flight included, and
  // waits for loops[0] to drop the acceptor. The handler is released here.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Port 0 picks a free port; port() tells which.
  // Throws dohost::Error naming the address when it cannot bind, e.g.
  // `cannot listen on 127.0.0.1:8787: address already in use`. Call it once,
  // before stop().
  void listen(const std::string& ip, uint16_t port);
  uint16_t port() const;

  // Stops accepting and closes idle connections and WebSockets; requests in flight finish,
  // and their connections close after the response. When it returns, the
  // handler is not running and will not be called again (unless stop() was
  // called from inside the handler). Thread-safe; calling it twice is fine.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The HTTP client outbound fetch() uses: HTTP/1.1 over TCP, or TLS verified against the
// system's CA certificates plus the PEM file named by the DOHOST_EXTRA_CA_CERTS environment
// variable (for a local CA or a self-signed certificate). One connection per request.
std::shared_ptr<api::Outbound> makeClient();

}  // namespace dohost::http
