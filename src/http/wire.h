// HTTP/1.1 response framing without Beast: the status line, the headers and the body bytes
// exactly as they go on the wire. Kept apart from the socket code so it compiles fast and can
// be tested byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dohost/http.h"

namespace dohost::http {

// The standard reason phrase of `status` ("OK", "Not Found"), or "" when it has none.
std::string_view reasonPhrase(int status);

struct FrameOptions {
  bool headRequest = false;   // answer to HEAD: headers only, Content-Length kept
  bool keepAlive = true;      // false: the connection closes after this response
  bool http10 = false;        // the request was HTTP/1.0, so keep-alive must be announced
  bool streamedBody = false;  // the body follows from a ByteStream instead of Response::body
  std::optional<std::uint64_t> streamLength;  // its length, when known
};

// How the bytes of a streamed body go on the wire after the head.
enum class Streaming {
  kNone,     // no streamed body (none, or not allowed: HEAD, 204, 304, 1xx)
  kRaw,      // as they come: framed by Content-Length, or by closing (HTTP/1.0)
  kChunked,  // each chunk with encodeChunk(), then kLastChunk
};

// One chunk of a chunked body; `bytes` must not be empty.
std::string encodeChunk(std::string_view bytes);
constexpr std::string_view kLastChunk = "0\r\n\r\n";

struct WireResponse {
  std::string head;         // status line and headers, ending with the empty line
  std::string body;         // body bytes, already chunk-encoded when the handler asked for chunked
  std::string reason;       // the reason phrase sent, for the request log line
  bool closeAfter = false;  // the response ends with the connection (or asked for close)
  Streaming streaming = Streaming::kNone;
  std::vector<std::string> problems;  // what was dropped or changed; the caller logs them
};

// Frames `response` as HTTP/1.1. For a streamed body (options.streamedBody) the handler's
// Content-Length and Transfer-Encoding are replaced, as workerd does: Content-Length when the
// length is known, else chunked (or close-delimited for an HTTP/1.0 client). The handler's headers go out in order and as given, duplicates
// included; only Content-Length (when the handler set neither it nor Transfer-Encoding) and
// Connection (when closing, or keeping an HTTP/1.0 client alive) are added, as workerd adds no
// Date or Server header. Headers that would split the response (CR, LF, NUL, bad names) are
// dropped and reported in `problems`. `response.status` must be within 100..999.
WireResponse frameResponse(Response response, const FrameOptions& options);

}  // namespace dohost::http
