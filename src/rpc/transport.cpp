// The socket transport: Asio local stream sockets on the event loops, one
// Link per connection (framing, write batching, reading), an acceptor on
// loops[0], and the bookkeeping that matches replies to calls and fails
// them when a peer goes away. The only file of src/rpc that includes Asio's
// socket headers.
#include "dohost/transport.h"

// Before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <unordered_map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "dohost/assert.h"
#include "dohost/log.h"

#include "frame.h"

namespace dohost::rpc {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using ErrorCode = boost::system::error_code;
using Local = asio::local::stream_protocol;
using Executor = asio::io_context::executor_type;
using Socket = Local::socket::rebind_executor<Executor>::other;
using Acceptor = Local::acceptor::rebind_executor<Executor>::other;

constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

std::string lostMessage(const std::string& worker) {
  return "Network connection lost: the dohost process running Worker \"" + worker +
         "\" went away before it answered.";
}

std::string tooLarge(const std::string& worker, size_t size) {
  return "Cannot send a message of " + std::to_string(size) +
         " bytes between dohost processes "
         "(Worker \"" +
         worker + "\"); the limit is " + std::to_string(frame::kMaxFrameBytes) + " bytes.";
}

const char* kShuttingDown = "Network connection lost: this dohost process is shutting down.";

bool isHangUp(const ErrorCode& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::operation_aborted ||
         ec == asio::error::not_connected;
}

// Runs `onReturn` with a failure Return for `call`, later, on `loop`: never
// inside the send that is failing, whose caller may still be in a native.
void postFailure(EventLoop& loop,
                 const Message& call,
                 std::function<void(Message)> onReturn,
                 const std::string& text) {
  auto failure = failureFor(call, text);
  loop.post([onReturn = std::move(onReturn), failure] { onReturn(failure); });
}

// One connection: framing, an ordered write queue flushed in batches, and
// a read loop. Lives on one loop; every method runs there.
class Link : public std::enable_shared_from_this<Link> {
 public:
  Link(EventLoop& loop, Socket socket) : loop_(loop), socket_(std::move(socket)) {
    queue(std::string(frame::kMagic, frame::kMagicSize), nullptr);
  }
  virtual ~Link() = default;

  EventLoop& loop() {
    return loop_;
  }
  bool closed() const {
    return closed_;
  }

  // Queues one frame (header, then payload if any) behind the others.
  // `call` (non-zero) is reported to onWritten() once the frame is written.
  void queue(std::string header, Message payload, uint64_t call = 0) {
    if (closed_) return;
    queued_.push_back({std::move(header), std::move(payload), call});
    flush();
  }

  // Closes the connection and reports why, once.
  void fail(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    ErrorCode ignored;
    socket_.close(ignored);
    onClosed(why);
  }

 protected:
  // The socket is connected: start reading and writing.
  void open() {
    open_ = true;
    read();
    flush();
  }

  virtual void onFrame(frame::Frame frame) = 0;
  // The frame queued with `call` is written: the peer holds it now.
  virtual void onWritten(uint64_t call) {}
  // The connection is gone; `why` is for messages.
  virtual void onClosed(const std::string& why) = 0;

  EventLoop& loop_;
  Socket socket_;

 private:
  struct Item {
    std::string header;
    Message payload;
    uint64_t call;
  };

  void flush() {
    if (!open_ || writing_ || queued_.empty() || closed_) return;
    writing_ = true;
    inFlight_.swap(queued_);
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(inFlight_.size() * 2);
    for (const auto& item : inFlight_) {
      buffers.push_back(asio::buffer(item.header));
      if (item.payload) buffers.push_back(asio::buffer(*item.payload));
    }
    asio::async_write(socket_, buffers, [self = shared_from_this()](ErrorCode ec, size_t) {
      self->writing_ = false;
      auto written = std::move(self->inFlight_);
      self->inFlight_.clear();
      if (ec) {
        self->fail(ec.message());
        return;
      }
      for (const auto& item : written) {
        if (item.call != 0) self->onWritten(item.call);
      }
      self->flush();
    });
  }

