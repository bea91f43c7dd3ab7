// ZlibStream: one gzip, deflate or deflate-raw compressor or decompressor
// fed in chunks, behind CompressionStream and DecompressionStream.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dohost::api {

class ZlibStream {
 public:
  enum class Format { kGzip, kDeflate, kDeflateRaw };

  // Throws dohost::Error when zlib cannot set up (out of memory).
  ZlibStream(Format format, bool compress);
  ~ZlibStream();
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;

  // Parses "gzip", "deflate" or "deflate-raw".
  static std::optional<Format> parseFormat(std::string_view name);

  // Feeds `input` and returns the output it produced. With `finish`, ends
  // the stream: a compressor writes its trailer, a decompressor checks the
  // data was complete. nullopt when the data is corrupt or truncated (for a
  // decompressor) or the stream has already failed or finished.
  std::optional<std::string> push(std::string_view input, bool finish);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace dohost::api
