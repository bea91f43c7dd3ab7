// The outbound HTTP client against a hand-driven POSIX server on 127.0.0.1: the request head
// as written, bodies both ways as streams, and the errors fetch() reports.
#include <arpa/inet.h>
#include <chrono>
#include <future>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "dohost/byte_stream.h"
#include "dohost/event_loop.h"
#include "dohost/http.h"

namespace dohost::http {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

// A listening socket on 127.0.0.1 that serves one connection by hand.
class OneShotServer {
 public:
  OneShotServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 1);
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~OneShotServer() {
    if (client_ >= 0) ::close(client_);
    ::close(fd_);
  }

  std::uint16_t port() const {
    return port_;
  }

  // Accepts the connection and reads until `end` has been received.
  std::string readRequest(const std::string& end = "\r\n\r\n") {
    if (client_ < 0) {
      client_ = ::accept(fd_, nullptr, nullptr);
      timeval timeout{10, 0};
      ::setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    std::string data;
    char buffer[4096];
    while (data.find(end) == std::string::npos) {
      ssize_t n = ::recv(client_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      data.append(buffer, size_t(n));
    }
    return data;
  }

  void send(const std::string& bytes) {
    ::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  void hangUp() {
    ::close(client_);
    client_ = -1;
  }

 private:
  int fd_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
};

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    loop_.start();
  }

  std::future<api::OutboundResult> send(api::OutboundRequest request) {
    auto result = std::make_shared<std::promise<api::OutboundResult>>();
    auto future = result->get_future();
    cancel_ = client_->send(std::move(request), loop_,
                            [result](api::OutboundResult r) { result->set_value(std::move(r)); });
    return future;
  }

  // Reads a whole ByteStream on the loop.
  std::string readAll(const std::shared_ptr<ByteStream>& stream) {
    std::string out;
    for (;;) {
      std::promise<ByteStream::Chunk> got;
      stream->read(loop_, [&got](ByteStream::Chunk chunk) { got.set_value(std::move(chunk)); });
      auto chunk = got.get_future().get();
      if (chunk.done || chunk.error) return out;
      out += chunk.bytes;
    }
  }

  EventLoop loop_{"client"};
  std::shared_ptr<api::Outbound> client_ = makeClient();
  std::function<void()> cancel_;
};

TEST_F(HttpClientTest, WritesTheHeadAsGivenAndStreamsTheResponseBody) {
  OneShotServer server;
  api::OutboundRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/path?q=1#fragment";
  request.headers = {{"Host", "127.0.0.1:" + std::to_string(server.port())}, {"x-a", "1"}};
  auto future = send(request);
  EXPECT_EQ(server.readRequest(), "GET /path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:" +
                                      std::to_string(server.port()) + "\r\nx-a: 1\r\n\r\n");
  server.send("HTTP/1.1 201 Made It\r\nX-B: 2\r\nContent-Length: 5\r\n\r\nhel");
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result.response);
  EXPECT_EQ(result.response->status, 201);
  EXPECT_EQ(result.response->statusText, "Made It");
  EXPECT_EQ(result.response->headers, (std::vector<std::pair<std::string, std::string>>{
                                          {"X-B", "2"}, {"Content-Length", "5"}}));
  ASSERT_TRUE(result.response->body);
  EXPECT_EQ(result.response->body->length(), 5u);
  server.send("lo");
  EXPECT_EQ(readAll(result.response->body), "hello");
}

TEST_F(HttpClientTest, SendsAChunkedBodyFromAStream) {
  OneShotServer server;
  api::OutboundRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  request.headers = {{"Transfer-Encoding", "chunked"}, {"Host", "h"}};
  request.body = ByteStream::create();
  request.body->write("abc");
  request.body->write("de");
  request.body->end();
  auto future = send(request);
  EXPECT_EQ(server.readRequest("0\r\n\r\n"),
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nHost: h\r\n\r\n"
            "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  server.send("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result.response);
  EXPECT_EQ(result.response->status, 204);
  EXPECT_EQ(result.response->body, nullptr);
}

TEST_F(HttpClientTest, ReportsARefusedConnectionAsWorkerdDoes) {
  int port;
  {
    OneShotServer closed;  // a port nobody listens on once this scope ends
    port = closed.port();
  }
  api::OutboundRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto future = send(request);
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  auto result = future.get();
  EXPECT_FALSE(result.response);
  EXPECT_EQ(result.error, "Network connection lost.");
}

TEST_F(HttpClientTest, FailsTheBodyWhenTheServerHangsUpEarly) {
  OneShotServer server;
  api::OutboundRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto future = send(request);
  server.readRequest();
  server.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result.response);
  auto next = [&] {
    std::promise<ByteStream::Chunk> chunk;
    result.response->body->read(loop_, [&chunk](ByteStream::Chunk c) { chunk.set_value(c); });
    return chunk.get_future().get();
  };
  // The bytes that came are delivered; then the hang-up fails the body.
  std::string got;
  while (got.size() < 3) {
    auto c = next();
    ASSERT_FALSE(c.done || c.error);
    got += c.bytes;
  }
  server.hangUp();
  auto last = next();
  ASSERT_TRUE(last.error.has_value());
  EXPECT_EQ(*last.error, "Network connection lost.");
  EXPECT_EQ(got, "abc");
}

TEST_F(HttpClientTest, RefusesAUrlThatIsNotHttp) {
  api::OutboundRequest request;
  request.method = "GET";
  request.url = "ftp://127.0.0.1/x";
  auto future = send(request);
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(future.get().error, "Fetch API cannot load: ftp://127.0.0.1/x");
}

TEST_F(HttpClientTest, CancellingStopsTheCallback) {
  OneShotServer server;
  api::OutboundRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  bool called = false;
  auto cancel = client_->send(request, loop_, [&called](api::OutboundResult) { called = true; });
  server.readRequest();
  std::promise<void> cancelled;
  loop_.post([&] {
    cancel();
    cancelled.set_value();
  });
  cancelled.get_future().get();
  server.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  std::promise<void> drained;
  loop_.post([&] { drained.set_value(); });
  drained.get_future().get();
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace dohost::http
