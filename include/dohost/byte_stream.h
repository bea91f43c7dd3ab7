// ByteStream: a one-way stream of byte chunks from one producer to one consumer that may live on
// different event loops, with backpressure. HTTP bodies cross threads through it: a request body
// from the front door into a Worker, a Worker's streamed response out to the client, and the
// bodies of outbound fetch() calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dohost/event_loop.h"

namespace dohost {

class ByteStream {
 public:
  // What a read gives: bytes (never empty), or the end, or the producer's error message.
  struct Chunk {
    std::string bytes;
    bool done = false;
    std::optional<std::string> error;
  };
  using ReadCallback = std::function<void(Chunk)>;
  // `true` when the stream has room for more, `false` once the consumer has cancelled.
  using ReadyCallback = std::function<void(bool)>;

  // Buffered bytes above which the producer is asked to wait.
  static constexpr std::size_t kDefaultHighWaterMark = 64 * 1024;

  // `length` is the body length when known up front (a Content-Length), for the consumer to
  // announce; the stream does not enforce it.
  static std::shared_ptr<ByteStream> create(std::optional<std::uint64_t> length = std::nullopt,
                                            std::size_t highWaterMark = kDefaultHighWaterMark);

  ByteStream(std::optional<std::uint64_t> length, std::size_t highWaterMark);
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  std::optional<std::uint64_t> length() const {
    return length_;
  }

  // ---- Producer side. Any thread; one producer.

  // Queues `bytes` (an empty chunk is ignored). False when the consumer has cancelled or the
  // stream was already ended: the bytes are dropped.
  bool write(std::string bytes);

  // Calls `ready` on `loop` once fewer than the high-water mark of bytes are buffered, or with
  // false once the consumer has cancelled. Always posted, never called inline. One pending
  // call at a time; a second replaces the first, which is then never called.
  void whenWritable(EventLoop& loop, ReadyCallback ready);

  // No more bytes: the consumer reads what is buffered, then `done`. Later calls do nothing.
  void end();

  // The producer failed: buffered bytes are dropped and the consumer's next read gets `message`.
  void fail(std::string message);

  // ---- Consumer side. Any thread; one consumer.

  // Calls `callback` on `loop` with the next chunk, as soon as there is one. Always posted, never
  // called inline. One read at a time (DOHOST_REQUIRE).
  void read(EventLoop& loop, ReadCallback callback);

  // The consumer is gone: buffered bytes are dropped, a pending whenWritable() gets false and
  // later writes fail. A pending read is never called. `reason` is kept for the producer's log.
  void cancel(std::string reason);

  bool cancelled() const;
  std::string cancelReason() const;

 private:
  void notifyReaderLocked();
  void notifyWriterLocked();

  const std::optional<std::uint64_t> length_;
  const std::size_t highWaterMark_;

  mutable std::mutex mutex_;
  std::deque<std::string> chunks_;           // guarded by mutex_
  std::size_t buffered_ = 0;                 // guarded by mutex_: bytes in chunks_
  bool ended_ = false;                       // guarded by mutex_
  std::optional<std::string> error_;         // guarded by mutex_
  std::optional<std::string> cancelReason_;  // guarded by mutex_
  EventLoop* readLoop_ = nullptr;            // guarded by mutex_, with readCallback_
  ReadCallback readCallback_;                // guarded by mutex_
  EventLoop* writeLoop_ = nullptr;           // guarded by mutex_, with readyCallback_
  ReadyCallback readyCallback_;              // guarded by mutex_
};

}  // namespace dohost