  void read() {
    socket_.async_read_some(
        asio::buffer(readBuffer_), [self = shared_from_this()](ErrorCode ec, size_t size) {
          if (self->closed_) return;
          if (ec) {
            self->fail(isHangUp(ec) ? "the peer closed the connection" : ec.message());
            return;
          }
          std::vector<frame::Frame> frames;
          try {
            self->decoder_.feed(self->readBuffer_.data(), size, frames);
          } catch (const Error& e) {
            // Frames decoded before the bad bytes are still delivered below.
            self->fail(e.what());
          }
          for (auto& frame : frames) {
            self->onFrame(std::move(frame));
          }
          if (!self->closed_) self->read();
        });
  }

  bool open_ = false;
  bool closed_ = false;
  bool writing_ = false;
  std::vector<Item> queued_;
  std::vector<Item> inFlight_;
  frame::Decoder decoder_;
  std::array<char, kReadChunk> readBuffer_;
};

}  // namespace

// ==== Shared state ==========================================================

struct Transport::Impl : std::enable_shared_from_this<Transport::Impl> {
  struct Pending {
    std::string worker;
    Message call;
    std::function<void(Message)> onReturn;
    bool retried = false;
  };

  Impl(std::vector<EventLoop*> loops,
       Router& router,
       PeerResolver resolve,
       std::function<void(const fs::path&)> onPeerLost)
      : loops(std::move(loops)),
        router(router),
        resolve(std::move(resolve)),
        onPeerLost(std::move(onPeerLost)) {}

  // Sends `pending` on `loop` to `path`, or to where the resolver says.
  void sendOnLoop(EventLoop& loop, Pending pending, std::optional<fs::path> path = {});
  void retryOrFail(EventLoop& loop, Pending pending, const fs::path& refused);
  void accept();
  void forget(Link* link);

  std::vector<EventLoop*> loops;
  Router& router;
  PeerResolver resolve;
  std::function<void(const fs::path&)> onPeerLost;
  std::atomic<bool> stopping{false};
  fs::path socketPath;
  std::unique_ptr<Acceptor> acceptor;              // loops[0]
  std::unique_ptr<asio::steady_timer> retryTimer;  // loops[0]
  size_t nextLoop = 0;                             // loops[0]

  std::mutex mutex;
  // Outgoing connections by (caller's loop, peer socket); guarded by mutex.
  std::map<std::pair<EventLoop*, std::string>, std::shared_ptr<Link>> outgoing;
  // Incoming connections; guarded by mutex.
  std::set<std::shared_ptr<Link>> incoming;
};

namespace {

// A connection this process opened to a peer's socket: sends calls,
// receives their replies.
class Outgoing final : public Link {
 public:
  using Pending = Transport::Impl::Pending;

  Outgoing(std::shared_ptr<Transport::Impl> transport, EventLoop& loop, fs::path path)
      : Link(loop, Socket(loop.context())), transport_(std::move(transport)), path_(path) {}

  void connect() {
    socket_.async_connect(
        Local::endpoint(path_.string()),
        [self = std::static_pointer_cast<Outgoing>(shared_from_this())](ErrorCode ec) {
          if (self->closed()) return;
          if (ec) {
            self->fail(ec.message());
            return;
          }
          self->connected_ = true;
          self->open();
        });
  }

  void call(Pending pending) {
    if (!frame::fits(pending.worker.size(), pending.call->size())) {
      postFailure(loop_, pending.call, std::move(pending.onReturn),
                  tooLarge(pending.worker, pending.call->size()));
      return;
    }
    uint64_t id = nextId_++;
    queue(frame::encodeHeader(frame::Kind::kCall, id, pending.worker, pending.call->size()),
          pending.call, id);
    pending_.emplace(id, Sent{std::move(pending), false});
  }

 private:
  void onFrame(frame::Frame frame) override {
    if (frame.kind != frame::Kind::kReply) {
      fail("the peer sent a call on a connection for replies");
      return;
    }
    auto it = pending_.find(frame.id);
    if (it == pending_.end()) return;
    auto onReturn = std::move(it->second.pending.onReturn);
    pending_.erase(it);
    onReturn(std::move(frame.payload));
  }

