// ByteStream: a mutex-guarded chunk queue whose waiting reader and writer are woken by posting
// their callbacks to their own loops, so no callback ever runs under the lock or inline.
#include "dohost/byte_stream.h"

#include <utility>

#include "dohost/assert.h"

namespace dohost {

std::shared_ptr<ByteStream> ByteStream::create(std::optional<std::uint64_t> length,
                                               std::size_t highWaterMark) {
  return std::make_shared<ByteStream>(length, highWaterMark);
}

ByteStream::ByteStream(std::optional<std::uint64_t> length, std::size_t highWaterMark)
    : length_(length), highWaterMark_(highWaterMark == 0 ? 1 : highWaterMark) {}

bool ByteStream::write(std::string bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelReason_ || ended_ || error_) return false;
  if (bytes.empty()) return true;
  buffered_ += bytes.size();
  chunks_.push_back(std::move(bytes));
  notifyReaderLocked();
  return true;
}

void ByteStream::whenWritable(EventLoop& loop, ReadyCallback ready) {
  std::lock_guard<std::mutex> lock(mutex_);
  writeLoop_ = &loop;
  readyCallback_ = std::move(ready);
  notifyWriterLocked();
}

void ByteStream::end() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelReason_ || ended_ || error_) return;
  ended_ = true;
  notifyReaderLocked();
}

void ByteStream::fail(std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelReason_ || ended_ || error_) return;
  error_ = std::move(message);
  chunks_.clear();
  buffered_ = 0;
  notifyReaderLocked();
}

void ByteStream::read(EventLoop& loop, ReadCallback callback) {
  std::lock_guard<std::mutex> lock(mutex_);
  DOHOST_REQUIRE(!readCallback_, "a ByteStream allows one read at a time");
  if (cancelReason_) return;
  readLoop_ = &loop;
  readCallback_ = std::move(callback);
  notifyReaderLocked();
}

void ByteStream::cancel(std::string reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (cancelReason_) return;
  cancelReason_ = std::move(reason);
  chunks_.clear();
  buffered_ = 0;
  readCallback_ = nullptr;
  readLoop_ = nullptr;
  notifyWriterLocked();
}

bool ByteStream::cancelled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelReason_.has_value();
}

std::string ByteStream::cancelReason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelReason_.value_or("");
}

// Hands the next chunk to a waiting reader, if there is both.
void ByteStream::notifyReaderLocked() {
  if (!readCallback_) return;
  Chunk chunk;
  if (!chunks_.empty()) {
    chunk.bytes = std::move(chunks_.front());
    chunks_.pop_front();
    buffered_ -= chunk.bytes.size();
  } else if (error_) {
    chunk.error = error_;
  } else if (ended_) {
    chunk.done = true;
  } else {
    return;
  }
  auto callback = std::move(readCallback_);
  readCallback_ = nullptr;
  readLoop_->post([callback = std::move(callback), chunk = std::move(chunk)]() mutable {
    callback(std::move(chunk));
  });
  // Taking a chunk may have made room for a waiting writer.
  notifyWriterLocked();
}

// Wakes a waiting writer when there is room, or tells it the consumer is gone.
void ByteStream::notifyWriterLocked() {
  if (!readyCallback_) return;
  bool ok = !cancelReason_.has_value();
  if (ok && buffered_ >= highWaterMark_) return;
  auto ready = std::move(readyCallback_);
  readyCallback_ = nullptr;
  writeLoop_->post([ready = std::move(ready), ok] { ready(ok); });
}

}  // namespace dohost
