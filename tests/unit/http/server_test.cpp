// The HTTP front door end to end: a Server on 127.0.0.1 with two loops and a fake handler,
// driven by a plain POSIX socket client that reads the raw bytes.
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <regex>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "dohost/assert.h"
#include "dohost/event_loop.h"
#include "dohost/http.h"

#include "test_client.h"

namespace dohost::http {
namespace {

using test_support::Client;
using test_support::kTimeout;
using test_support::Mailbox;
using test_support::RawResponse;

// A response with the given status, headers and body.
Response reply(int status, std::vector<Header> headers, std::string body) {
  Response response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

// Answers with a plain-text body describing the request, one line per part.
void echo(Request request, Respond respond) {
  std::string text = "method " + request.method + "\nurl " + request.url + "\n";
  for (const Header& header : request.headers) {
    text += "header " + header.name + ": " + header.value + "\n";
  }
  text += "body " + request.body;
  respond(reply(200, {{"Content-Type", "text/plain"}}, text));
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

  void TearDown() override {
    server_.reset();
  }

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
  auto response =
      roundTrip("POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");

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
    respond(reply(200, {{"Set-Cookie", "a=1"}, {"X-Other", "x"}, {"Set-Cookie", "b=2"}}, ""));
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
  setHandler([](Request, Respond respond) { respond(reply(201, {{"X-A", "1"}}, "abc")); });

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
  setHandler([](Request, Respond respond) {
    Response response = reply(418, {}, "");
    response.statusText = "Short And Stout";
    respond(response);
  });

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
  EXPECT_EQ(response->body, "Internal Server Error: the request was dropped without a response\n");
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

  EXPECT_TRUE(std::regex_search(
      out, std::regex(R"(^GET /log\?q=1 200 OK \(\d+ms\)$)", std::regex::multiline)))
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
  std::thread worker([&] { (*respond)(reply(200, {}, "from elsewhere")); });
  worker.join();

  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "from elsewhere");
}

TEST_F(HttpServerTest, IgnoresASecondRespondCall) {
  setHandler([](Request request, Respond respond) {
    respond(reply(200, {}, "first " + request.target));
    respond(reply(500, {}, "second"));
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
  (*respond)(reply(200, {}, "nobody listens"));

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
  std::thread worker([&] { (*respond)(reply(200, {}, "too late")); });
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
  (*respond)(reply(200, {}, "finished"));

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