  void onClosed(const std::string& why) override {
    auto transport = transport_;
    transport->forget(this);
    auto pending = std::move(pending_);
    pending_.clear();
    log::debug("rpc", std::string(connected_ ? "connection lost" : "connect failed") +
                          " socket=" + path_.string() + " reason=" + why);
    bool shuttingDown = transport->stopping.load();
    bool protocol = why.rfind("malformed", 0) == 0 || why.rfind("the peer is not", 0) == 0;
    // In id order, so that calls retried elsewhere keep the order they were made in.
    std::map<uint64_t, Sent> ordered(std::make_move_iterator(pending.begin()),
                                     std::make_move_iterator(pending.end()));
    for (auto& [id, sent] : ordered) {
      auto& call = sent.pending;
      if (!sent.written && !protocol) {
        // The peer never got it: the registry's socket is stale, or the peer
        // had gone (maybe to come back elsewhere) before the call was
        // written. The call looks its Worker up again.
        transport->retryOrFail(loop_, std::move(call), path_);
        continue;
      }
      std::string text = shuttingDown ? kShuttingDown
                         : protocol   ? "Cannot reach Worker \"" + call.worker + "\": " + why
                                      : lostMessage(call.worker);
      postFailure(loop_, call.call, std::move(call.onReturn), text);
    }
    if (transport->onPeerLost && !transport->stopping) transport->onPeerLost(path_);
  }

  void onWritten(uint64_t id) override {
    if (auto it = pending_.find(id); it != pending_.end()) it->second.written = true;
  }

  struct Sent {
    Pending pending;
    bool written;
  };

  std::shared_ptr<Transport::Impl> transport_;
  fs::path path_;
  bool connected_ = false;
  uint64_t nextId_ = 1;
  std::unordered_map<uint64_t, Sent> pending_;
};

// A connection a peer opened to this process: receives calls, delivers
// them to this process's Workers, sends back their replies.
class Incoming final : public Link {
 public:
  Incoming(std::shared_ptr<Transport::Impl> transport, EventLoop& loop, Socket socket)
      : Link(loop, std::move(socket)), transport_(std::move(transport)) {}

  void start() {
    open();
  }

 private:
  void onFrame(frame::Frame frame) override {
    if (frame.kind != frame::Kind::kCall) {
      fail("the peer sent a reply on a connection for calls");
      return;
    }
    std::weak_ptr<Link> weak = shared_from_this();
    uint64_t id = frame.id;
    // Only this process's Workers: a call that came over a socket never
    // travels on, so a stale registry cannot make calls go round in circles.
    auto worker = frame.worker;
    transport_->router.sendLocal(
        frame.worker, std::move(frame.payload), loop_, [weak, id, worker](Message ret) {
          auto self = weak.lock();
          if (!self) return;
          if (!frame::fits(0, ret->size())) {
            auto answer = decodeReturn(ret);
            answer.isError = answer.isFailure = true;
            answer.payload = tooLarge(worker, ret->size());
            ret = encode(answer);
          }
          self->queue(frame::encodeHeader(frame::Kind::kReply, id, "", ret->size()), ret);
        });
  }

  void onClosed(const std::string& why) override {
    log::debug("rpc", "peer connection closed reason=" + why);
    transport_->forget(this);
  }

  std::shared_ptr<Transport::Impl> transport_;
};

}  // namespace

// ==== Impl ==================================================================

void Transport::Impl::sendOnLoop(EventLoop& loop, Pending pending, std::optional<fs::path> path) {
  if (stopping) {
    postFailure(loop, pending.call, std::move(pending.onReturn), kShuttingDown);
    return;
  }
  if (!path) path = resolve(pending.worker, false);
  // The cached copy of the registry may lag behind a peer that just started.
  if (!path) path = resolve(pending.worker, true);
  if (!path) {
    postFailure(loop, pending.call, std::move(pending.onReturn),
                workerNotFoundMessage(pending.worker));
    return;
  }

  std::shared_ptr<Outgoing> link;
  bool fresh = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    // Checked again under the lock: stop() collects the links under it.
    if (stopping) {
      postFailure(loop, pending.call, std::move(pending.onReturn), kShuttingDown);
      return;
    }
    auto& slot = outgoing[{&loop, path->string()}];
    if (!slot || slot->closed()) {
      slot = std::make_shared<Outgoing>(shared_from_this(), loop, *path);
      fresh = true;
    }
    link = std::static_pointer_cast<Outgoing>(slot);
  }
  link->call(std::move(pending));
  if (fresh) link->connect();
}

void Transport::Impl::retryOrFail(EventLoop& loop, Pending pending, const fs::path& refused) {
  if (!pending.retried && !stopping) {
    auto fresh = resolve(pending.worker, true);
    if (fresh && *fresh != refused) {
      pending.retried = true;
      sendOnLoop(loop, std::move(pending), fresh);
      return;
    }
  }
  postFailure(loop, pending.call, std::move(pending.onReturn),
              stopping ? kShuttingDown : workerNotFoundMessage(pending.worker));
}

