// Framing of the socket transport: how the encoded rpc messages travel on
// a byte stream between dohost processes, and a decoder that cuts the
// stream back into frames. No I/O here; see docs/dev-registry.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dohost/rpc.h"

namespace dohost::rpc::frame {

// Each side of a connection first sends these 8 bytes; the last two are
// the protocol version, so two dohost builds that do not speak the same
// frames refuse each other with a clear error instead of misreading.
constexpr char kMagic[8] = {'d', 'o', 'h', 'o', 's', 't', 0, 1};
constexpr size_t kMagicSize = sizeof(kMagic);

// After the magic, frames. All integers little-endian:
//   u32 size     bytes after this field
//   u8  kind     1 call, 2 reply
//   u8  zero
//   u16 n        length of the Worker name
//   u64 id       chosen by the caller, echoed by the reply
//   n bytes      the Worker name (calls; empty in replies)
//   the rest     one encoded message (rpc::Message)
enum class Kind : uint8_t { kCall = 1, kReply = 2 };
constexpr size_t kHeaderSize = 16;

// Workers' RPC messages are limited to 32 MiB in production; this only
// guards against a corrupt size reading as gigabytes.
constexpr size_t kMaxFrameBytes = size_t{1} << 30;

struct Frame {
  Kind kind = Kind::kCall;
  uint64_t id = 0;
  std::string worker;
  Message payload;
};

// Whether a frame for a Worker name of `workerSize` bytes and a payload of
// `payloadSize` bytes stays within kMaxFrameBytes.
inline bool fits(size_t workerSize, size_t payloadSize) {
  return workerSize <= 0xffff && payloadSize <= kMaxFrameBytes - (kHeaderSize - 4) - workerSize;
}

// The bytes that go before `payloadSize` bytes of payload.
std::string encodeHeader(Kind kind, uint64_t id, const std::string& worker, size_t payloadSize);

// Cuts a byte stream into frames, checking the magic first. Keeps partial
// frames between calls; each payload is copied once, into its own buffer
// (word-aligned, as Cap'n Proto readers need).
class Decoder {
 public:
  // Appends the frames completed by `data` to `out`. Throws dohost::Error
  // describing the problem when the stream is not dohost's frames; the
  // decoder is unusable after that.
  void feed(const char* data, size_t size, std::vector<Frame>& out);

 private:
  enum class State { kMagic, kHeader, kWorker, kPayload };
  State state_ = State::kMagic;
  std::string head_;  // the magic or header bytes read so far
  Frame frame_;
  size_t workerSize_ = 0;
  size_t payloadSize_ = 0;
  std::string payload_;
  size_t payloadFilled_ = 0;
};

}  // namespace dohost::rpc::frame
