// WebSocket framing (RFC 6455) as plain byte work: the handshake's accept key, building frames,
// and an incremental parser that turns received bytes into messages. Written here rather than
// taken from Beast because Beast's stream answers a Close frame by itself with the peer's code,
// while workerd lets the Worker choose the code and reason of its reply.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dohost::http::ws {

// Sec-WebSocket-Accept for the client's Sec-WebSocket-Key (SHA-1 and base64, RFC 6455 4.2.2).
std::string acceptKey(std::string_view key);

// A fresh random Sec-WebSocket-Key for a client handshake.
std::string newKey();

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

using MaskKey = std::array<std::uint8_t, 4>;

// One complete frame. Client frames must be masked (`mask` set), server frames must not.
std::string encodeFrame(Opcode opcode, std::string_view payload, std::optional<MaskKey> mask);

// A Close frame: code 1005 means "no code", which goes out as an empty payload.
std::string encodeClose(int code, std::string_view reason, std::optional<MaskKey> mask);

// A random masking key, for client frames.
MaskKey newMask();

// What the parser found in the received bytes.
struct Received {
  enum class Kind { kText, kBinary, kPing, kPong, kClose, kError };
  Kind kind = Kind::kText;
  std::string data;  // message bytes, ping/pong payload, close reason, or the error's description
  int code = 0;      // kClose: the code (1005 when the frame had none); kError: the close code to
                     // send (1002 protocol error, 1007 bad UTF-8, 1009 message too big)
};

// Reassembles messages from frames. After a kError it ignores further input.
class Parser {
 public:
  // `fromClient`: frames must be masked (a server reading a client) or must not be (a client
  // reading a server). `maxMessage`: the largest message accepted, in bytes.
  Parser(bool fromClient, std::size_t maxMessage);

  // Consumes `bytes`, appending what they complete to `out`, in order.
  void feed(std::string_view bytes, std::vector<Received>& out);

  bool failed() const {
    return failed_;
  }

 private:
  // Parses one frame from the front of buffer_; false when more bytes are needed.
  bool parseFrame(std::vector<Received>& out);
  void fail(int code, std::string description, std::vector<Received>& out);

  const bool fromClient_;
  const std::size_t maxMessage_;
  std::string buffer_;
  bool failed_ = false;
  std::optional<Opcode> messageOpcode_;  // set while a fragmented message is being reassembled
  std::string message_;
};

// True when `text` is well-formed UTF-8.
bool isValidUtf8(std::string_view text);

}  // namespace dohost::http::ws
