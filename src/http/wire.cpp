// HTTP/1.1 response framing: reason phrases, header checks, Content-Length and chunking.
#include "wire.h"

#include <cstdio>
#include <utility>

namespace dohost::http {
namespace {

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? char(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// True when the comma-separated list `value` holds `token` (case-insensitive), as in
// "Connection: keep-alive, close". `last` asks whether it is the final element, which is what
// makes a Transfer-Encoding chunked (RFC 9112 section 6.1).
bool listHasToken(std::string_view value, std::string_view token, bool last = false) {
  bool found = false;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    found = equalsIgnoringCase(item, token);
    if (found && !last) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return found;
}

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

// A value must not end the header line early; everything else, obs-text included, passes.
bool isValidValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string chunked(const std::string& body) {
  if (body.empty()) return "0\r\n\r\n";
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  std::string out(size);
  out.reserve(out.size() + body.size() + 7);
  out.append(body).append("\r\n0\r\n\r\n");
  return out;
}

}  // namespace

std::string encodeChunk(std::string_view bytes) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::string out(size);
  out.reserve(out.size() + bytes.size() + 2);
  out.append(bytes).append("\r\n");
  return out;
}

std::string_view reasonPhrase(int status) {
  // The phrases of Node's http.STATUS_CODES, which Miniflare and wrangler dev print.
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a Teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Entity";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 509:
      return "Bandwidth Limit Exceeded";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "";
  }
}

WireResponse frameResponse(Response response, const FrameOptions& options) {
  WireResponse wire;
  int status = response.status;

  // The reason phrase: the handler's, unless it could split the status line.
  wire.reason = std::move(response.statusText);
  if (!isValidValue(wire.reason)) {
    wire.problems.push_back("status text contains a line break; sent the standard one");
    wire.reason.clear();
  }
  if (wire.reason.empty()) wire.reason = reasonPhrase(status);

  // RFC 9110 section 6.4.1: 1xx, 204 and 304 never carry content, and 204 no framing either.
  bool bodyAllowed = status >= 200 && status != 204 && status != 304;
  bool framingAllowed = status >= 200 && status != 204;
  if (!bodyAllowed && !response.body.empty()) {
    wire.problems.push_back("status " + std::to_string(status) + " cannot have a body; dropped it");
    response.body.clear();
  }

  // A streamed body brings its own framing: the handler's framing headers go.
  if (options.streamedBody) {
    std::vector<Header> kept;
    for (Header& header : response.headers) {
      if (equalsIgnoringCase(header.name, "content-length") ||
          equalsIgnoringCase(header.name, "transfer-encoding")) {
        continue;
      }
      kept.push_back(std::move(header));
    }
    response.headers = std::move(kept);
    response.body.clear();
  }

  // First pass: which framing headers did the handler set?
  const Header* length = nullptr;
  const Header* encoding = nullptr;
  bool handlerCloses = false;
  for (const Header& header : response.headers) {
    if (!isValidName(header.name) || !isValidValue(header.value)) continue;
    if (equalsIgnoringCase(header.name, "content-length")) length = &header;
    if (equalsIgnoringCase(header.name, "transfer-encoding")) encoding = &header;
    if (equalsIgnoringCase(header.name, "connection") && listHasToken(header.value, "close")) {
      handlerCloses = true;
    }
  }
  bool chunkedBody = encoding != nullptr && listHasToken(encoding->value, "chunked", true);
  // A body with a transfer coding other than chunked can only be delimited by closing.
  wire.closeAfter = !options.keepAlive || handlerCloses || (encoding != nullptr && !chunkedBody);

  // Status line and the handler's headers, in order.
  std::string& head = wire.head;
  head.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(wire.reason);
  head.append("\r\n");
  std::string realLength = std::to_string(response.body.size());
  for (const Header& header : response.headers) {
    if (!isValidName(header.name) || !isValidValue(header.value)) {
      wire.problems.push_back("dropped response header \"" + header.name +
                              "\": invalid name or line break in value");
      continue;
    }
    bool isLength = &header == length || equalsIgnoringCase(header.name, "content-length");
    bool isEncoding = equalsIgnoringCase(header.name, "transfer-encoding");
    if ((isLength || isEncoding) && !framingAllowed) {
      wire.problems.push_back("dropped " + header.name + " from a " + std::to_string(status));
      continue;
    }
    if (isLength && encoding != nullptr) {
      // RFC 9112 section 6.3: a sender must not send both; the transfer coding wins.
      wire.problems.push_back("dropped Content-Length sent with Transfer-Encoding");
      continue;
    }
    std::string_view value = header.value;
    bool checkLength = bodyAllowed && !options.headRequest;
    if (isLength && checkLength && value != realLength) {
      // A wrong length would hang the client or corrupt the next response on this connection.
      wire.problems.push_back("Content-Length " + header.value + " does not match the body of " +
                              realLength + " bytes; sent the real length");
      value = realLength;
    }
    if (isLength && &header != length) continue;  // keep one Content-Length only
    head.append(header.name).append(": ").append(value).append("\r\n");
  }

  // What the handler left out.
  if (options.streamedBody) {
    if (options.streamLength && framingAllowed) {
      head.append("Content-Length: ").append(std::to_string(*options.streamLength)).append("\r\n");
      if (bodyAllowed && !options.headRequest) wire.streaming = Streaming::kRaw;
    } else if (bodyAllowed && !options.headRequest) {
      if (options.http10) {
        wire.closeAfter = true;
        wire.streaming = Streaming::kRaw;
      } else {
        head.append("Transfer-Encoding: chunked\r\n");
        wire.streaming = Streaming::kChunked;
      }
    }
  } else if (length == nullptr && encoding == nullptr && bodyAllowed) {
    head.append("Content-Length: ").append(realLength).append("\r\n");
  }
  if (wire.closeAfter && !handlerCloses) {
    head.append("Connection: close\r\n");
  } else if (!wire.closeAfter && options.http10) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append("\r\n");

  if (options.headRequest || !bodyAllowed) return wire;
  wire.body = chunkedBody ? chunked(response.body) : std::move(response.body);
  return wire;
}

}  // namespace dohost::http
