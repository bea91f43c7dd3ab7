// The front door's streaming: request bodies handed over while they arrive, response bodies
// written as they are produced, and the keep-alive connection after both.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dohost/byte_stream.h"
#include "dohost/event_loop.h"
#include "dohost/http.h"

#include "test_client.h"

namespace dohost::http {
namespace {

using test_support::Client;
using test_support::kTimeout;
using test_support::Mailbox;

constexpr std::size_t kStreamOver = 1024;

// Reads a whole ByteStream on `loop`, then calls `done` with the bytes or the error.
void readAll(const std::shared_ptr<ByteStream>& stream,
             EventLoop& loop,
             std::function<void(std::string, std::optional<std::string>)> done,
             std::shared_ptr<std::string> sofar = std::make_shared<std::string>()) {
  stream->read(loop, [stream, &loop, done, sofar](ByteStream::Chunk chunk) {
    if (chunk.error) return done(*sofar, chunk.error);
    if (chunk.done) return done(*sofar, std::nullopt);
    *sofar += chunk.bytes;
    readAll(stream, loop, done, sofar);
  });
}

class HttpStreamingTest : public ::testing::Test {
 protected:
  HttpStreamingTest() {
    loop_.start();
  }

  void SetUp() override {
    ServerOptions options;
    options.streamBodiesOver = kStreamOver;
    server_ = std::make_unique<Server>(
        std::vector<EventLoop*>{&loop_},
        [this](Request request, Respond respond) {
          requests_.put(std::move(request));
          responders_.put(std::move(respond));
        },
        options);
    server_->listen("127.0.0.1", 0);
  }

  void TearDown() override {
    server_.reset();
  }

  EventLoop loop_{"http-stream"};
  EventLoop producer_{"producer"};
  Mailbox<Request> requests_;
  Mailbox<Respond> responders_;
  std::unique_ptr<Server> server_;
};

// ============================================================================================
// Request bodies

TEST_F(HttpStreamingTest, ReadsABodyAtOrUnderTheLimitWhole) {
  Client client(server_->port());
  std::string body(kStreamOver, 'x');
  client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1024\r\n\r\n" + body);
  auto request = requests_.take();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->body, body);
  EXPECT_EQ(request->bodyStream, nullptr);
  EXPECT_TRUE(request->hasBody);
}

TEST_F(HttpStreamingTest, StreamsALongerBodyWhileItArrives) {
  Client client(server_->port());
  client.send("PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n" +
              std::string(1000, 'a'));
  auto request = requests_.take();
  ASSERT_TRUE(request);
  ASSERT_NE(request->bodyStream, nullptr);
  EXPECT_EQ(request->bodyStream->length(), 3000u);
  EXPECT_EQ(request->body, "");

  // The handler runs before the rest of the body is sent.
  std::promise<std::pair<std::string, std::optional<std::string>>> got;
  readAll(request->bodyStream, loop_, [&got](std::string bytes, std::optional<std::string> error) {
    got.set_value({bytes, error});
  });
  client.send(std::string(2000, 'b'));
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  auto [bytes, error] = future.get();
  EXPECT_EQ(bytes, std::string(1000, 'a') + std::string(2000, 'b'));
  EXPECT_FALSE(error);
}

TEST_F(HttpStreamingTest, StreamsAChunkedBodyOfAnySize) {
  Client client(server_->port());
  client.send(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  auto request = requests_.take();
  ASSERT_TRUE(request);
  ASSERT_NE(request->bodyStream, nullptr);
  EXPECT_FALSE(request->bodyStream->length().has_value());
  std::promise<std::string> got;
  readAll(request->bodyStream, loop_,
          [&got](std::string bytes, std::optional<std::string>) { got.set_value(bytes); });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(future.get(), "abcde");
}

TEST_F(HttpStreamingTest, MarksRequestsWithABodyHeaderEvenWhenEmpty) {
  Client client(server_->port());
  client.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  auto withLength = requests_.take();
  ASSERT_TRUE(withLength);
  EXPECT_TRUE(withLength->hasBody);
  (*responders_.take())(Response{});
  ASSERT_TRUE(client.read());

  client.send("POST /b HTTP/1.1\r\nHost: h\r\n\r\n");
  auto without = requests_.take();
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->hasBody);
}

TEST_F(HttpStreamingTest, FailsTheBodyStreamWhenTheClientHangsUp) {
  auto client = std::make_unique<Client>(server_->port());
  client->send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n" +
               std::string(2000, 'a'));
  auto request = requests_.take();
  ASSERT_TRUE(request);
  std::promise<std::optional<std::string>> got;
  readAll(request->bodyStream, loop_,
          [&got](std::string, std::optional<std::string> error) { got.set_value(error); });
  client.reset();
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_EQ(future.get(), "Network connection lost.");
}

