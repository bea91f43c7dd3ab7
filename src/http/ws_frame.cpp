// WebSocket framing: frame layout per RFC 6455 section 5.2, close payloads per 5.5.1, and the
// checks a receiver must make (masking, control frame rules, fragmentation, UTF-8, size).
#include "ws_frame.h"

#include <cstring>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace dohost::http::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, int(size));
  out.resize(std::size_t(n));
  return out;
}

bool isControl(std::uint8_t opcode) {
  return (opcode & 0x8) != 0;
}

bool isKnownOpcode(std::uint8_t opcode) {
  return opcode == 0x0 || opcode == 0x1 || opcode == 0x2 || opcode == 0x8 || opcode == 0x9 ||
         opcode == 0xA;
}

// The close codes a peer may put on the wire (RFC 6455 section 7.4).
bool isValidWireCloseCode(int code) {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

}  // namespace

std::string acceptKey(std::string_view key) {
  std::string input(key);
  input.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(digest, sizeof digest);
}

std::string newKey() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  return base64(bytes, sizeof bytes);
}

MaskKey newMask() {
  MaskKey mask;
  RAND_bytes(mask.data(), int(mask.size()));
  return mask;
}

std::string encodeFrame(Opcode opcode, std::string_view payload, std::optional<MaskKey> mask) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame.push_back(char(0x80 | std::uint8_t(opcode)));
  std::uint8_t maskBit = mask ? 0x80 : 0;
  std::uint64_t size = payload.size();
  if (size < 126) {
    frame.push_back(char(maskBit | size));
  } else if (size <= 0xFFFF) {
    frame.push_back(char(maskBit | 126));
    frame.push_back(char(size >> 8));
    frame.push_back(char(size & 0xFF));
  } else {
    frame.push_back(char(maskBit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(char((size >> shift) & 0xFF));
  }
  if (!mask) return frame.append(payload);
  frame.append(reinterpret_cast<const char*>(mask->data()), mask->size());
  std::size_t start = frame.size();
  frame.append(payload);
  for (std::size_t i = 0; i < payload.size(); ++i) frame[start + i] ^= char((*mask)[i % 4]);
  return frame;
}

std::string encodeClose(int code, std::string_view reason, std::optional<MaskKey> mask) {
  std::string payload;
  if (code != 1005) {
    payload.push_back(char((code >> 8) & 0xFF));
    payload.push_back(char(code & 0xFF));
    payload.append(reason);
  }
  return encodeFrame(Opcode::kClose, payload, mask);
}

bool isValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = std::uint8_t(text[i]);
    int extra;
    std::uint32_t min;
    std::uint32_t code;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, min = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, code = c & 0x07;
    } else {
      return false;
    }
    if (i + std::size_t(extra) >= text.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      auto next = std::uint8_t(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += std::size_t(extra) + 1;
  }
  return true;
}

// ==== Parser ================================================================================

Parser::Parser(bool fromClient, std::size_t maxMessage)
    : fromClient_(fromClient), maxMessage_(maxMessage) {}

void Parser::feed(std::string_view bytes, std::vector<Received>& out) {
  if (failed_) return;
  buffer_.append(bytes);
  while (!failed_ && parseFrame(out)) {
  }
}

void Parser::fail(int code, std::string description, std::vector<Received>& out) {
  failed_ = true;
  buffer_.clear();
  message_.clear();
  out.push_back({Received::Kind::kError, std::move(description), code});
}

bool Parser::parseFrame(std::vector<Received>& out) {
  // Header: two bytes, an extended length, a masking key.
  if (buffer_.size() < 2) return false;
  auto b0 = std::uint8_t(buffer_[0]);
  auto b1 = std::uint8_t(buffer_[1]);
  bool fin = (b0 & 0x80) != 0;
  std::uint8_t opcode = b0 & 0x0F;
  bool masked = (b1 & 0x80) != 0;
  std::uint64_t size = b1 & 0x7F;
  std::size_t offset = 2;

  if ((b0 & 0x70) != 0) {
    fail(1002, "Received frame with non-zero reserved bits", out);
    return false;
  }
  if (!isKnownOpcode(opcode)) {
    fail(1002, "Unknown opcode " + std::to_string(opcode), out);
    return false;
  }
  if (isControl(opcode) && (!fin || size > 125)) {
    fail(1002,
         fin ? "Control frame payload larger than 125 bytes" : "Received fragmented control frame",
         out);
    return false;
  }
  if (masked != fromClient_) {
    fail(1002, fromClient_ ? "Received unmasked frame from client" : "Received masked frame", out);
    return false;
  }

  if (size == 126) {
    if (buffer_.size() < 4) return false;
    size = (std::uint64_t(std::uint8_t(buffer_[2])) << 8) | std::uint8_t(buffer_[3]);
    offset = 4;
  } else if (size == 127) {
    if (buffer_.size() < 10) return false;
    size = 0;
    for (int i = 0; i < 8; ++i) size = (size << 8) | std::uint8_t(buffer_[2 + i]);
    offset = 10;
  }
  if (!isControl(opcode) && (size > maxMessage_ || message_.size() + size > maxMessage_)) {
    fail(1009,
         "Message is too large: " + std::to_string(message_.size() + size) + " > " +
             std::to_string(maxMessage_),
         out);
    return false;
  }
  MaskKey mask{};
  if (masked) {
    if (buffer_.size() < offset + 4) return false;
    std::memcpy(mask.data(), buffer_.data() + offset, 4);
    offset += 4;
  }
  if (buffer_.size() < offset + size) return false;

  std::string payload = buffer_.substr(offset, std::size_t(size));
  buffer_.erase(0, offset + std::size_t(size));
  if (masked) {
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= char(mask[i % 4]);
  }

  // Control frames may arrive between the fragments of a message.
  if (opcode == 0x8) {
    Received close{Received::Kind::kClose, "", 1005};
    if (payload.size() == 1) {
      fail(1002, "Close frame payload of one byte", out);
      return false;
    }
    if (payload.size() >= 2) {
      close.code = (std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]);
      close.data = payload.substr(2);
      if (!isValidWireCloseCode(close.code)) {
        fail(1002, "Invalid close code " + std::to_string(close.code), out);
        return false;
      }
      if (!isValidUtf8(close.data)) {
        fail(1007, "Invalid UTF-8 in close reason", out);
        return false;
      }
    }
    out.push_back(std::move(close));
    return true;
  }
  if (opcode == 0x9 || opcode == 0xA) {
    out.push_back(
        {opcode == 0x9 ? Received::Kind::kPing : Received::Kind::kPong, std::move(payload), 0});
    return true;
  }

  // Data frames: a new message, or the continuation of the one being reassembled.
  if (opcode == 0x0) {
    if (!messageOpcode_) {
      fail(1002, "Unexpected continuation frame", out);
      return false;
    }
  } else {
    if (messageOpcode_) {
      fail(1002, "Missing continuation frame", out);
      return false;
    }
    messageOpcode_ = Opcode(opcode);
  }
  message_.append(payload);
  if (!fin) return true;

  bool text = *messageOpcode_ == Opcode::kText;
  messageOpcode_.reset();
  std::string message = std::move(message_);
  message_.clear();
  if (text && !isValidUtf8(message)) {
    fail(1007, "Invalid UTF-8 in text frame", out);
    return false;
  }
  out.push_back({text ? Received::Kind::kText : Received::Kind::kBinary, std::move(message), 0});
  return true;
}

}  // namespace dohost::http::ws
