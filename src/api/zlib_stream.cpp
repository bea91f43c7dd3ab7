// ZlibStream on zlib's deflate/inflate with the window bits that pick the
// wrapper: 15+16 gzip, 15 zlib ("deflate"), -15 none ("deflate-raw").
#include "zlib_stream.h"

#include <zlib.h>

#include "dohost/assert.h"

namespace dohost::api {

struct ZlibStream::State {
  z_stream z{};
  bool compress = false;
  bool ended = false;   // inflate reached the end of the data
  bool failed = false;  // corrupt data, or already finished
  bool finished = false;
};

ZlibStream::ZlibStream(Format format, bool compress) : state_(std::make_unique<State>()) {
  int windowBits = format == Format::kGzip ? 15 + 16 : format == Format::kDeflate ? 15 : -15;
  state_->compress = compress;
  int result = compress ? deflateInit2(&state_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8,
                                       Z_DEFAULT_STRATEGY)
                        : inflateInit2(&state_->z, windowBits);
  if (result != Z_OK) throw Error("zlib could not start: " + std::to_string(result));
}

ZlibStream::~ZlibStream() {
  if (state_->compress) {
    deflateEnd(&state_->z);
  } else {
    inflateEnd(&state_->z);
  }
}

std::optional<ZlibStream::Format> ZlibStream::parseFormat(std::string_view name) {
  if (name == "gzip") return Format::kGzip;
  if (name == "deflate") return Format::kDeflate;
  if (name == "deflate-raw") return Format::kDeflateRaw;
  return std::nullopt;
}

std::optional<std::string> ZlibStream::push(std::string_view input, bool finish) {
  auto& s = *state_;
  if (s.failed || s.finished) return std::nullopt;
  std::string out;
  char buffer[16384];
  s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  s.z.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    s.z.next_out = reinterpret_cast<Bytef*>(buffer);
    s.z.avail_out = sizeof(buffer);
    int result;
    if (s.compress) {
      result = deflate(&s.z, finish ? Z_FINISH : Z_NO_FLUSH);
    } else if (s.ended) {
      // Bytes after the end of the compressed data are ignored.
      s.z.avail_in = 0;
      result = Z_STREAM_END;
    } else {
      result = inflate(&s.z, Z_NO_FLUSH);
    }
    out.append(buffer, sizeof(buffer) - s.z.avail_out);
    if (result == Z_STREAM_END) {
      if (!s.compress) s.ended = true;
      break;
    }
    if (result == Z_BUF_ERROR) {
      // No progress possible: all input consumed (or none to give).
      break;
    }
    if (result != Z_OK) {
      s.failed = true;
      return std::nullopt;
    }
    if (s.z.avail_out != 0 && s.z.avail_in == 0 && !(s.compress && finish)) break;
  }
  if (finish) {
    s.finished = true;
    if (!s.compress && !s.ended) return std::nullopt;  // truncated data
  }
  return out;
}

}  // namespace dohost::api
