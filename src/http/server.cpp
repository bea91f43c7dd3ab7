// The HTTP front door: one acceptor spreading connections over the event loops, and one Session
// per connection that parses requests with Beast, hands them to the handler and writes the
// framed response (wire.h). The only translation unit of dohost that includes Beast.
#include "dohost/http.h"

// Before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <utility>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "dohost/assert.h"
#include "dohost/log.h"
#include "wire.h"

namespace dohost::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using ErrorCode = boost::system::error_code;
using Tcp = asio::ip::tcp;
using Executor = asio::io_context::executor_type;
using Socket = Tcp::socket::rebind_executor<Executor>::other;
using Acceptor = Tcp::acceptor::rebind_executor<Executor>::other;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMaxBodyBytes = 100 * 1024 * 1024;
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
// After an error response, read and drop at most this much of what the client still sends, so
// that closing does not reset the connection before the client has read the response.
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
// accept() failing (EMFILE, ENFILE) would fail again at once; wait a little instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
// How long ~Server waits for loops[0] to close the acceptor; only reached if it is not running.
constexpr auto kAcceptorCloseTimeout = std::chrono::seconds(10);
constexpr std::int64_t kWarnIntervalMs = 1000;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Set while this thread runs some Server's handler: stop() called from a handler must not wait
// for the handlers to finish, since one of them is its caller.
thread_local bool tInHandler = false;

std::string formatAddress(const std::string& ip, std::uint16_t port) {
  bool v6 = ip.find(':') != std::string::npos;
  return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

std::string formatEndpoint(const Tcp::endpoint& endpoint) {
  return formatAddress(endpoint.address().to_string(), endpoint.port());
}

// "Address already in use" -> "address already in use", to continue a sentence.
std::string lowerFirst(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = char(text[0] - 'A' + 'a');
  return text;
}

// The peer went away or the connection was closed on purpose: nothing a person must look at.
bool isHangUp(const ErrorCode& ec) {
  return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted || ec == asio::error::not_connected;
}

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i] >= 'A' && text[i] <= 'Z' ? char(text[i] - 'A' + 'a') : text[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

// Warnings a handler can cause on every request: at most one a second, with a count of the rest.
void warnRateLimited(const std::string& message) {
  static std::atomic<std::int64_t> lastMs{-kWarnIntervalMs};
  static std::atomic<int> suppressed{0};
  std::int64_t nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                           Clock::now().time_since_epoch())
                           .count();
  std::int64_t last = lastMs.load();
  if (nowMs - last < kWarnIntervalMs || !lastMs.compare_exchange_strong(last, nowMs)) {
    ++suppressed;
    return;
  }
  int skipped = suppressed.exchange(0);
  std::string more;
  if (skipped != 0) more = " (" + std::to_string(skipped) + " similar warnings suppressed)";
  log::warn("http", message + more);
}

// The short plain-text answers the front door makes itself: "Bad Request: bad method".
Response plainText(int status, const std::string& detail) {
  Response response;
  response.status = status;
  response.headers.push_back({"Content-Type", "text/plain;charset=UTF-8"});
  response.body = std::string(reasonPhrase(status)) + ": " + detail + "\n";
  return response;
}

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

class Session;

// What every copy of one request's Respond shares. When the last copy goes without having been
// called, the client gets a 500 rather than a connection that hangs forever; workerd likewise
// answers "The script will never generate a response".
struct ResponseSlot {
  ResponseSlot(std::shared_ptr<Session> session, std::uint64_t seq)
      : session(std::move(session)), seq(seq) {}

  ~ResponseSlot();

  std::shared_ptr<Session> session;
  std::uint64_t seq;
  std::atomic<bool> answered{false};
};

// ============================================================================================
// Core: what the connections share with the server: the handler, the stopped flag and the list
// of live sessions. It holds no Asio object, so it may outlive the loops in a stray Respond.

class Core {
 public:
  explicit Core(Handler handler) : handler_(std::move(handler)) {}

  bool stopped() const { return stopped_.load(); }

  // Marks the server stopped and closes the connections, on their own loops: the idle ones, or
  // all of them when `closeAll`. Then waits for handlers that are running to return, unless
  // called from inside a handler.
  void stop(bool closeAll);

  // Drops the handler, and what it captured, now rather than with the last connection.
  void releaseHandler();

  // Runs the handler unless the server has stopped; false when it did not run.
  bool callHandler(Request request, const Respond& respond);

  std::uint64_t addSession(const std::shared_ptr<Session>& session);
  void removeSession(std::uint64_t id);

