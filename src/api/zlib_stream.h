// ZlibStream: one gzip, deflate, deflate-raw or brotli compressor or
// decompressor fed in chunks, behind CompressionStream and
// DecompressionStream.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dohost::api {

class ZlibStream {
 public:
  enum class Format { kGzip, kDeflate, kDeflateRaw, kBrotli };

  // Why push() failed; each has its own message in workerd.
  enum class Failure {
    kNone,
    kCorrupt,    // data that is not in the format
    kTruncated,  // the end came before the compressed data was complete
    kTrailing,   // bytes after the end of the compressed data
  };

  // Throws dohost::Error when the library cannot set up (out of memory).
  ZlibStream(Format format, bool compress);
  ~ZlibStream();
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;

  // Parses "gzip", "deflate", "deflate-raw" or "brotli".
  static std::optional<Format> parseFormat(std::string_view name);

  // Feeds `input` and returns the output it produced. With `finish`, ends
  // the stream: a compressor writes its trailer, a decompressor checks the
  // data was complete. nullopt on failure (see failure()); a failed or
  // finished stream fails every later push.
  std::optional<std::string> push(std::string_view input, bool finish);

  Failure failure() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace dohost::api
