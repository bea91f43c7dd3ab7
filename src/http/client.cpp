// The outbound HTTP client behind fetch(): one connection per request, over TCP or TLS
// (OpenSSL, verifying the peer against the system's CAs plus DOHOST_EXTRA_CA_CERTS), the head
// written as given, the body streamed out of a ByteStream, the response body streamed into
// one, and WebSocket upgrades handed to a WsConnection.
#include "dohost/http.h"

// Before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <array>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <strings.h>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "dohost/log.h"

#include "wire.h"
#include "ws_connection.h"
#include "ws_frame.h"

namespace dohost::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
using ErrorCode = boost::system::error_code;
using Tcp = asio::ip::tcp;
using Executor = asio::io_context::executor_type;
using Socket = Tcp::socket::rebind_executor<Executor>::other;
using TlsStream = ssl::stream<Socket>;
using Resolver = Tcp::resolver::rebind_executor<Executor>::other;

template <>
void closeTransport<TlsStream>(TlsStream& stream) {
  ErrorCode ec;
  stream.lowest_layer().shutdown(Socket::shutdown_both, ec);
  stream.lowest_layer().close(ec);
}

namespace {

constexpr std::uint32_t kMaxResponseHeaderBytes = 256 * 1024;
constexpr std::string_view kConnectionLost = "Network connection lost.";

// The parts of an absolute http(s) URL a request needs.
struct Target {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string pathAndQuery;
  bool hostIsIp = false;
};

std::optional<Target> parseTarget(const std::string& url) {
  Target target;
  std::string_view rest = url;
  if (rest.rfind("https://", 0) == 0) {
    target.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    target.host = std::string(authority.substr(1, close - 1));
    target.hostIsIp = true;
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() == ':') target.port = authority.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    target.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) target.port = authority.substr(colon + 1);
    ErrorCode ec;
    asio::ip::make_address_v4(target.host, ec);
    target.hostIsIp = !ec;
  }
  if (target.port.empty()) target.port = target.tls ? "443" : "80";
  if (size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  target.pathAndQuery =
      path.empty() || path.front() != '/' ? "/" + std::string(path) : std::string(path);
  if (target.host.empty()) return std::nullopt;
  return target;
}

std::string lowerFirst(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = char(text[0] - 'A' + 'a');
  return text;
}

