// The socket transport between dohost processes: the same encoded rpc
// messages the in-process router carries, framed on Unix sockets. Asio
// stays inside src/rpc/transport.cpp.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dohost/event_loop.h"
#include "dohost/rpc.h"

namespace dohost::rpc {

// Finds the socket of the process that runs `worker`; nullopt when no
// process does. With `fresh` false it may answer from a cached copy of the
// registry; with `fresh` true it must read the registry itself (the cached
// socket just refused a connection). Called on the loops; thread-safe.
using PeerResolver =
    std::function<std::optional<std::filesystem::path>(const std::string& worker, bool fresh)>;

// Listens on one Unix socket for calls from other processes, delivering
// them to this process's Workers through the router (in-process only), and
// sends this process's calls to other processes' sockets.
//
// Outgoing calls use one connection per (caller's loop, peer socket),
// opened on first use and kept: many calls may be in flight on it, replies
// are matched to calls by frame id, and calls from one loop to one peer
// arrive in the order they were sent. A call fails at once, with a failure
// Return naming the Worker, when no process runs its Worker; every call in
// flight fails when its peer's connection breaks (the peer stopped or was
// killed). After a failure the next call resolves the Worker again, so a
// peer that comes back is reached without restarting anything.
class Transport final : public RemoteRoute {
 public:
  // Incoming connections are spread over `loops` (which must be running and
  // outlive stop()); loops[0] runs the listening socket. `onPeerLost` (may
  // be empty) runs on some loop when a peer's socket refused a connection
  // or a connection to it broke.
  Transport(std::vector<EventLoop*> loops,
            Router& router,
            PeerResolver resolve,
            std::function<void(const std::filesystem::path& socket)> onPeerLost = {});
  // stop(), if not done yet.
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds `socket` (replacing a file left there) and accepts connections.
  // Throws dohost::Error naming the path when it cannot. Call once.
  void listen(const std::filesystem::path& socket);

  // RemoteRoute: sends `call` to the process that runs `worker`.
  void send(const std::string& worker,
            Message call,
            EventLoop& replyLoop,
            std::function<void(Message)> onReturn) override;

  // Stops accepting, closes every connection (calls in flight fail, calls
  // received are dropped), removes the socket file. Blocks until each loop
  // has let go; call from any thread but a loop's own. Sends after this
  // fail at once. Calling it twice is fine.
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace dohost::rpc
