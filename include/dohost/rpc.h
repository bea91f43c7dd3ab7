// Messages between isolates: Cap'n Proto encoded calls and returns, and the
// in-process router that delivers them to the loop owning their target.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dohost/event_loop.h"

namespace dohost::rpc {

// One encoded message (a flat Cap'n Proto message), moved between threads.
using Message = std::shared_ptr<const std::string>;

struct Target {
  std::string worker;
  std::string className;
  std::string objectId;
  std::optional<std::string> objectName;
  std::string entrypoint;
  uint64_t exportId = 0;  // not 0: an export of `worker`
};

// What a call asks of its target (messages.capnp Call.Op).
enum class Op : uint8_t { kCall = 0, kGet = 1, kFetch = 2, kRelease = 3 };

struct Call {
  uint64_t callId = 0;
  Target target;
  std::string method;             // the last name of the path
  std::vector<std::string> path;  // the names before `method`
  Op op = Op::kCall;
  std::string caller;             // the calling Worker
  bool hasCaps = false;           // args hold capability markers
  std::string args;               // structured-clone bytes of the argument array
};

struct Return {
  uint64_t callId = 0;
  bool isError = false;
  std::string payload;  // structured-clone bytes of the value or error
  bool hasCaps = false;  // the value holds capability markers
};

Message encode(const Call& call);
Message encode(const Return& ret);
Call decodeCall(const Message& message);
Return decodeReturn(const Message& message);

// Completes a call: takes the encoded Return. Callable from any thread.
using Reply = std::function<void(Message)>;

// Receives the calls for one Worker. deliver() is called on the Worker's
// own loop.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual EventLoop& loop() = 0;
  virtual void deliver(Message call, Reply reply) = 0;
};

// Routes calls by Worker name to the endpoint that owns them, in this
// process. Thread-safe.
class Router {
 public:
  void addEndpoint(const std::string& worker, Endpoint* endpoint);
  void removeEndpoint(const std::string& worker);
  bool has(const std::string& worker) const;

  // Sends `call` (already encoded) to `worker`; `onReturn` runs on
  // `replyLoop` with the encoded Return. When no such Worker is loaded,
  // onReturn gets an error Return built by `unreachable`.
  void send(const std::string& worker, Message call, EventLoop& replyLoop,
            std::function<void(Message)> onReturn);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Endpoint*> endpoints_;
};

}  // namespace dohost::rpc