  // Posts `task` to a connection's loop unless the Server is gone: its loops may be gone too,
  // while a Worker still holds a Respond. Thread-safe.
  template <typename Task>
  void post(const Executor& executor, Task&& task) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!detached_) asio::post(executor, std::forward<Task>(task));
  }

  // Called by ~Server once every connection is closed: from now on post() drops its task.
  void detach() {
    std::lock_guard<std::mutex> lock(mutex_);
    detached_ = true;
  }

 private:
  std::atomic<bool> stopped_{false};  // written under mutex_, read anywhere
  std::mutex mutex_;
  Handler handler_;  // released under mutex_, called without it (handlersRunning_ counts calls)
  std::condition_variable handlersDone_;
  int handlersRunning_ = 0;  // guarded by mutex_
  bool detached_ = false;  // guarded by mutex_
  std::uint64_t nextSessionId_ = 0;  // guarded by mutex_
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by mutex_
};

// ============================================================================================
// Session: one connection. Everything but respond() runs on the thread of the connection's
// loop, which is the only thread that runs its io_context, so the io_context is the strand.

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Core> server, Socket socket)
      : server_(std::move(server)), executor_(socket.get_executor()),
        socket_(std::move(socket)) {}

  ~Session() {
    if (id_ != 0) server_->removeSession(id_);
  }

  void setId(std::uint64_t id) { id_ = id; }
  const Executor& executor() const { return executor_; }

  void start() {
    if (state_ != State::kNew) return;
    if (server_->stopped()) return close();
    ErrorCode ec;
    socket_->set_option(Tcp::no_delay(true), ec);
    readHeader();
  }

  // For stop(): a connection waiting for its next request (or lingering) has nothing to lose.
  void closeIfIdle() {
    if (state_ == State::kNew || state_ == State::kWaiting || state_ == State::kLingering) close();
  }

  // From respond(), on any thread: hands the response to the loop thread.
  void deliverLater(std::uint64_t seq, Response response) {
    server_->post(executor_, [self = shared_from_this(), seq,
                              response = std::move(response)]() mutable {
      self->deliver(seq, std::move(response));
    });
  }

  void close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    ErrorCode ec;
    socket_->shutdown(Tcp::socket::shutdown_both, ec);
    socket_->close(ec);

    // The cancelled operations' completions are queued now and still use the socket; free it
    // after them, so a session kept alive by a stray Respond owns no Asio object.
    asio::post(executor_, [self = shared_from_this()] { self->socket_.reset(); });
  }

 private:
  enum class State { kNew, kWaiting, kReadingBody, kHandling, kWriting, kLingering, kClosed };

  // ---- Reading ------------------------------------------------------------------------------

  void readHeader() {
    if (server_->stopped()) return close();
    state_ = State::kWaiting;
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    bhttp::async_read_header(*socket_, buffer_, *parser_,
                             [self = shared_from_this()](ErrorCode ec, std::size_t) {
                               self->onHeader(ec);
                             });
  }

  void onHeader(ErrorCode ec) {
    if (state_ == State::kClosed) return;
    if (ec) return onReadError(ec);
    state_ = State::kReadingBody;
    if (parser_->is_done()) return dispatch();

    // curl and others wait for this before sending a large body (RFC 9110 section 10.1.1).
    const auto& header = parser_->get();
    if (header.version() >= 11 && startsWithIgnoringCase(view(header[bhttp::field::expect]),
                                                         "100-continue")) {
      asio::async_write(*socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](ErrorCode ec, std::size_t) {
                          if (self->state_ == State::kClosed) return;
                          if (ec) return self->onReadError(ec);
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    bhttp::async_read(*socket_, buffer_, *parser_,
                      [self = shared_from_this()](ErrorCode ec, std::size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->onReadError(ec);
                        self->dispatch();
                      });
  }

  void onReadError(const ErrorCode& ec) {
    if (ec == bhttp::error::body_limit) {
      return reject(413, "the request body is larger than the limit of 100 MiB");
    }
    if (ec == bhttp::error::header_limit) {
      return reject(431, "the request headers are larger than the limit of 64 KiB");
    }
    bool parseError = ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
    if (parseError && !isHangUp(ec)) return reject(400, ec.message());
    if (!isHangUp(ec)) log::debug("http", "connection closed: " + ec.message());
    close();
  }

  // ---- Handling -----------------------------------------------------------------------------

  void dispatch() {
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();

    // What the response and the log line need to know about the request.
    ++requestSeq_;
    method_ = std::string(message.method_string());
    target_ = std::string(message.target());
    isHead_ = message.method() == bhttp::verb::head;
    keepAlive_ = message.keep_alive();
    http10_ = message.version() < 11;
    started_ = Clock::now();

    Request request;
    request.method = method_;
    request.target = target_;
    request.url = absoluteUrl(view(message[bhttp::field::host]));
    for (const auto& field : message) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(message.body());

    // The handler may pass `respond` to another thread and call it from there, once.
    auto slot = std::make_shared<ResponseSlot>(shared_from_this(), requestSeq_);
    Respond respond = [slot](Response response) {
      if (slot->answered.exchange(true)) {
        warnRateLimited("respond() called twice for one request; ignored the second call");
        return;
      }
      slot->session->deliverLater(slot->seq, std::move(response));
    };

    state_ = State::kHandling;
    try {
      if (!server_->callHandler(std::move(request), respond)) {
        slot->answered = true;  // stopped: nobody is waiting for an answer
        return close();
      }
    } catch (const std::exception& e) {
      log::error("http", std::string("handler threw: ") + e.what());
      if (!slot->answered.load()) respond(plainText(500, "the request handler failed"));
    } catch (...) {
      log::error("http", "handler threw a non-exception");
      if (!slot->answered.load()) respond(plainText(500, "the request handler failed"));
    }
  }

  // url = "http://" + Host + target; the connection's own address when Host is missing, and the
  // target itself when a client sent the absolute form (RFC 9112 section 3.2.2).
  std::string absoluteUrl(std::string_view host) {
    if (startsWithIgnoringCase(target_, "http://") || startsWithIgnoringCase(target_, "https://")) {
      return target_;
    }
    std::string authority(host);
    if (authority.empty()) {
      ErrorCode ec;
      Tcp::endpoint local = socket_->local_endpoint(ec);
      if (!ec) authority = formatEndpoint(local);
    }
    return "http://" + authority + target_;
  }

  // ---- Writing ------------------------------------------------------------------------------

  // The handler's answer to request number `seq`, now on the loop thread.
  void deliver(std::uint64_t seq, Response response) {
    if (state_ != State::kHandling || seq != requestSeq_) {
      log::debug("http", "dropped a response: its connection is closed");
      return;
    }
    if (response.status < 100 || response.status > 999) {
      log::error("http", "handler answered with status " + std::to_string(response.status) +
                             ", which is not an HTTP status; sent 500");
      response = plainText(500, "the request handler gave an invalid status");
    }

    int status = response.status;
    FrameOptions options;
    options.headRequest = isHead_;
    options.keepAlive = keepAlive_ && !server_->stopped();
    options.http10 = http10_;
    wire_ = frameResponse(std::move(response), options);
    for (const std::string& problem : wire_.problems) warnRateLimited(target_ + ": " + problem);
    keepAlive_ = !wire_.closeAfter;

    state_ = State::kWriting;
    std::array<asio::const_buffer, 2> buffers{asio::buffer(wire_.head), asio::buffer(wire_.body)};
    asio::async_write(*socket_, buffers,
                      [self = shared_from_this(), status](ErrorCode ec, std::size_t) {
                        self->onWritten(ec, status);
                      });
  }

  void onWritten(const ErrorCode& ec, int status) {
    if (state_ == State::kClosed) return;
    if (ec) {
      if (!isHangUp(ec)) log::debug("http", "writing a response failed: " + ec.message());
      return close();
    }

    // The request line, as wrangler dev prints it: `GET /path 200 OK (3ms)`.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    std::string line = method_ + " " + target_ + " " + std::to_string(status);
    if (!wire_.reason.empty()) line += " " + wire_.reason;
    line += " (" + std::to_string(ms.count()) + "ms)";
    log::print(line);

    wire_ = {};
    if (keepAlive_) return readHeader();
    linger();
  }

  // A request that cannot be parsed: answer with a short reason, then close.
  void reject(int status, const std::string& reason) {
    log::debug("http", "rejected a request: status=" + std::to_string(status) + " " + reason);
    state_ = State::kWriting;
    FrameOptions options;
    options.keepAlive = false;
    wire_ = frameResponse(plainText(status, reason), options);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(wire_.head), asio::buffer(wire_.body)};
    asio::async_write(*socket_, buffers, [self = shared_from_this()](ErrorCode ec, std::size_t) {
      if (self->state_ == State::kClosed) return;
      if (ec) return self->close();
      self->linger();
    });
  }

  // TODO(someday): no idle timeout for keep-alive or lingering connections; they stay open until
  // the client closes them or stop() does.

  // Half-closes, then reads what the client still sends until it closes too (or sends too
  // much), so the kernel does not answer unread data with a reset that destroys the response.
  void linger() {
    if (server_->stopped()) return close();
    state_ = State::kLingering;
    ErrorCode ec;
    socket_->shutdown(Tcp::socket::shutdown_send, ec);
    if (ec) return close();
    buffer_.consume(buffer_.size());
    lingerMore();
  }

  void lingerMore() {
    socket_->async_read_some(buffer_.prepare(16 * 1024),
                             [self = shared_from_this()](ErrorCode ec, std::size_t n) {
                               if (self->state_ == State::kClosed) return;
                               self->lingered_ += n;
                               if (ec || self->lingered_ > kMaxLingerBytes) return self->close();
                               self->lingerMore();
                             });
  }

  std::shared_ptr<Core> server_;
  const Executor executor_;  // immutable copy, so respond() may read it from any thread
  std::optional<Socket> socket_;  // empty once closed
  std::uint64_t id_ = 0;
  State state_ = State::kNew;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::size_t lingered_ = 0;

  // The request being answered.
  std::uint64_t requestSeq_ = 0;  // so a late respond() cannot answer a later request
  std::string method_;
  std::string target_;
  bool isHead_ = false;
  bool keepAlive_ = false;
  bool http10_ = false;
  Clock::time_point started_;
  WireResponse wire_;  // owns the bytes while they are written
};

