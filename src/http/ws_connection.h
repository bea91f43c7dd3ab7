// WsConnection: one WebSocket connection over an Asio stream (plain TCP for the front door, TCP
// or TLS for outbound clients), bridged to a WebSocketEnd: frames read from the peer go to the
// end's peer as events, and what that peer sends goes out as frames. Private to src/http.
#pragma once

// Before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/write.hpp>

#include "dohost/event_loop.h"
#include "dohost/log.h"
#include "dohost/web_socket_channel.h"

#include "ws_frame.h"

namespace dohost::http {

// The largest message accepted, as workerd's default (32 MiB).
constexpr std::size_t kMaxWebSocketMessage = 32u << 20;

// How a stream type is closed at once; overloaded for TLS streams where they are used.
template <typename Stream>
void closeTransport(Stream& stream) {
  boost::system::error_code ec;
  stream.shutdown(Stream::shutdown_both, ec);
  stream.close(ec);
}

template <typename Stream>
class WsConnection : public std::enable_shared_from_this<WsConnection<Stream>> {
 public:
  // `leftover`: bytes already read past the handshake. `client`: this side masks its frames
  // and expects unmasked ones. `onClosed` runs once, on the loop, when the connection is gone.
  WsConnection(Stream stream,
               std::string leftover,
               bool client,
               std::shared_ptr<WebSocketEnd> end,
               EventLoop& loop,
               std::function<void()> onClosed = nullptr)
      : stream_(std::move(stream)),
        leftover_(std::move(leftover)),
        client_(client),
        parser_(/*fromClient=*/!client, kMaxWebSocketMessage),
        end_(std::move(end)),
        loop_(loop),
        onClosed_(std::move(onClosed)) {}

  // Starts reading frames and sending what the end's peer sends. Call on the loop.
  void start() {
    std::weak_ptr<WsConnection> weak = this->shared_from_this();
    end_->listen(loop_, [weak](WebSocketEvent event) {
      if (auto self = weak.lock()) self->onEndEvent(std::move(event));
    });
    if (!leftover_.empty()) {
      std::string bytes = std::move(leftover_);
      leftover_.clear();
      onBytes(bytes);
      if (finished_) return;
    }
    readMore();
  }

  // Drops the connection now, without a Close frame (server shutdown). On the loop.
  void close() {
    finish("WebSocket disconnected without sending Close frame.");
  }

 private:
  // ---- Reading --------------------------------------------------------------------------------

  void readMore() {
    if (finished_) return;
    // Reading goes on after a Close arrives, to notice when the peer drops the connection.
    stream_.async_read_some(
        boost::asio::buffer(readBuffer_),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (self->finished_) return;
          if (ec) {
            return self->finish("WebSocket disconnected without sending Close frame.");
          }
          self->onBytes(std::string_view(self->readBuffer_.data(), n));
          self->readMore();
        });
  }

  void onBytes(std::string_view bytes) {
    if (closeReceived_) return;  // nothing may follow a Close
    std::vector<ws::Received> received;
    parser_.feed(bytes, received);
    for (auto& message : received) {
      if (finished_) return;
      handle(std::move(message));
    }
  }

  void handle(ws::Received message) {
    using Kind = ws::Received::Kind;
    switch (message.kind) {
      case Kind::kText:
        end_->send(WebSocketEvent::text(std::move(message.data)));
        break;
      case Kind::kBinary:
        end_->send(WebSocketEvent::binary(std::move(message.data)));
        break;
      case Kind::kPing:
        if (!closeSent_) queue(ws::encodeFrame(ws::Opcode::kPong, message.data, mask()));
        break;
      case Kind::kPong:
        break;
      case Kind::kClose:
        // The reply is the other side's to choose (a Worker's close(), or the auto-reply).
        closeReceived_ = true;
        end_->send(WebSocketEvent::close(message.code, std::move(message.data)));
        if (closeSent_ && !writing_) finish("");
        break;
      case Kind::kError:
        // A protocol error ends the connection: say why in a Close frame, then drop it.
        if (!closeSent_) {
          closeSent_ = true;
          queue(ws::encodeClose(message.code, "", mask()));
        }
        closeReceived_ = true;
        error_ =
            "WebSocket protocol error; protocolError.statusCode = " + std::to_string(message.code) +
            "; protocolError.description = " + message.data;
        if (!writing_) finish("");
        break;
    }
  }

  // ---- Writing --------------------------------------------------------------------------------

  void onEndEvent(WebSocketEvent event) {
    if (finished_) return;
    switch (event.kind) {
      case WebSocketEvent::Kind::kText:
        if (!closeSent_) queue(ws::encodeFrame(ws::Opcode::kText, event.data, mask()));
        break;
      case WebSocketEvent::Kind::kBinary:
        if (!closeSent_) queue(ws::encodeFrame(ws::Opcode::kBinary, event.data, mask()));
        break;
      case WebSocketEvent::Kind::kClose:
        if (closeSent_) break;
        closeSent_ = true;
        queue(ws::encodeClose(event.code, event.data, mask()));
        break;
      case WebSocketEvent::Kind::kAborted:
      case WebSocketEvent::Kind::kError:
        // The Worker's side is gone: the client sees the connection drop, as with workerd.
        finish("");
        break;
    }
  }

  std::optional<ws::MaskKey> mask() const {
    if (!client_) return std::nullopt;
    return ws::newMask();
  }

  void queue(std::string frame) {
    outbox_.push_back(std::move(frame));
    if (!writing_) writeNext();
  }

  void writeNext() {
    if (finished_) return;
    if (outbox_.empty()) {
      writing_ = false;
      // Both Close frames have crossed, or a protocol error was reported: the TCP connection
      // has nothing left to carry.
      if (closeSent_ && closeReceived_) finish("");
      return;
    }
    writing_ = true;
    current_ = std::move(outbox_.front());
    outbox_.pop_front();
    boost::asio::async_write(
        stream_, boost::asio::buffer(current_),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
          if (self->finished_) return;
          if (ec) return self->finish("WebSocket disconnected without sending Close frame.");
          self->writeNext();
        });
  }

  // ---- Ending ---------------------------------------------------------------------------------

  // Closes the transport and tells the end's peer, unless it already knows: a lost connection
  // (`why`) when no Close came, the protocol error when there was one.
  void finish(const std::string& why) {
    if (finished_) return;
    finished_ = true;
    if (error_) {
      end_->send({WebSocketEvent::Kind::kError, *error_, 1006});
    } else if (!closeReceived_ && !why.empty()) {
      end_->abort(why);
    }
    end_->unlisten();
    closeTransport(stream_);
    if (onClosed_) {
      auto onClosed = std::move(onClosed_);
      onClosed_ = nullptr;
      onClosed();
    }
  }

  Stream stream_;
  std::string leftover_;
  const bool client_;
  ws::Parser parser_;
  std::shared_ptr<WebSocketEnd> end_;
  EventLoop& loop_;
  std::function<void()> onClosed_;

  std::array<char, 16 * 1024> readBuffer_{};
  std::deque<std::string> outbox_;
  std::string current_;  // the frame being written
  bool writing_ = false;
  bool closeSent_ = false;
  bool closeReceived_ = false;
  bool finished_ = false;
  std::optional<std::string> error_;
};

}  // namespace dohost::http
