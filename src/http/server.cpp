// The HTTP front door: one acceptor spreading connections over the event loops, and one Session
// per connection that parses requests with Beast, hands them to the handler and writes the
// framed response (wire.h), streaming bodies both ways and upgrading WebSockets (ws_connection.h).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dohost/http.h"

// Before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "dohost/assert.h"
#include "dohost/byte_stream.h"
#include "dohost/log.h"

#include "wire.h"
#include "ws_connection.h"
#include "ws_frame.h"

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
// accept() failing (EMFILE, ENFILE) would fail again at once; wait instead of spinning, longer
// after each failure in a row.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
constexpr auto kMaxAcceptRetryDelay = std::chrono::milliseconds(1000);
constexpr std::string_view kNoDescriptorsResponse =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 54\r\n"
    "Connection: close\r\n\r\ndohost is out of file descriptors; raise `ulimit -n`.\n";
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
  std::int64_t nowMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
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

std::string_view view(beast::string_view text) {
  return {text.data(), text.size()};
}

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
  Core(Handler handler, ServerOptions options)
      : options_(std::move(options)), handler_(std::move(handler)) {}

  bool stopped() const {
    return stopped_.load();
  }
  const ServerOptions& options() const {
    return options_;
  }

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
  const ServerOptions options_;
  std::atomic<bool> stopped_{false};  // written under mutex_, read anywhere
  std::mutex mutex_;
  Handler handler_;  // released under mutex_, called without it (handlersRunning_ counts calls)
  std::condition_variable handlersDone_;
  int handlersRunning_ = 0;                                             // guarded by mutex_
  bool detached_ = false;                                               // guarded by mutex_
  std::uint64_t nextSessionId_ = 0;                                     // guarded by mutex_
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;  // guarded by mutex_
};