void Transport::Impl::forget(Link* link) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = outgoing.begin(); it != outgoing.end(); ++it) {
    if (it->second.get() == link) {
      outgoing.erase(it);
      return;
    }
  }
  for (auto it = incoming.begin(); it != incoming.end(); ++it) {
    if (it->get() == link) {
      incoming.erase(it);
      return;
    }
  }
}

void Transport::Impl::accept() {
  EventLoop* target = loops[nextLoop++ % loops.size()];
  acceptor->async_accept(
      target->context(), [self = shared_from_this(), target](ErrorCode ec, Socket socket) {
        if (self->stopping || ec == asio::error::operation_aborted) return;
        if (ec) {
          // Out of descriptors, most likely: accepting again at once would fail again.
          log::warn("rpc", "accept failed on " + self->socketPath.string() + ": " + ec.message());
          self->retryTimer->expires_after(kAcceptRetryDelay);
          self->retryTimer->async_wait([self](ErrorCode waited) {
            if (!waited && !self->stopping) self->accept();
          });
          return;
        } else {
          auto link = std::make_shared<Incoming>(self, *target, std::move(socket));
          {
            std::lock_guard<std::mutex> lock(self->mutex);
            self->incoming.insert(link);
          }
          target->post([link] { link->start(); });
        }
        self->accept();
      });
}

// ==== Transport =============================================================

Transport::Transport(std::vector<EventLoop*> loops,
                     Router& router,
                     PeerResolver resolve,
                     std::function<void(const fs::path&)> onPeerLost)
    : impl_(std::make_shared<Impl>(
          std::move(loops), router, std::move(resolve), std::move(onPeerLost))) {
  DOHOST_REQUIRE(!impl_->loops.empty(), "the transport needs a loop");
}

Transport::~Transport() {
  stop();
}

void Transport::listen(const fs::path& socket) {
  DOHOST_REQUIRE(!impl_->acceptor, "listen() called twice");
  auto& loop = *impl_->loops.front();
  auto acceptor = std::make_unique<Acceptor>(loop.context());
  try {
    // A file left there by a process that died; a live one would have a
    // different path (the name holds the pid).
    std::error_code ignored;
    fs::remove(socket, ignored);
    acceptor->open(Local());
    acceptor->bind(Local::endpoint(socket.string()));
    acceptor->listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw Error("cannot listen on the Unix socket " + socket.string() + ": " + e.code().message());
  }
  ::chmod(socket.c_str(), 0600);
  impl_->socketPath = socket;
  impl_->acceptor = std::move(acceptor);
  impl_->retryTimer = std::make_unique<asio::steady_timer>(loop.context());
  loop.post([impl = impl_] {
    if (!impl->stopping) impl->accept();
  });
}

void Transport::send(const std::string& worker,
                     Message call,
                     EventLoop& replyLoop,
                     std::function<void(Message)> onReturn) {
  Impl::Pending pending{worker, std::move(call), std::move(onReturn), false};
  if (replyLoop.isCurrent()) {
    impl_->sendOnLoop(replyLoop, std::move(pending));
    return;
  }
  auto shared = std::make_shared<Impl::Pending>(std::move(pending));
  replyLoop.post(
      [impl = impl_, &replyLoop, shared] { impl->sendOnLoop(replyLoop, std::move(*shared)); });
}

void Transport::stop() {
  if (impl_->stopping.exchange(true)) return;

  if (impl_->acceptor) {
    std::promise<void> closed;
    impl_->loops.front()->post([impl = impl_, &closed] {
      ErrorCode ignored;
      impl->acceptor->close(ignored);
      impl->retryTimer->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }

  std::vector<std::shared_ptr<Link>> links;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    for (auto& [key, link] : impl_->outgoing) links.push_back(link);
    for (auto& link : impl_->incoming) links.push_back(link);
  }
  std::vector<std::future<void>> done;
  for (auto& link : links) {
    auto closed = std::make_shared<std::promise<void>>();
    done.push_back(closed->get_future());
    link->loop().post([link, closed] {
      link->fail("shutting down");
      closed->set_value();
    });
  }
  for (auto& future : done) future.wait();

  if (!impl_->socketPath.empty()) {
    std::error_code ignored;
    fs::remove(impl_->socketPath, ignored);
  }
}

}  // namespace dohost::rpc