// ============================================================================================
// Exchange: one request and its response, on the loop of the isolate that asked.

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<ssl::context> tls,
           api::OutboundRequest request,
           Target target,
           EventLoop& loop,
           std::function<void(api::OutboundResult)> done)
      : tlsContext_(std::move(tls)),
        request_(std::move(request)),
        target_(std::move(target)),
        loop_(loop),
        done_(std::move(done)),
        resolver_(loop.context()) {}

  void start() {
    resolver_.async_resolve(
        target_.host, target_.port,
        [self = shared_from_this()](ErrorCode ec, Tcp::resolver::results_type results) {
          if (self->finished_) return;
          if (ec) {
            return self->fail("Network connection failed: failed to lookup address information: " +
                              ec.message());
          }
          self->connect(results);
        });
  }

  // Stops everything; `done` is not called any more.
  void cancel() {
    if (finished_) return;
    finished_ = true;
    done_ = nullptr;
    teardown("the request was aborted");
  }

 private:
  void connect(const Tcp::resolver::results_type& results) {
    socket_.emplace(loop_.context());
    asio::async_connect(*socket_, results,
                        [self = shared_from_this()](ErrorCode ec, const Tcp::endpoint&) {
                          if (self->finished_) return;
                          if (ec) return self->fail(std::string(kConnectionLost));
                          ErrorCode ignored;
                          self->socket_->set_option(Tcp::no_delay(true), ignored);
                          if (!self->target_.tls) return self->writeHead();
                          self->handshake();
                        });
  }

  void handshake() {
    tls_.emplace(std::move(*socket_), *tlsContext_);
    socket_.reset();
    SSL* ssl = tls_->native_handle();
    if (!target_.hostIsIp) SSL_set_tlsext_host_name(ssl, target_.host.c_str());
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (target_.hostIsIp) {
      X509_VERIFY_PARAM_set1_ip_asc(param, target_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, target_.host.c_str(), target_.host.size());
    }
    tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this()](ErrorCode ec) {
      if (self->finished_) return;
      if (ec) {
        long verify = SSL_get_verify_result(self->tls_->native_handle());
        std::string why = verify != X509_V_OK ? std::string("invalid peer certificate: ") +
                                                    X509_verify_cert_error_string(verify)
                                              : lowerFirst(ec.message());
        return self->fail("Network connection failed: TLS handshake failed: " + why);
      }
      self->writeHead();
    });
  }

  template <typename Body>
  void withStream(Body&& body) {
    if (tls_) {
      body(*tls_);
    } else {
      body(*socket_);
    }
  }

  // ---- Request ----------------------------------------------------------------------------

  void writeHead() {
    std::string head = request_.method + " " + target_.pathAndQuery + " HTTP/1.1\r\n";
    for (const auto& [name, value] : request_.headers) {
      if (request_.webSocket && name == "Sec-WebSocket-Version") {
        webSocketKey_ = ws::newKey();
        head.append("Sec-WebSocket-Key: ").append(webSocketKey_).append("\r\n");
      }
      if (name.find_first_of(":\r\n") != std::string::npos ||
          value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        continue;
      }
      if (name == "Transfer-Encoding") chunked_ = true;
      head.append(name).append(": ").append(value).append("\r\n");
    }
    head.append("\r\n");
    writeThen(std::move(head), [self = shared_from_this()] { self->writeBody(); });
  }

  template <typename Next>
  void writeThen(std::string bytes, Next next) {
    pending_ = std::move(bytes);
    withStream([&](auto& stream) {
      asio::async_write(
          stream, asio::buffer(pending_),
          [self = shared_from_this(), next = std::move(next)](ErrorCode ec, std::size_t) {
            if (self->finished_) return;
            if (ec) return self->fail(std::string(kConnectionLost));
            next();
          });
    });
  }

  void writeBody() {
    if (!request_.body) return readHead();
    request_.body->read(loop_, [self = shared_from_this()](ByteStream::Chunk chunk) {
      if (self->finished_) return;
      if (chunk.error) {
        // The body failed: end it as workerd does, with what was sent so far.
        log::debug("http", "an outbound request body failed: " + *chunk.error);
        chunk.done = true;
      }
      if (chunk.done) {
        self->request_.body.reset();
        if (!self->chunked_) return self->readHead();
        return self->writeThen(std::string(kLastChunk), [self] { self->readHead(); });
      }
      std::string bytes = self->chunked_ ? encodeChunk(chunk.bytes) : std::move(chunk.bytes);
      self->writeThen(std::move(bytes), [self] { self->writeBody(); });
    });
  }

  // ---- Response ---------------------------------------------------------------------------

  void readHead() {
    parser_.emplace();
    parser_->header_limit(kMaxResponseHeaderBytes);
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (request_.method == "HEAD") parser_->skip(true);
    withStream([&](auto& stream) {
      bhttp::async_read_header(stream, buffer_, *parser_,
                               [self = shared_from_this()](ErrorCode ec, std::size_t) {
                                 if (self->finished_) return;
                                 if (ec) return self->fail(std::string(kConnectionLost));
                                 self->onHead();
                               });
    });
  }

  void onHead() {
    auto& head = parser_->get();
    api::OutboundResponse response;
    response.status = int(head.result_int());
    response.statusText = std::string(head.reason());
    for (const auto& field : head) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }

    if (request_.webSocket && response.status == 101) return upgrade(std::move(response));
    if (!parser_->is_done()) {
      std::optional<std::uint64_t> length;
      if (auto declared = parser_->content_length()) length = *declared;
      body_ = ByteStream::create(length);
      response.body = body_;
    }
    deliver(std::move(response));
    if (body_) readBody();
  }

  void upgrade(api::OutboundResponse response) {
    std::string accept;
    for (const auto& [name, value] : response.headers) {
      if (name.size() == 20 && strcasecmp(name.c_str(), "Sec-WebSocket-Accept") == 0) {
        accept = value;
      }
    }
    if (accept != ws::acceptKey(webSocketKey_)) {
      return fail("Network connection lost.");
    }
    auto [mine, theirs] = makeWebSocketChannel();
    response.webSocket = theirs;
    std::string leftover(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    finishedHead_ = true;
    withStream([&](auto& stream) {
      using Stream = std::decay_t<decltype(stream)>;
      auto connection = std::make_shared<WsConnection<Stream>>(
          std::move(stream), std::move(leftover), /*client=*/true, mine, loop_);
      connection->start();
    });
    socket_.reset();
    tls_.reset();
    deliver(std::move(response));
    finished_ = true;
  }

  void deliver(api::OutboundResponse response) {
    finishedHead_ = true;
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(api::OutboundResult{std::move(response), ""});
  }

  // Streams the response body into body_, waiting while the reader is behind.
  void readBody() {
    auto& body = parser_->get().body();
    body.data = readBuffer_.data();
    body.size = readBuffer_.size();
    withStream([&](auto& stream) {
      bhttp::async_read_some(
          stream, buffer_, *parser_,
          [self = shared_from_this()](ErrorCode ec, std::size_t) { self->onBodyRead(ec); });
    });
  }

  void onBodyRead(ErrorCode ec) {
    if (finished_) return;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      body_->fail(std::string(kConnectionLost));
      return teardown("");
    }
    std::size_t got = readBuffer_.size() - parser_->get().body().size;
    if (got != 0 && !body_->write(std::string(readBuffer_.data(), got))) {
      return teardown("");  // the reader cancelled
    }
    if (parser_->is_done()) {
      body_->end();
      finished_ = true;
      return teardown("");
    }
    body_->whenWritable(loop_, [self = shared_from_this()](bool ok) {
      if (self->finished_) return;
      if (!ok) return self->teardown("");
      self->readBody();
    });
  }

  // ---- Ending -----------------------------------------------------------------------------

  void fail(std::string message) {
    if (finished_) return;
    finished_ = true;
    if (!finishedHead_ && done_) {
      auto done = std::move(done_);
      done_ = nullptr;
      done(api::OutboundResult{std::nullopt, std::move(message)});
    } else if (body_) {
      body_->fail(message);
    }
    teardown("");
  }

  void teardown(const std::string& reason) {
    finished_ = true;
    resolver_.cancel();
    if (body_ && !reason.empty()) body_->fail(std::string(kConnectionLost));
    if (request_.body) request_.body->cancel("the request ended");
    if (socket_) closeTransport(*socket_);
    if (tls_) closeTransport(*tls_);
  }

  std::shared_ptr<ssl::context> tlsContext_;
  api::OutboundRequest request_;
  Target target_;
  EventLoop& loop_;
  std::function<void(api::OutboundResult)> done_;
  Resolver resolver_;
  std::optional<Socket> socket_;
  std::optional<TlsStream> tls_;
  std::string pending_;
  bool chunked_ = false;
  std::string webSocketKey_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser_;
  std::array<char, 16 * 1024> readBuffer_{};
  std::shared_ptr<ByteStream> body_;
  bool finishedHead_ = false;
  bool finished_ = false;
};