TEST_F(HttpStreamingTest, DropsAnUnreadBodyAndServesTheNextRequest) {
  Client client(server_->port());
  client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 200000\r\n\r\n" +
              std::string(200000, 'z'));
  auto request = requests_.take();
  ASSERT_TRUE(request);
  Response early;
  early.status = 202;
  early.body = "early";
  (*responders_.take())(early);
  auto response = client.read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 202);

  client.send("GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  auto next = requests_.take();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->target, "/next");
  (*responders_.take())(Response{});
  EXPECT_TRUE(client.read());
}

// ============================================================================================
// Response bodies

TEST_F(HttpStreamingTest, WritesAStreamOfUnknownLengthChunkedAsItIsProduced) {
  producer_.start();
  Client client(server_->port());
  client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
  auto stream = ByteStream::create();
  Response response;
  response.headers = {{"Content-Length", "99"}, {"X-A", "1"}, {"Transfer-Encoding", "gzip"}};
  response.bodyStream = stream;
  (*responders_.take())(response);

  // The head and each chunk arrive before the next is produced.
  EXPECT_EQ(client.readUntil("\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
  stream->write("hello");
  EXPECT_EQ(client.readExactly(10), "5\r\nhello\r\n");
  stream->write(std::string(20, 'w'));
  EXPECT_EQ(client.readExactly(26), "14\r\n" + std::string(20, 'w') + "\r\n");
  stream->end();
  EXPECT_EQ(client.readExactly(5), "0\r\n\r\n");

  // The connection stays usable.
  client.send("GET /again HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
}

TEST_F(HttpStreamingTest, WritesAStreamOfKnownLengthWithContentLength) {
  Client client(server_->port());
  client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
  auto stream = ByteStream::create(5);
  stream->write("he");
  stream->write("llo");
  stream->end();
  Response response;
  response.bodyStream = stream;
  (*responders_.take())(response);
  auto raw = client.readUntil("hello");
  EXPECT_EQ(raw, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
}

TEST_F(HttpStreamingTest, CutsTheConnectionWhenTheStreamFails) {
  Client client(server_->port());
  client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
  auto stream = ByteStream::create();
  stream->write("partial");
  stream->fail("boom");
  Response response;
  response.bodyStream = stream;
  (*responders_.take())(response);
  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(closed);
}

TEST_F(HttpStreamingTest, SendsNoBodyForHeadAndCancelsTheStream) {
  Client client(server_->port());
  client.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
  auto stream = ByteStream::create();
  Response response;
  response.bodyStream = stream;
  (*responders_.take())(response);
  EXPECT_EQ(client.readUntil("\r\n\r\n"), "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_TRUE(stream->cancelled());
}

TEST_F(HttpStreamingTest, CancelsTheStreamWhenTheClientGoesAway) {
  auto client = std::make_unique<Client>(server_->port());
  client->send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
  auto stream = ByteStream::create(std::nullopt, 16);
  Response response;
  response.bodyStream = stream;
  (*responders_.take())(response);
  ASSERT_TRUE(client->readUntil("\r\n\r\n"));
  client.reset();

  // Writing on finds out: the stream is cancelled once the server sees the hang-up.
  std::promise<bool> ready;
  auto future = ready.get_future();
  producer_.start();
  std::function<void(bool)> writeMore = [&](bool ok) {
    if (!ok) return ready.set_value(false);
    stream->write(std::string(1024, 'x'));
    stream->whenWritable(producer_, writeMore);
  };
  producer_.post([&] { writeMore(true); });
  ASSERT_EQ(future.wait_for(kTimeout), std::future_status::ready);
  EXPECT_FALSE(future.get());
  EXPECT_EQ(stream->cancelReason(), "the client closed the connection");
  producer_.stop();
  producer_.join();
}

TEST_F(HttpStreamingTest, EchoesABodyWhileItIsStillArriving) {
  Client client(server_->port());
  client.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nping\r\n");
  auto request = requests_.take();
  ASSERT_TRUE(request);

  // The handler answers with the request body itself: bytes go back as they come in.
  Response response;
  response.bodyStream = request->bodyStream;
  (*responders_.take())(response);
  EXPECT_EQ(client.readUntil("\r\n\r\n"), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(client.readExactly(9), "4\r\nping\r\n");
  client.send("4\r\npong\r\n0\r\n\r\n");
  EXPECT_EQ(client.readExactly(9), "4\r\npong\r\n");
  EXPECT_EQ(client.readExactly(5), "0\r\n\r\n");
}

}  // namespace
}  // namespace dohost::http
