// The HTTP front door's interface: plain request and response values and a
// server that hands each parsed request to a handler. Beast and Asio stay
// inside src/http.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dohost/event_loop.h"

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
};

struct Response {
  int status = 200;
  std::string statusText;  // empty: the standard reason phrase
  std::vector<Header> headers;
  std::string body;
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
// Bodies are read whole: over 100 MiB gets a 413, headers over 64 KiB a 431,
// a malformed request a 400 with a short plain-text reason, then a close.
// After each response a line `GET /path 200 OK (3ms)` goes to log::print.
class Server {
 public:
  // Connections are spread round-robin over `loops`, which must outlive the
  // server and be running; loops[0] also runs the acceptor.
  Server(std::vector<EventLoop*> loops, Handler handler);

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

  // Stops accepting and closes idle connections; requests in flight finish,
  // and their connections close after the response. When it returns, the
  // handler is not running and will not be called again (unless stop() was
  // called from inside the handler). Thread-safe; calling it twice is fine.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace dohost::http