// ============================================================================================
// The client

class TcpClient final : public api::Outbound {
 public:
  explicit TcpClient(std::shared_ptr<ssl::context> tls) : tls_(std::move(tls)) {}

  std::function<void()> send(api::OutboundRequest request,
                             EventLoop& loop,
                             std::function<void(api::OutboundResult)> done) override {
    auto target = parseTarget(request.url);
    if (!target) {
      loop.post([done = std::move(done), url = request.url] {
        done(api::OutboundResult{std::nullopt, "Fetch API cannot load: " + url});
      });
      return [] {};
    }
    auto exchange = std::make_shared<Exchange>(tls_, std::move(request), std::move(*target), loop,
                                               std::move(done));
    loop.post([exchange] { exchange->start(); });
    std::weak_ptr<Exchange> weak = exchange;
    return [weak] {
      if (auto exchange = weak.lock()) exchange->cancel();
    };
  }

 private:
  std::shared_ptr<ssl::context> tls_;
};

}  // namespace

std::shared_ptr<api::Outbound> makeClient() {
  auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
  ErrorCode ec;
  tls->set_default_verify_paths(ec);
  if (ec) log::warn("http", "cannot load the system's CA certificates: " + ec.message());
  if (const char* extra = std::getenv("DOHOST_EXTRA_CA_CERTS"); extra && *extra) {
    tls->load_verify_file(extra, ec);
    if (ec) {
      log::warn("http", std::string("DOHOST_EXTRA_CA_CERTS: cannot load ") + extra + ": " +
                            ec.message() + "; HTTPS fetches trust the system's CAs only");
    }
  }
  tls->set_verify_mode(ssl::verify_peer);
  return std::make_shared<TcpClient>(std::move(tls));
}

}  // namespace dohost::http
