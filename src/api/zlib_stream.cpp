// ZlibStream on zlib's deflate/inflate, with the window bits that pick the
// wrapper (15+16 gzip, 15 zlib "deflate", -15 none "deflate-raw"), and on
// the brotli library for "brotli" (quality 5, a 19-bit window: what
// workerd's output matches).
#include "zlib_stream.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

#include "dohost/assert.h"

namespace dohost::api {

struct ZlibStream::State {
  Format format = Format::kGzip;
  bool compress = false;
  z_stream z{};
  BrotliEncoderState* encoder = nullptr;
  BrotliDecoderState* decoder = nullptr;
  bool ended = false;  // the decompressor reached the end of the data
  bool finished = false;
  Failure failure = Failure::kNone;

  std::optional<std::string> fail(Failure why) {
    failure = why;
    return std::nullopt;
  }

  std::optional<std::string> pushZlib(std::string_view input, bool finish);
  std::optional<std::string> pushBrotli(std::string_view input, bool finish);
};

ZlibStream::ZlibStream(Format format, bool compress) : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.format = format;
  s.compress = compress;
  if (format == Format::kBrotli) {
    if (compress) {
      s.encoder = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
      // workerd's CompressionStream("brotli") output: quality 5, 19-bit window.
      if (s.encoder) {
        BrotliEncoderSetParameter(s.encoder, BROTLI_PARAM_QUALITY, 5);
        BrotliEncoderSetParameter(s.encoder, BROTLI_PARAM_LGWIN, 19);
      }
    } else {
      s.decoder = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    }
    if (!s.encoder && !s.decoder) throw Error("brotli could not start");
    return;
  }
  int windowBits = format == Format::kGzip ? 15 + 16 : format == Format::kDeflate ? 15 : -15;
  int result = compress ? deflateInit2(&s.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8,
                                       Z_DEFAULT_STRATEGY)
                        : inflateInit2(&s.z, windowBits);
  if (result != Z_OK) throw Error("zlib could not start: " + std::to_string(result));
}

ZlibStream::~ZlibStream() {
  auto& s = *state_;
  if (s.format == Format::kBrotli) {
    if (s.encoder) BrotliEncoderDestroyInstance(s.encoder);
    if (s.decoder) BrotliDecoderDestroyInstance(s.decoder);
  } else if (s.compress) {
    deflateEnd(&s.z);
  } else {
    inflateEnd(&s.z);
  }
}

std::optional<ZlibStream::Format> ZlibStream::parseFormat(std::string_view name) {
  if (name == "gzip") return Format::kGzip;
  if (name == "deflate") return Format::kDeflate;
  if (name == "deflate-raw") return Format::kDeflateRaw;
  if (name == "brotli") return Format::kBrotli;
  return std::nullopt;
}

ZlibStream::Failure ZlibStream::failure() const {
  return state_->failure;
}

std::optional<std::string> ZlibStream::push(std::string_view input, bool finish) {
  auto& s = *state_;
  if (s.failure != Failure::kNone || s.finished) return std::nullopt;
  auto out = s.format == Format::kBrotli ? s.pushBrotli(input, finish) : s.pushZlib(input, finish);
  if (out && finish) {
    s.finished = true;
    if (!s.compress && !s.ended) return s.fail(Failure::kTruncated);
  }
  return out;
}

std::optional<std::string> ZlibStream::State::pushZlib(std::string_view input, bool finish) {
  std::string out;
  char buffer[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    if (!compress && ended) {
      if (z.avail_in > 0) return fail(Failure::kTrailing);
      break;
    }
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    int result = compress ? deflate(&z, finish ? Z_FINISH : Z_NO_FLUSH) : inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - z.avail_out);
    if (result == Z_STREAM_END) {
      if (compress) break;
      ended = true;
      continue;  // anything left over is trailing data
    }
    if (result == Z_BUF_ERROR) break;  // no progress possible: input used up
    if (result != Z_OK) return fail(Failure::kCorrupt);
    if (z.avail_out != 0 && z.avail_in == 0 && !(compress && finish)) break;
  }
  return out;
}

std::optional<std::string> ZlibStream::State::pushBrotli(std::string_view input, bool finish) {
  std::string out;
  auto* next = reinterpret_cast<const uint8_t*>(input.data());
  size_t available = input.size();
  if (compress) {
    auto operation = finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    for (;;) {
      size_t outAvailable = 0;
      if (!BrotliEncoderCompressStream(encoder, operation, &available, &next, &outAvailable,
                                       nullptr, nullptr)) {
        return fail(Failure::kCorrupt);
      }
      size_t size = 0;
      const uint8_t* produced = BrotliEncoderTakeOutput(encoder, &size);
      out.append(reinterpret_cast<const char*>(produced), size);
      bool done = finish ? BrotliEncoderIsFinished(encoder) : available == 0;
      if (done && !BrotliEncoderHasMoreOutput(encoder)) break;
    }
    return out;
  }
  for (;;) {
    if (ended) {
      if (available > 0) return fail(Failure::kTrailing);
      break;
    }
    size_t outAvailable = 0;
    auto result =
        BrotliDecoderDecompressStream(decoder, &available, &next, &outAvailable, nullptr, nullptr);
    size_t size = 0;
    const uint8_t* produced = BrotliDecoderTakeOutput(decoder, &size);
    out.append(reinterpret_cast<const char*>(produced), size);
    if (result == BROTLI_DECODER_RESULT_ERROR) return fail(Failure::kCorrupt);
    if (result == BROTLI_DECODER_RESULT_SUCCESS) {
      ended = true;
      continue;
    }
    if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) break;
    // NEEDS_MORE_OUTPUT: the output was taken above; go on.
  }
  return out;
}

}  // namespace dohost::api
