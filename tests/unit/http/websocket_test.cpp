// The front door's WebSocket upgrade: the 101 as sent, messages both ways through a
// WebSocketEnd, the close handshake left to the handler's side, and protocol errors.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dohost/event_loop.h"
#include "dohost/http.h"
#include "dohost/web_socket_channel.h"

#include "test_client.h"
#include "ws_frame.h"

namespace dohost::http {
namespace {

using test_support::Client;
using test_support::Mailbox;

constexpr std::string_view kUpgrade =
    "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

class HttpWebSocketTest : public ::testing::Test {
 protected:
  HttpWebSocketTest() {
    loop_.start();
    worker_.start();
  }

  void SetUp() override {
    server_ = std::make_unique<Server>(std::vector<EventLoop*>{&loop_},
                                       [this](Request request, Respond respond) {
                                         requests_.put(std::move(request));
                                         responders_.put(std::move(respond));
                                       });
    server_->listen("127.0.0.1", 0);
  }

  void TearDown() override {
    if (end_) end_->unlisten();
    server_.reset();
  }

  // Upgrades `client`'s connection, answering with a 101 whose WebSocket the test holds.
  void upgrade(Client& client, std::vector<Header> headers = {}) {
    client.send(kUpgrade);
    ASSERT_TRUE(requests_.take());
    auto [mine, theirs] = makeWebSocketChannel();
    end_ = mine;
    end_->listen(worker_, [this](WebSocketEvent event) { events_.put(std::move(event)); });
    Response response;
    response.status = 101;
    response.headers = std::move(headers);
    response.webSocket = theirs;
    (*responders_.take())(response);
  }

  void sendFrame(Client& client, ws::Opcode opcode, std::string_view payload) {
    client.send(ws::encodeFrame(opcode, payload, ws::MaskKey{9, 8, 7, 6}));
  }

  // The next frame the server sent, parsed as a client parses it.
  std::optional<ws::Received> readFrame(Client& client) {
    std::vector<ws::Received> out;
    while (out.empty()) {
      auto byte = client.readExactly(1);
      if (!byte) return std::nullopt;
      serverFrames_.feed(*byte, out);
    }
    return out.front();
  }

  EventLoop loop_{"http-ws"};
  EventLoop worker_{"worker"};
  Mailbox<Request> requests_;
  Mailbox<Respond> responders_;
  Mailbox<WebSocketEvent> events_;
  std::shared_ptr<WebSocketEnd> end_;
  ws::Parser serverFrames_{/*fromClient=*/false, 1 << 20};
  std::unique_ptr<Server> server_;
};

TEST_F(HttpWebSocketTest, Answers101WithTheAcceptKeyThenTheHandlersHeaders) {
  Client client(server_->port());
  upgrade(client, {{"Sec-WebSocket-Protocol", "chat"}, {"x-extra", "yes"}, {"Upgrade", "no"}});
  EXPECT_EQ(client.readUntil("\r\n\r\n"),
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: chat\r\nx-extra: yes\r\n\r\n");
}

TEST_F(HttpWebSocketTest, CarriesTextAndBinaryBothWays) {
  Client client(server_->port());
  upgrade(client);
  ASSERT_TRUE(client.readUntil("\r\n\r\n"));

  sendFrame(client, ws::Opcode::kText, "hello");
  sendFrame(client, ws::Opcode::kBinary, std::string("\0\1\2", 3));
  auto text = events_.take();
  ASSERT_TRUE(text);
  EXPECT_EQ(text->kind, WebSocketEvent::Kind::kText);
  EXPECT_EQ(text->data, "hello");
  auto binary = events_.take();
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->kind, WebSocketEvent::Kind::kBinary);
  EXPECT_EQ(binary->data, std::string("\0\1\2", 3));

  end_->send(WebSocketEvent::text("from the worker"));
  end_->send(WebSocketEvent::binary(std::string(70000, 'b')));
  auto first = readFrame(client);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, ws::Received::Kind::kText);
  EXPECT_EQ(first->data, "from the worker");
  auto second = readFrame(client);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->data.size(), 70000u);
}

