// Test helpers for the front door: a mailbox the loop threads fill, and a blocking POSIX socket
// client that reads responses by hand, so tests see exactly the bytes the server wrote.
#pragma once

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "dohost/http.h"

namespace dohost::http::test_support {

// Every wait in these tests ends after this long, so a bug fails a test instead of hanging it.
constexpr auto kTimeout = std::chrono::seconds(10);

// ============================================================================================
// Test helpers

// A queue the loop threads fill and the test thread drains, with a timeout.
template <typename T>
class Mailbox {
 public:
  void put(T value) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(value));
    ready_.notify_all();
  }

  std::optional<T> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, kTimeout, [this] { return !items_.empty(); })) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    return value;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
};

struct RawResponse {
  int status = 0;
  std::string reason;
  std::vector<Header> headers;
  std::string body;

  std::string header(const std::string& name) const {
    for (const Header& h : headers) {
      if (h.name == name) return h.value;
    }
    return "<missing>";
  }
};

// A blocking HTTP/1.1 client over a POSIX socket to 127.0.0.1, reading responses by hand so the
// test sees exactly the bytes the server wrote.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{std::chrono::duration_cast<std::chrono::seconds>(kTimeout).count(), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() {
    ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const {
    return connected_;
  }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response; `head` when it answers a HEAD request. nullopt on timeout or early close.
  std::optional<RawResponse> read(bool head = false) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string text = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);

    RawResponse response;
    size_t lineEnd = text.find("\r\n");
    std::string statusLine = text.substr(0, lineEnd);
    if (statusLine.rfind("HTTP/1.1 ", 0) != 0 || statusLine.size() < 12) return std::nullopt;
    response.status = std::stoi(statusLine.substr(9, 3));
    response.reason = statusLine.size() > 13 ? statusLine.substr(13) : "";
    while (lineEnd != std::string::npos) {
      size_t start = lineEnd + 2;
      lineEnd = text.find("\r\n", start);
      std::string line =
          text.substr(start, lineEnd == std::string::npos ? lineEnd : lineEnd - start);
      size_t colon = line.find(": ");
      response.headers.push_back({line.substr(0, colon), line.substr(colon + 2)});
    }

    if (head || response.status < 200) return response;
    std::string length = response.header("Content-Length");
    if (length == "<missing>") {
      response.body = readToEnd();
      return response;
    }
    size_t size = std::stoul(length);
    while (buffer_.size() < size) {
      if (!fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return response;
  }

  // Everything until the server closes; `closed` tells whether it did (rather than timing out).
  std::string readToEnd(bool* closed = nullptr) {
    while (fill()) {
    }
    if (closed) *closed = eof_;
    return std::exchange(buffer_, {});
  }

  // Exactly `size` more bytes; nullopt on timeout or early close.
  std::optional<std::string> readExactly(size_t size) {
    while (buffer_.size() < size) {
      if (!fill()) return std::nullopt;
    }
    std::string out = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return out;
  }

  // Bytes up to and including `delimiter`; nullopt on timeout or early close.
  std::optional<std::string> readUntil(std::string_view delimiter) {
    size_t at;
    while ((at = buffer_.find(delimiter)) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string out = buffer_.substr(0, at + delimiter.size());
    buffer_.erase(0, at + delimiter.size());
    return out;
  }

 private:
  bool fill() {
    char chunk[16 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) eof_ = true;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

}  // namespace dohost::http::test_support