ResponseSlot::~ResponseSlot() {
  if (answered.load()) return;
  try {
    warnRateLimited("a request was dropped without a response; sent 500");
    session->deliverLater(seq, plainText(500, "the request was dropped without a response"));
  } catch (...) {
    // Out of memory in a destructor: the connection closes when the session goes instead.
  }
}

// ============================================================================================
// Core

void Core::stop(bool closeAll) {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (auto& [id, weak] : sessions_) {
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
    }
  }

  // Each socket belongs to its loop's thread: close it there. A session that turns idle after
  // this sees stopped() and closes itself.
  for (auto& session : sessions) {
    asio::post(session->executor(), [session, closeAll] {
      if (closeAll) {
        session->close();
      } else {
        session->closeIfIdle();
      }
    });
  }

  // After this, the handler neither runs nor will run (unless stop() is its caller).
  if (tInHandler) return;
  std::unique_lock<std::mutex> lock(mutex_);
  handlersDone_.wait(lock, [this] { return handlersRunning_ == 0; });
}

void Core::releaseHandler() {
  Handler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (handlersRunning_ != 0) return;
    handler = std::move(handler_);
    handler_ = nullptr;
  }
  // `handler` dies here, outside the lock: its captures may do anything when destroyed.
}

bool Core::callHandler(Request request, const Respond& respond) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_.load() || !handler_) return false;
    ++handlersRunning_;
  }
  struct Leave {
    Core* core;
    bool wasInHandler = tInHandler;
    ~Leave() {
      tInHandler = wasInHandler;
      std::lock_guard<std::mutex> lock(core->mutex_);
      if (--core->handlersRunning_ == 0) core->handlersDone_.notify_all();
    }
  } leave{this};
  tInHandler = true;
  handler_(std::move(request), respond);
  return true;
}