// ============================================================================================
// Session: one connection. Everything but respond() runs on the thread of the connection's
// loop, which is the only thread that runs its io_context, so the io_context is the strand.

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Core> server, Socket socket, EventLoop& loop)
      : server_(std::move(server)),
        executor_(socket.get_executor()),
        loop_(loop),
        socket_(std::move(socket)) {}

  ~Session() {
    if (id_ != 0) server_->removeSession(id_);
  }

  void setId(std::uint64_t id) {
    id_ = id;
  }
  const Executor& executor() const {
    return executor_;
  }

  void start() {
    if (state_ != State::kNew) return;
    if (server_->stopped()) return close();
    ErrorCode ec;
    socket_->set_option(Tcp::no_delay(true), ec);
    readHeader();
  }

  // For stop(): a connection waiting for its next request (or lingering) has nothing to lose,
  // and a WebSocket has no end to wait for.
  void closeIfIdle() {
    if (state_ == State::kNew || state_ == State::kWaiting || state_ == State::kLingering ||
        state_ == State::kWebSocket) {
      close();
    }
  }

  // From respond(), on any thread: hands the response to the loop thread.
  void deliverLater(std::uint64_t seq, Response response) {
    server_->post(executor_,
                  [self = shared_from_this(), seq, response = std::move(response)]() mutable {
                    self->deliver(seq, std::move(response));
                  });
  }

  void close() {
    if (state_ == State::kClosed) return;
    bool wasWebSocket = state_ == State::kWebSocket;
    state_ = State::kClosed;

    // Whoever still reads the request body or writes the response body learns it is over.
    if (requestStream_) requestStream_->fail("Network connection lost.");
    if (responseStream_) responseStream_->cancel("the client closed the connection");
    requestStream_.reset();
    responseStream_.reset();

    if (wasWebSocket) {
      if (auto webSocket = webSocket_.lock()) webSocket->close();
      return;
    }
    ErrorCode ec;
    socket_->shutdown(Tcp::socket::shutdown_both, ec);
    socket_->close(ec);

    // The cancelled operations' completions are queued now and still use the socket; free it
    // after them, so a session kept alive by a stray Respond owns no Asio object.
    asio::post(executor_, [self = shared_from_this()] { self->socket_.reset(); });
  }

 private:
  enum class State {
    kNew,
    kWaiting,
    kReadingBody,
    kHandling,
    kWriting,
    kLingering,
    kWebSocket,
    kClosed
  };

  // ---- Reading ------------------------------------------------------------------------------

  void readHeader() {
    if (server_->stopped()) return close();
    state_ = State::kWaiting;
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    bhttp::async_read_header(
        *socket_, buffer_, *parser_,
        [self = shared_from_this()](ErrorCode ec, std::size_t) { self->onHeader(ec); });
  }

  void onHeader(ErrorCode ec) {
    if (state_ == State::kClosed) return;
    if (ec) return onReadError(ec);
    state_ = State::kReadingBody;
    if (parser_->is_done()) return dispatch(false);
    bool streaming = streamsBody();

    // curl and others wait for this before sending a large body (RFC 9110 section 10.1.1).
    const auto& header = parser_->get();
    if (header.version() >= 11 &&
        startsWithIgnoringCase(view(header[bhttp::field::expect]), "100-continue")) {
      asio::async_write(*socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this(), streaming](ErrorCode ec, std::size_t) {
                          if (self->state_ == State::kClosed) return;
                          if (ec) return self->onReadError(ec);
                          if (streaming) return self->dispatch(true);
                          self->readBody();
                        });
      return;
    }
    if (streaming) return dispatch(true);
    readBody();
  }

  // Whether this request's body streams to the handler rather than being read first.
  bool streamsBody() const {
    if (!server_->options().streamBodiesOver) return false;
    if (parser_->chunked()) return true;
    auto length = parser_->content_length();
    return length && *length > *server_->options().streamBodiesOver;
  }

  void readBody() {
    bhttp::async_read(*socket_, buffer_, *parser_,
                      [self = shared_from_this()](ErrorCode ec, std::size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->onReadError(ec);
                        self->dispatch(false);
                      });
  }

  void onReadError(const ErrorCode& ec) {
    if (ec == bhttp::error::body_limit) {
      return reject(413, "the request body is larger than the limit of 100 MiB");
    }
    if (ec == bhttp::error::header_limit) {
      return reject(431, "the request headers are larger than the limit of 64 KiB");
    }
    if (isParseError(ec) && !isHangUp(ec)) return reject(400, ec.message());
    if (!isHangUp(ec)) log::debug("http", "connection closed: " + ec.message());
    close();
  }

  static bool isParseError(const ErrorCode& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
  }

  // ---- Streaming the request body -------------------------------------------------------------

  // Reads the body into requestStream_ while the handler runs, a buffer at a time, waiting
  // whenever the handler has not taken what came before. Once the handler drops the stream
  // (it answered without reading it all) the rest is read and dropped, up to a limit, so the
  // connection can serve the next request.
  void pumpBody() {
    auto& body = bodyParser_->get().body();
    body.data = bodyBuffer_.data();
    body.size = bodyBuffer_.size();
    bhttp::async_read_some(
        *socket_, buffer_, *bodyParser_,
        [self = shared_from_this()](ErrorCode ec, std::size_t) { self->onBodyRead(ec); });
  }

  void onBodyRead(ErrorCode ec) {
    if (state_ == State::kClosed) return;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      bodyReading_ = false;
      if (requestStream_) {
        requestStream_->fail(isParseError(ec) && !isHangUp(ec) ? "Parse error: " + ec.message()
                                                               : "Network connection lost.");
      }
      if (!isHangUp(ec)) log::debug("http", "reading a request body failed: " + ec.message());
      keepAlive_ = false;
      // The response may still be on its way; a broken body only ends the connection early
      // when nothing is being written.
      if (state_ != State::kWriting) close();
      return;
    }

    std::size_t got = bodyBuffer_.size() - bodyParser_->get().body().size;
    bool done = bodyParser_->is_done();
    bool dropping = !requestStream_ || requestStream_->cancelled();
    if (got != 0 && !dropping)
      dropping = !requestStream_->write(std::string(bodyBuffer_.data(), got));
    if (dropping) dropped_ += got;

    if (done) {
      if (requestStream_ && !dropping) requestStream_->end();
      requestStream_.reset();
      return bodyFinished();
    }
    if (dropping) {
      if (dropped_ > kMaxLingerBytes) {
        // Too much left to drop: the connection ends after the response instead.
        keepAlive_ = false;
        requestStream_.reset();
        return bodyFinished();
      }
      return pumpBody();
    }
    requestStream_->whenWritable(loop_, [self = shared_from_this()](bool) {
      if (self->state_ == State::kClosed) return;
      self->pumpBody();
    });
  }

  // The body is read, or given up on: the response, if already sent, may now be followed.
  void bodyFinished() {
    bodyReading_ = false;
    if (!responseDone_) return;
    responseDone_ = false;
    afterResponse();
  }

  // ---- Handling -----------------------------------------------------------------------------

  // Hands the request to the handler: with its whole body, or (`streaming`) with a stream the
  // body is read into from now on.
  void dispatch(bool streaming) {
    auto& message = parser_->get();

    // What the response and the log line need to know about the request.
    ++requestSeq_;
    method_ = std::string(message.method_string());
    target_ = std::string(message.target());
    isHead_ = message.method() == bhttp::verb::head;
    keepAlive_ = message.keep_alive();
    http10_ = message.version() < 11;
    started_ = Clock::now();
    dropped_ = 0;
    webSocketKey_.reset();
    webSocketProblem_.clear();
    if (message.method() == bhttp::verb::get && !http10_ &&
        startsWithIgnoringCase(view(message[bhttp::field::upgrade]), "websocket")) {
      // RFC 6455 4.2.1: a client's handshake names a key and version 13. A request that
      // asks to upgrade without them is refused with 400 if the Worker accepts it.
      if (message.count(bhttp::field::sec_websocket_key) == 0) {
        webSocketProblem_ = "the WebSocket upgrade request has no Sec-WebSocket-Key";
      } else if (view(message[bhttp::field::sec_websocket_version]) != "13") {
        webSocketProblem_ = "the WebSocket upgrade request asks for a version other than 13";
      } else {
        webSocketKey_ = std::string(message[bhttp::field::sec_websocket_key]);
      }
    }

    Request request;
    request.method = method_;
    request.target = target_;
    request.url = absoluteUrl(view(message[bhttp::field::host]));
    for (const auto& field : message) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.hasBody = message.count(bhttp::field::content_length) != 0 ||
                      message.count(bhttp::field::transfer_encoding) != 0;
    if (streaming) {
      requestStream_ = ByteStream::create(
          parser_->content_length() ? std::optional<std::uint64_t>(*parser_->content_length())
                                    : std::nullopt);
      request.bodyStream = requestStream_;
      bodyParser_.emplace(std::move(*parser_));
      bodyParser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    } else {
      request.body = std::move(message.body());
    }
    parser_.reset();

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
    if (streaming && state_ != State::kClosed) {
      bodyReading_ = true;
      pumpBody();
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
      if (response.bodyStream) response.bodyStream->cancel("the connection is closed");
      return;
    }
    if (response.status < 100 || response.status > 999) {
      log::error("http", "handler answered with status " + std::to_string(response.status) +
                             ", which is not an HTTP status; sent 500");
      response = plainText(500, "the request handler gave an invalid status");
    }
    if (response.webSocket) return upgrade(std::move(response));

    int status = response.status;
    responseStream_ = std::move(response.bodyStream);
    FrameOptions options;
    options.headRequest = isHead_;
    options.keepAlive = keepAlive_ && !server_->stopped();
    options.http10 = http10_;
    options.streamedBody = responseStream_ != nullptr;
    if (responseStream_) options.streamLength = responseStream_->length();
    wire_ = frameResponse(std::move(response), options);
    streamedLength_ = wire_.streaming == Streaming::kRaw ? options.streamLength : std::nullopt;
    for (const std::string& problem : wire_.problems) warnRateLimited(target_ + ": " + problem);
    keepAlive_ = !wire_.closeAfter;
    if (responseStream_ && wire_.streaming == Streaming::kNone) {
      responseStream_->cancel("the response has no body");
      responseStream_.reset();
    }
    streamedBytes_ = 0;

    state_ = State::kWriting;
    std::array<asio::const_buffer, 2> buffers{asio::buffer(wire_.head), asio::buffer(wire_.body)};
    asio::async_write(*socket_, buffers,
                      [self = shared_from_this(), status](ErrorCode ec, std::size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->onWriteError(ec);
                        if (self->responseStream_) return self->pumpResponse(status);
                        self->onWritten(status);
                      });
  }

  // Writes the response body as the handler produces it, one chunk at a time.
  void pumpResponse(int status) {
    responseStream_->read(loop_, [self = shared_from_this(), status](ByteStream::Chunk chunk) {
      if (self->state_ == State::kClosed) return;
      self->onResponseChunk(status, std::move(chunk));
    });
  }

  void onResponseChunk(int status, ByteStream::Chunk chunk) {
    if (chunk.error) {
      // Ending the connection without the last chunk tells the client the body is incomplete.
      log::debug("http", target_ + ": the response body failed: " + *chunk.error);
      responseStream_.reset();
      return close();
    }
    bool chunked = wire_.streaming == Streaming::kChunked;
    if (chunk.done) {
      responseStream_.reset();
      if (streamedLength_ && streamedBytes_ != *streamedLength_) {
        log::warn("http", target_ + ": the response body ended after " +
                              std::to_string(streamedBytes_) + " of " +
                              std::to_string(*streamedLength_) + " bytes; closed the connection");
        return close();
      }
      if (!chunked) return onWritten(status);
      return writeThen(std::string(kLastChunk),
                       [self = shared_from_this(), status] { self->onWritten(status); });
    }
    streamedBytes_ += chunk.bytes.size();
    if (streamedLength_ && streamedBytes_ > *streamedLength_) {
      log::warn("http", target_ + ": the response body is longer than its length of " +
                            std::to_string(*streamedLength_) + " bytes; closed the connection");
      return close();
    }
    std::string bytes = chunked ? encodeChunk(chunk.bytes) : std::move(chunk.bytes);
    writeThen(std::move(bytes),
              [self = shared_from_this(), status] { self->pumpResponse(status); });
  }

  // Writes `bytes`, then runs `next` unless the connection broke.
  template <typename Next>
  void writeThen(std::string bytes, Next next) {
    pendingWrite_ = std::move(bytes);
    asio::async_write(
        *socket_, asio::buffer(pendingWrite_),
        [self = shared_from_this(), next = std::move(next)](ErrorCode ec, std::size_t) {
          if (self->state_ == State::kClosed) return;
          if (ec) return self->onWriteError(ec);
          next();
        });
  }

  void onWriteError(const ErrorCode& ec) {
    if (!isHangUp(ec)) log::debug("http", "writing a response failed: " + ec.message());
    close();
  }

  void onWritten(int status) {
    if (state_ == State::kClosed) return;
    logRequest(status);
    wire_ = {};
    pendingWrite_.clear();

    // A body the handler did not read to the end is dropped before the next request.
    if (bodyReading_) {
      if (requestStream_) requestStream_->cancel("the response was sent before the body was read");
      responseDone_ = true;
      return;
    }
    afterResponse();
  }

  void afterResponse() {
    if (state_ == State::kClosed) return;
    if (keepAlive_) return readHeader();
    linger();
  }

  // The request line, as wrangler dev prints it: `GET /path 200 OK (3ms)`.
  void logRequest(int status) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    std::string line = method_ + " " + target_ + " " + std::to_string(status);
    std::string reason = wire_.reason.empty() ? std::string(reasonPhrase(status)) : wire_.reason;
    if (!reason.empty()) line += " " + reason;
    line += " (" + std::to_string(ms.count()) + "ms)";
    log::print(line);
  }

  // ---- WebSocket upgrade --------------------------------------------------------------------

  // Answers 101 and hands the connection to a WsConnection bridged to `response.webSocket`.
  void upgrade(Response response) {
    if (!webSocketProblem_.empty() && response.status == 101) {
      response.webSocket->abort();
      return deliverPlain(plainText(400, webSocketProblem_));
    }
    if (!webSocketKey_ || response.status != 101) {
      log::error("http", target_ +
                             ": the handler answered with a WebSocket to a request that "
                             "is not a WebSocket upgrade; sent 500");
      response.webSocket->abort();
      return deliverPlain(plainText(500, "the request handler failed"));
    }
    if (bodyReading_) {
      // An upgrade request has no body; one that does cannot become a WebSocket.
      response.webSocket->abort();
      return deliverPlain(plainText(400, "a WebSocket upgrade request cannot have a body"));
    }

    std::string head =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
        "Upgrade: websocket\r\nSec-WebSocket-Accept: " +
        ws::acceptKey(*webSocketKey_) + "\r\n";
    for (const Header& header : response.headers) {
      std::string lower = header.name;
      for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "connection" || lower == "upgrade" || lower == "sec-websocket-accept" ||
          lower == "content-length" || lower == "transfer-encoding") {
        continue;
      }
      if (header.name.find_first_of(":\r\n") != std::string::npos ||
          header.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        continue;
      }
      head.append(header.name).append(": ").append(header.value).append("\r\n");
    }
    head.append("\r\n");

    state_ = State::kWriting;
    wire_ = {};
    wire_.reason = "Switching Protocols";
    pendingWrite_ = std::move(head);
    asio::async_write(*socket_, asio::buffer(pendingWrite_),
                      [self = shared_from_this(), end = std::move(response.webSocket)](
                          ErrorCode ec, std::size_t) mutable {
                        if (self->state_ == State::kClosed) return end->abort();
                        if (ec) {
                          end->abort();
                          return self->onWriteError(ec);
                        }
                        self->logRequest(101);
                        self->startWebSocket(std::move(end));
                      });
  }

  void startWebSocket(std::shared_ptr<WebSocketEnd> end) {
    std::string leftover(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    pendingWrite_.clear();
    state_ = State::kWebSocket;
    auto connection = std::make_shared<WsConnection<Socket>>(
        std::move(*socket_), std::move(leftover), /*client=*/false, std::move(end), loop_,
        [self = shared_from_this()] {
          self->webSocket_.reset();
          self->state_ = State::kClosed;
        });
    socket_.reset();
    webSocket_ = connection;
    connection->start();
    if (server_->stopped()) close();
  }

  // A response of the front door's own, when the handler's cannot be sent as it is.
  void deliverPlain(Response response) {
    response.webSocket.reset();
    state_ = State::kHandling;
    deliver(requestSeq_, std::move(response));
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
  EventLoop& loop_;
  std::optional<Socket> socket_;  // empty once closed or handed to a WebSocket
  std::uint64_t id_ = 0;
  State state_ = State::kNew;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::size_t lingered_ = 0;

  // A request body being streamed to the handler.
  std::optional<bhttp::request_parser<bhttp::buffer_body>> bodyParser_;
  std::array<char, 16 * 1024> bodyBuffer_{};
  std::shared_ptr<ByteStream> requestStream_;  // null once ended, failed or dropped
  bool bodyReading_ = false;                   // a read of the body is in flight or about to be
  std::size_t dropped_ = 0;    // body bytes read after the handler dropped the stream
  bool responseDone_ = false;  // the response is written and waits for the body to finish

  // The request being answered.
  std::uint64_t requestSeq_ = 0;  // so a late respond() cannot answer a later request
  std::string method_;
  std::string target_;
  bool isHead_ = false;
  bool keepAlive_ = false;
  bool http10_ = false;
  std::optional<std::string> webSocketKey_;  // set for a WebSocket upgrade request
  std::string webSocketProblem_;             // why an attempted upgrade request is malformed
  Clock::time_point started_;
  WireResponse wire_;                           // owns the bytes while they are written
  std::shared_ptr<ByteStream> responseStream_;  // a streamed response body being written
  std::optional<std::uint64_t> streamedLength_;
  std::uint64_t streamedBytes_ = 0;
  std::string pendingWrite_;  // owns the bytes of a chunk or head being written
  std::weak_ptr<WsConnection<Socket>> webSocket_;  // once upgraded
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
  Impl(std::vector<EventLoop*> loops, Handler handler, ServerOptions options)
      : core_(std::make_shared<Core>(std::move(handler), std::move(options))),
        loops_(std::move(loops)),
        acceptor_(loops_[0]->context()),
        retryTimer_(loops_[0]->context()) {}

  void listen(const std::string& ip, std::uint16_t port);
  std::uint16_t port() const {
    return port_.load();
  }
  void stop(bool closeAll);

  // Waits until the acceptor has no operation in flight, at most `timeout`; false if it still
  // has one (loops_[0] is not running).
  bool waitForAcceptor(std::chrono::milliseconds timeout);

  void releaseHandler() {
    core_->releaseHandler();
  }
  void detach() {
    core_->detach();
  }
  bool isOnAcceptLoop() const {
    return loops_[0]->isCurrent();
  }

 private:
  void accept();
  void onAccept(const ErrorCode& ec, Socket socket, EventLoop* loop);
  void endAccepting();
  void shedOneConnection();

  const std::shared_ptr<Core> core_;
  const std::vector<EventLoop*> loops_;
  Acceptor acceptor_;              // opened by listen(), then used on loops_[0] only
  asio::steady_timer retryTimer_;  // loops_[0] only
  std::size_t nextLoop_ = 0;       // loops_[0] only
  int acceptFailures_ = 0;         // loops_[0] only: failed accepts in a row
  int spareDescriptor_ = -1;       // loops_[0] only: freed to answer a client when none are left
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

  spareDescriptor_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
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
    bool outOfDescriptors = ec == asio::error::no_descriptors || ec.value() == ENFILE;
    if (outOfDescriptors) shedOneConnection();
    warnRateLimited("accept failed, retrying: " + ec.message() +
                    (outOfDescriptors ? "; raise the limit (ulimit -n)" : ""));
    auto delay = kAcceptRetryDelay * (1 << std::min(acceptFailures_++, 5));
    retryTimer_.expires_after(std::min<Clock::duration>(delay, kMaxAcceptRetryDelay));
    retryTimer_.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (ec || self->core_->stopped()) return self->endAccepting();
      self->accept();
    });
    return;
  }

  acceptFailures_ = 0;
  // The socket already belongs to `loop`'s io_context; from here on only that thread uses it.
  auto session = std::make_shared<Session>(core_, std::move(socket), *loop);
  session->setId(core_->addSession(session));
  asio::post(session->executor(), [session] { session->start(); });
  accept();
}

