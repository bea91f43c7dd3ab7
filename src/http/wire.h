// HTTP/1.1 response framing without Beast: the status line, the headers and the body bytes
// exactly as they go on the wire. Kept apart from the socket code so it compiles fast and can
// be tested byte for byte.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dohost/http.h"

namespace dohost::http {

// The standard reason phrase of `status` ("OK", "Not Found"), or "" when it has none.
std::string_view reasonPhrase(int status);

struct FrameOptions {
  bool headRequest = false;  // answer to HEAD: headers only, Content-Length kept
  bool keepAlive = true;     // false: the connection closes after this response
  bool http10 = false;       // the request was HTTP/1.0, so keep-alive must be announced
};

struct WireResponse {
  std::string head;  // status line and headers, ending with the empty line
  std::string body;  // body bytes, already chunk-encoded when the handler asked for chunked
  std::string reason;  // the reason phrase sent, for the request log line
  bool closeAfter = false;  // the response ends with the connection (or asked for close)
  std::vector<std::string> problems;  // what was dropped or changed; the caller logs them
};

// Frames `response` as HTTP/1.1. The handler's headers go out in order and as given, duplicates
// included; only Content-Length (when the handler set neither it nor Transfer-Encoding) and
// Connection (when closing, or keeping an HTTP/1.0 client alive) are added, as workerd adds no
// Date or Server header. Headers that would split the response (CR, LF, NUL, bad names) are
// dropped and reported in `problems`. `response.status` must be within 100..999.
WireResponse frameResponse(Response response, const FrameOptions& options);

}  // namespace dohost::http