std::uint64_t Core::addSession(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t id = ++nextSessionId_;
  sessions_.emplace(id, session);
  return id;
}

void Core::removeSession(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(id);
}

}  // namespace

// ============================================================================================
// Server::Impl: the acceptor, on loops_[0]. Its pending accept holds a socket of the next loop,
// so the destructor waits for the accept chain to end before any loop may go away.

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(std::vector<EventLoop*> loops, Handler handler)
      : core_(std::make_shared<Core>(std::move(handler))),
        loops_(std::move(loops)),
        acceptor_(loops_[0]->context()),
        retryTimer_(loops_[0]->context()) {}

  void listen(const std::string& ip, std::uint16_t port);
  std::uint16_t port() const { return port_.load(); }
  void stop(bool closeAll);

  // Waits until the acceptor has no operation in flight, at most `timeout`; false if it still
  // has one (loops_[0] is not running).
  bool waitForAcceptor(std::chrono::milliseconds timeout);

  void releaseHandler() { core_->releaseHandler(); }
  void detach() { core_->detach(); }
  bool isOnAcceptLoop() const { return loops_[0]->isCurrent(); }

 private:
  void accept();
  void onAccept(const ErrorCode& ec, Socket socket, EventLoop* loop);
  void endAccepting();

  const std::shared_ptr<Core> core_;
  const std::vector<EventLoop*> loops_;
  Acceptor acceptor_;  // opened by listen(), then used on loops_[0] only
  asio::steady_timer retryTimer_;  // loops_[0] only
  std::size_t nextLoop_ = 0;  // loops_[0] only
  std::atomic<std::uint16_t> port_{0};

  std::mutex mutex_;
  std::condition_variable acceptorIdle_;
  bool accepting_ = false;  // guarded by mutex_: an accept or its retry timer is pending
};