// Out of descriptors, the next client would wait in the backlog until one frees up, perhaps
// forever: free the spare one, accept those clients, answer 503 and close, then take it back.
void Server::Impl::shedOneConnection() {
  if (spareDescriptor_ < 0) return;
  ::close(spareDescriptor_);
  // Every client already waiting: the retry may be a second away.
  ErrorCode ec;
  acceptor_.native_non_blocking(true, ec);
  while (!ec) {
    int client =
        ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) break;
    (void)::send(client, kNoDescriptorsResponse.data(), kNoDescriptorsResponse.size(),
                 MSG_DONTWAIT | MSG_NOSIGNAL);
    ::close(client);
  }
  spareDescriptor_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
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
    if (self->spareDescriptor_ >= 0) ::close(std::exchange(self->spareDescriptor_, -1));
  });
}

bool Server::Impl::waitForAcceptor(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return acceptorIdle_.wait_for(lock, timeout, [this] { return !accepting_; });
}

// ============================================================================================
// Server

Server::Server(std::vector<EventLoop*> loops, Handler handler, ServerOptions options) {
  DOHOST_REQUIRE(!loops.empty(), "a Server needs at least one EventLoop");
  DOHOST_REQUIRE(handler != nullptr, "a Server needs a handler");
  impl_ = std::make_shared<Impl>(std::move(loops), std::move(handler), std::move(options));
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

void Server::listen(const std::string& ip, uint16_t port) {
  impl_->listen(ip, port);
}

uint16_t Server::port() const {
  return impl_->port();
}

void Server::stop() {
  impl_->stop(/*closeAll=*/false);
}

}  // namespace dohost::http
