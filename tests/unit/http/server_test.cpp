// The HTTP front door end to end: a Server on 127.0.0.1 with two loops and a fake handler,
// driven by a plain POSIX socket client that reads the raw bytes.
#include "dohost/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dohost/assert.h"
#include "dohost/event_loop.h"

namespace dohost::http {
namespace {

// Every wait in these tests ends after this long, so a bug fails a test instead of hanging it.
constexpr auto kTimeout = std::chrono::seconds(10);

// ============================================================================================
// Test helpers

// A queue the loop threads fill and the test thread drains, with a timeout.
template <typename T>
class Mailbox {
 public:
  void put(T value) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(value));
    ready_.notify_all();
  }

  std::optional<T> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, kTimeout, [this] { return !items_.empty(); })) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    return value;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
};

struct RawResponse {
  int status = 0;
  std::string reason;
  std::vector<Header> headers;
  std::string body;

  std::string header(const std::string& name) const {
    for (const Header& h : headers) {
      if (h.name == name) return h.value;
    }
    return "<missing>";
  }
};

// A blocking HTTP/1.1 client over a POSIX socket to 127.0.0.1, reading responses by hand so the
// test sees exactly the bytes the server wrote.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{std::chrono::duration_cast<std::chrono::seconds>(kTimeout).count(), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response; `head` when it answers a HEAD request. nullopt on timeout or early close.
  std::optional<RawResponse> read(bool head = false) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string text = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);

    RawResponse response;
    size_t lineEnd = text.find("\r\n");
    std::string statusLine = text.substr(0, lineEnd);
    if (statusLine.rfind("HTTP/1.1 ", 0) != 0 || statusLine.size() < 12) return std::nullopt;
    response.status = std::stoi(statusLine.substr(9, 3));
    response.reason = statusLine.size() > 13 ? statusLine.substr(13) : "";
    while (lineEnd != std::string::npos) {
      size_t start = lineEnd + 2;
      lineEnd = text.find("\r\n", start);
      std::string line = text.substr(start, lineEnd == std::string::npos ? lineEnd
                                                                          : lineEnd - start);
      size_t colon = line.find(": ");
      response.headers.push_back({line.substr(0, colon), line.substr(colon + 2)});
    }

    if (head || response.status < 200) return response;
    std::string length = response.header("Content-Length");
    if (length == "<missing>") {
      response.body = readToEnd();
      return response;
    }
    size_t size = std::stoul(length);
    while (buffer_.size() < size) {
      if (!fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return response;
  }

  // Everything until the server closes; `closed` tells whether it did (rather than timing out).
  std::string readToEnd(bool* closed = nullptr) {
    while (fill()) {
    }
    if (closed) *closed = eof_;
    return std::exchange(buffer_, {});
  }

 private:
  bool fill() {
    char chunk[16 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) eof_ = true;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

// Answers with a plain-text body describing the request, one line per part.
void echo(Request request, Respond respond) {
  std::string text = "method " + request.method + "\nurl " + request.url + "\n";
  for (const Header& header : request.headers) {
    text += "header " + header.name + ": " + header.value + "\n";
  }
  text += "body " + request.body;
  respond(Response{200, "", {{"Content-Type", "text/plain"}}, text});
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    loopA_.start();
    loopB_.start();
  }

  void SetUp() override {
    server_ = std::make_unique<Server>(std::vector<EventLoop*>{&loopA_, &loopB_},
                                       [this](Request request, Respond respond) {
                                         onLoopThread_ = loopA_.isCurrent() || loopB_.isCurrent();
                                         handler()(std::move(request), std::move(respond));
                                       });
    server_->listen("127.0.0.1", 0);
  }

  void TearDown() override { server_.reset(); }

  void setHandler(Handler handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    handler_ = std::move(handler);
  }

  Handler handler() {
    std::lock_guard<std::mutex> lock(mutex_);
    return handler_;
  }

  // Sends one request on a new connection and reads its response.
  std::optional<RawResponse> roundTrip(std::string_view request) {
    Client client(server_->port());
    if (!client.send(request)) return std::nullopt;
    return client.read();
  }

  // A handler that parks each `respond` for the test thread to call.
  Handler parkingHandler() {
    return [this](Request request, Respond respond) {
      parkedRequests_.put(std::move(request));
      parked_.put(std::move(respond));
    };
  }

  // The loops are declared first so that they outlive the server.
  EventLoop loopA_{"http-a"};
  EventLoop loopB_{"http-b"};
  std::mutex mutex_;
  Handler handler_ = echo;
  std::atomic<bool> onLoopThread_{false};
  Mailbox<Request> parkedRequests_;
  Mailbox<Respond> parked_;
  std::unique_ptr<Server> server_;
};

// ============================================================================================
// Requests

TEST_F(HttpServerTest, EchoesTheMethodUrlHeadersAndBodyOfAGet) {
  auto response = roundTrip(
      "GET /path?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Custom: A\r\nx-dup: 1\r\nx-dup: 2\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->reason, "OK");
  EXPECT_EQ(response->body,
            "method GET\nurl http://example.com/path?x=1\nheader Host: example.com\n"
            "header X-Custom: A\nheader x-dup: 1\nheader x-dup: 2\nbody ");
  EXPECT_TRUE(onLoopThread_);
}

TEST_F(HttpServerTest, KeepsAnUnknownMethodAsSent) {
  auto response = roundTrip("PURGE /x HTTP/1.1\r\nHost: h\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->body.substr(0, response->body.find('\n')), "method PURGE");
}

TEST_F(HttpServerTest, UsesTheListeningAddressInTheUrlWhenThereIsNoHost) {
  Client client(server_->port());
  ASSERT_TRUE(client.send("GET /a HTTP/1.0\r\n\r\n"));

  auto response = client.read();
  ASSERT_TRUE(response);
  std::string url = "url http://127.0.0.1:" + std::to_string(server_->port()) + "/a\n";
  EXPECT_NE(response->body.find(url), std::string::npos) << response->body;

  // HTTP/1.0 without keep-alive: the server closes after the response.
  EXPECT_EQ(response->header("Connection"), "close");
  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, ReadsAPostBody) {
  auto response = roundTrip(
      "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->body,
            "method POST\nurl http://h/submit\nheader Host: h\nheader Content-Length: 11\n"
            "body hello world");
}

TEST_F(HttpServerTest, ReadsAChunkedPostBody) {
  auto response = roundTrip(
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->body.substr(response->body.find("body ")), "body hello world");
}

TEST_F(HttpServerTest, SendsContinueBeforeReadingABodyThatExpectsIt) {
  Client client(server_->port());
  ASSERT_TRUE(client.send(
      "PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));

  auto interim = client.read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);

  ASSERT_TRUE(client.send("abc"));
  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.substr(response->body.find("body ")), "body abc");
}

TEST_F(HttpServerTest, AnswersTwoRequestsOnOneKeepAliveConnection) {
  Client client(server_->port());

  ASSERT_TRUE(client.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto first = client.read();
  ASSERT_TRUE(first);
  EXPECT_NE(first->body.find("url http://h/one\n"), std::string::npos);
  EXPECT_EQ(first->header("Connection"), "<missing>");

  ASSERT_TRUE(client.send("GET /two HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto second = client.read();
  ASSERT_TRUE(second);
  EXPECT_NE(second->body.find("url http://h/two\n"), std::string::npos);
}

TEST_F(HttpServerTest, RejectsABodyOver100MiBWith413) {
  Client client(server_->port());
  ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 104857601\r\n\r\n"));

  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->body,
            "Payload Too Large: the request body is larger than the limit of 100 MiB\n");
}

TEST_F(HttpServerTest, AnswersGarbageWith400AndCloses) {
  Client client(server_->port());
  ASSERT_TRUE(client.send("this is not http\r\n\r\n"));

  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->reason, "Bad Request");
  EXPECT_EQ(response->header("Content-Type"), "text/plain;charset=UTF-8");
  EXPECT_EQ(response->body.rfind("Bad Request: ", 0), 0u) << response->body;
  EXPECT_EQ(response->header("Connection"), "close");

  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
}

// ============================================================================================
// Responses

TEST_F(HttpServerTest, SendsNoBodyForHead) {
  Client client(server_->port());
  ASSERT_TRUE(client.send("HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));

  auto response = client.read(/*head=*/true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  // The length of the body a GET would get, but none of its bytes.
  std::string body = "method HEAD\nurl http://h/h\nheader Host: h\nheader Connection: close\nbody ";
  EXPECT_EQ(response->header("Content-Length"), std::to_string(body.size()));
  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, KeepsDuplicateSetCookieHeadersInOrder) {
  setHandler([](Request, Respond respond) {
    respond(
        Response{200, "", {{"Set-Cookie", "a=1"}, {"X-Other", "x"}, {"Set-Cookie", "b=2"}}, ""});
  });

  auto response = roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n");

  ASSERT_TRUE(response);
  ASSERT_EQ(response->headers.size(), 4u);
  EXPECT_EQ(response->headers[0].name, "Set-Cookie");
  EXPECT_EQ(response->headers[0].value, "a=1");
  EXPECT_EQ(response->headers[2].name, "Set-Cookie");
  EXPECT_EQ(response->headers[2].value, "b=2");
}

TEST_F(HttpServerTest, AddsNoHeaderButContentLength) {
  setHandler([](Request, Respond respond) { respond(Response{201, "", {{"X-A", "1"}}, "abc"}); });

  auto response = roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->reason, "Created");
  ASSERT_EQ(response->headers.size(), 2u);
  EXPECT_EQ(response->headers[0].name, "X-A");
  EXPECT_EQ(response->headers[1].name, "Content-Length");
  EXPECT_EQ(response->headers[1].value, "3");
  EXPECT_EQ(response->body, "abc");
}

TEST_F(HttpServerTest, SendsTheHandlersStatusText) {
  setHandler([](Request, Respond respond) { respond(Response{418, "Short And Stout", {}, ""}); });

  auto response = roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 418);
  EXPECT_EQ(response->reason, "Short And Stout");
}

TEST_F(HttpServerTest, Answers500WhenTheHandlerThrows) {
  setHandler([](Request, Respond) { throw std::runtime_error("boom"); });

  auto response = roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
}

TEST_F(HttpServerTest, Answers500WhenTheHandlerDropsTheRequest) {
  setHandler([](Request, Respond) {});

  auto response = roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n");

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body,
            "Internal Server Error: the request was dropped without a response\n");
}

TEST_F(HttpServerTest, LogsOneLinePerRequest) {
  testing::internal::CaptureStdout();
  {
    Client client(server_->port());
    ASSERT_TRUE(client.send("GET /log?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE(client.read());
    // The line is printed before the connection reads again, so once the second response
    // arrives the first line is out.
    ASSERT_TRUE(client.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE(client.read());
  }
  std::string out = testing::internal::GetCapturedStdout();

  EXPECT_TRUE(std::regex_search(out, std::regex(R"(^GET /log\?q=1 200 OK \(\d+ms\)$)",
                                                std::regex::multiline)))
      << out;
}

// ============================================================================================
// respond() from elsewhere

TEST_F(HttpServerTest, AcceptsARespondCallFromAnotherThread) {
  setHandler(parkingHandler());
  Client client(server_->port());
  ASSERT_TRUE(client.send("GET /later HTTP/1.1\r\nHost: h\r\n\r\n"));

  auto respond = parked_.take();
  ASSERT_TRUE(respond);
  EXPECT_TRUE(onLoopThread_);
  std::thread worker([&] { (*respond)(Response{200, "", {}, "from elsewhere"}); });
  worker.join();

  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "from elsewhere");
}

TEST_F(HttpServerTest, IgnoresASecondRespondCall) {
  setHandler([](Request request, Respond respond) {
    respond(Response{200, "", {}, "first " + request.target});
    respond(Response{500, "", {}, "second"});
  });
  Client client(server_->port());

  // Were the second call written, it would show up as an extra response on the connection.
  ASSERT_TRUE(client.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto first = client.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "first /1");
  ASSERT_TRUE(client.send("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto second = client.read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "first /2");
}

TEST_F(HttpServerTest, SurvivesARespondAfterTheClientHungUp) {
  setHandler(parkingHandler());
  {
    Client client(server_->port());
    ASSERT_TRUE(client.send("GET /gone HTTP/1.1\r\nHost: h\r\n\r\n"));
    // Hang up only once the handler has the request.
    ASSERT_TRUE(parkedRequests_.take());
  }
  setHandler(echo);
  auto respond = parked_.take();
  ASSERT_TRUE(respond);
  (*respond)(Response{200, "", {}, "nobody listens"});

  auto response = roundTrip("GET /still HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, SurvivesARespondAfterTheServerIsGone) {
  setHandler(parkingHandler());
  Client client(server_->port());
  ASSERT_TRUE(client.send("GET /orphan HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto respond = parked_.take();
  ASSERT_TRUE(respond);

  server_.reset();
  std::thread worker([&] { (*respond)(Response{200, "", {}, "too late"}); });
  worker.join();

  bool closed = false;
  client.readToEnd(&closed);
  EXPECT_TRUE(closed);
}

// ============================================================================================
// Listening and stopping

TEST_F(HttpServerTest, PicksARealPortForPortZero) {
  EXPECT_NE(server_->port(), 0);
  Client client(server_->port());
  EXPECT_TRUE(client.connected());
}

TEST_F(HttpServerTest, ThrowsANamedErrorWhenThePortIsTaken) {
  Server second({&loopA_}, echo);
  std::string expected =
      "cannot listen on 127.0.0.1:" + std::to_string(server_->port()) + ": address already in use";
  try {
    second.listen("127.0.0.1", server_->port());
    FAIL() << "listen() did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

TEST_F(HttpServerTest, ThrowsANamedErrorForABadAddress) {
  Server second({&loopA_}, echo);
  try {
    second.listen("127.0.0.300", 8787);
    FAIL() << "listen() did not throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot listen on 127.0.0.300:8787: \"127.0.0.300\" is not an IP address");
  }
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndRefusesNewOnes) {
  Client idle(server_->port());
  ASSERT_TRUE(idle.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(idle.read());

  server_->stop();

  bool closed = false;
  EXPECT_EQ(idle.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
  Client late(server_->port());
  if (late.connected() && late.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")) {
    EXPECT_EQ(late.readToEnd(), "");
  }
}

TEST_F(HttpServerTest, StopLetsARequestInFlightFinish) {
  setHandler(parkingHandler());
  Client client(server_->port());
  ASSERT_TRUE(client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto respond = parked_.take();
  ASSERT_TRUE(respond);

  server_->stop();
  (*respond)(Response{200, "", {}, "finished"});

  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->header("Connection"), "close");
  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, SpreadsConnectionsOverTheLoops) {
  Mailbox<std::string> loops;
  setHandler([&](Request, Respond respond) {
    loops.put(loopA_.isCurrent() ? "a" : loopB_.isCurrent() ? "b" : "?");
    respond(Response{});
  });

  ASSERT_TRUE(roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(roundTrip("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));

  auto first = loops.take();
  auto second = loops.take();
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, "?");
  EXPECT_NE(*second, "?");
  EXPECT_NE(*first, *second);
}

}  // namespace
}  // namespace dohost::http