void Server::Impl::listen(const std::string& ip, std::uint16_t port) {
  DOHOST_REQUIRE(!core_->stopped(), "listen() after stop()");
  DOHOST_REQUIRE(!acceptor_.is_open(), "listen() called twice");
  std::string where = "cannot listen on " + formatAddress(ip, port) + ": ";

  ErrorCode ec;
  asio::ip::address address = asio::ip::make_address(ip, ec);
  if (ec) throw Error(where + "\"" + ip + "\" is not an IP address");
  Tcp::endpoint endpoint(address, port);

  // reuse_address only lets a restarted server bind over TIME_WAIT; Linux still refuses a port
  // that another socket listens on.
  Acceptor acceptor(loops_[0]->context());
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw Error(where + lowerFirst(ec.message()));
  Tcp::endpoint bound = acceptor.local_endpoint(ec);
  if (ec) throw Error(where + lowerFirst(ec.message()));
  port_ = bound.port();
  acceptor_ = std::move(acceptor);

  log::info("http", "listening on " + formatEndpoint(bound));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    accepting_ = true;
  }
  asio::post(loops_[0]->context(), [self = shared_from_this()] { self->accept(); });
}

void Server::Impl::accept() {
  if (core_->stopped()) return endAccepting();
  EventLoop* loop = loops_[nextLoop_++ % loops_.size()];
  acceptor_.async_accept(loop->context(),
                         [self = shared_from_this(), loop](ErrorCode ec, Socket socket) {
                           self->onAccept(ec, std::move(socket), loop);
                         });
}

void Server::Impl::onAccept(const ErrorCode& ec, Socket socket, EventLoop* loop) {
  if (ec == asio::error::operation_aborted || core_->stopped()) return endAccepting();
  if (ec) {
    log::warn("http", "accept failed, retrying: " + ec.message());
    retryTimer_.expires_after(kAcceptRetryDelay);
    retryTimer_.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (ec || self->core_->stopped()) return self->endAccepting();
      self->accept();
    });
    return;
  }

  // The socket already belongs to `loop`'s io_context; from here on only that thread uses it.
  auto session = std::make_shared<Session>(core_, std::move(socket));
  session->setId(core_->addSession(session));
  asio::post(session->executor(), [session] { session->start(); });
  accept();
}

void Server::Impl::endAccepting() {
  std::lock_guard<std::mutex> lock(mutex_);
  accepting_ = false;
  acceptorIdle_.notify_all();
}

void Server::Impl::stop(bool closeAll) {
  core_->stop(closeAll);
  asio::post(loops_[0]->context(), [self = shared_from_this()] {
    ErrorCode ec;
    self->acceptor_.close(ec);
    self->retryTimer_.cancel();
  });
}

bool Server::Impl::waitForAcceptor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return acceptorIdle_.wait_for(lock, timeout, [this] { return !accepting_; });
}

// ============================================================================================
// Server

Server::Server(std::vector<EventLoop*> loops, Handler handler) {
  DOHOST_REQUIRE(!loops.empty(), "a Server needs at least one EventLoop");
  DOHOST_REQUIRE(handler != nullptr, "a Server needs a handler");
  impl_ = std::make_shared<Impl>(std::move(loops), std::move(handler));
}

Server::~Server() {
  impl_->stop(/*closeAll=*/true);
  if (!tInHandler) impl_->releaseHandler();

  // On loops_[0] itself the accept chain can only end after this returns. Elsewhere, wait: the
  // bound keeps a loop that was never started (or already joined) from hanging shutdown.
  if (!impl_->isOnAcceptLoop() && !impl_->waitForAcceptor(kAcceptorCloseTimeout)) {
    log::error("http", "the accept loop did not close the acceptor; is its EventLoop running?");
  }

  // The close tasks are queued ahead of anything respond() could post now, and the loops may go
  // away after this returns: later responses are dropped.
  impl_->detach();
}

void Server::listen(const std::string& ip, uint16_t port) { impl_->listen(ip, port); }

uint16_t Server::port() const { return impl_->port(); }

void Server::stop() { impl_->stop(/*closeAll=*/false); }

}  // namespace dohost::http