TEST_F(HttpWebSocketTest, LeavesTheCloseReplyToTheHandlersSide) {
  Client client(server_->port());
  upgrade(client);
  ASSERT_TRUE(client.readUntil("\r\n\r\n"));

  client.send(ws::encodeClose(1000, "client bye", ws::MaskKey{1, 1, 1, 1}));
  auto close = events_.take();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->kind, WebSocketEvent::Kind::kClose);
  EXPECT_EQ(close->code, 1000);
  EXPECT_EQ(close->data, "client bye");

  // Nothing is sent back until the handler's side closes, with a code of its own.
  end_->send(WebSocketEvent::close(4001, "server bye"));
  auto reply = readFrame(client);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, ws::Received::Kind::kClose);
  EXPECT_EQ(reply->code, 4001);
  EXPECT_EQ(reply->data, "server bye");
  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
}

TEST_F(HttpWebSocketTest, AnswersPingsWithoutTheHandler) {
  Client client(server_->port());
  upgrade(client);
  ASSERT_TRUE(client.readUntil("\r\n\r\n"));
  sendFrame(client, ws::Opcode::kPing, "are you there");
  auto pong = readFrame(client);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->kind, ws::Received::Kind::kPong);
  EXPECT_EQ(pong->data, "are you there");
}

TEST_F(HttpWebSocketTest, TellsTheHandlerWhenTheClientDisappears) {
  auto client = std::make_unique<Client>(server_->port());
  upgrade(*client);
  ASSERT_TRUE(client->readUntil("\r\n\r\n"));
  client.reset();
  auto event = events_.take();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, WebSocketEvent::Kind::kAborted);
  EXPECT_EQ(event->data, "WebSocket disconnected without sending Close frame.");
}

TEST_F(HttpWebSocketTest, ClosesWith1002AndReportsAProtocolError) {
  Client client(server_->port());
  upgrade(client);
  ASSERT_TRUE(client.readUntil("\r\n\r\n"));
  client.send(ws::encodeFrame(ws::Opcode::kText, "unmasked", std::nullopt));
  auto close = readFrame(client);
  ASSERT_TRUE(close);
  EXPECT_EQ(close->kind, ws::Received::Kind::kClose);
  EXPECT_EQ(close->code, 1002);
  auto event = events_.take();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, WebSocketEvent::Kind::kError);
  EXPECT_EQ(event->data,
            "WebSocket protocol error; protocolError.statusCode = 1002; "
            "protocolError.description = Received unmasked frame from client");
}

TEST_F(HttpWebSocketTest, DropsTheConnectionWhenTheHandlersSideGoesAway) {
  Client client(server_->port());
  upgrade(client);
  ASSERT_TRUE(client.readUntil("\r\n\r\n"));
  end_->unlisten();
  end_.reset();
  bool closed = false;
  EXPECT_EQ(client.readToEnd(&closed), "");
  EXPECT_TRUE(closed);
}

TEST_F(HttpWebSocketTest, Answers500WhenAWebSocketAnswersAPlainRequest) {
  Client client(server_->port());
  client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(requests_.take());
  auto [mine, theirs] = makeWebSocketChannel();
  Response response;
  response.status = 101;
  response.webSocket = theirs;
  (*responders_.take())(response);
  auto answer = client.read();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 500);
}

TEST_F(HttpWebSocketTest, StopClosesOpenWebSockets) {
  Client client(server_->port());
  upgrade(client);
  ASSERT_TRUE(client.readUntil("\r\n\r\n"));
  server_->stop();
  auto event = events_.take();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->kind, WebSocketEvent::Kind::kAborted);
  bool closed = false;
  client.readToEnd(&closed);
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace dohost::http
