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
  std::string caller;    // the calling Worker
  bool hasCaps = false;  // args hold capability markers
  std::string args;      // structured-clone bytes of the argument array
};

struct Return {
  uint64_t callId = 0;
  bool isError = false;
  std::string payload;   // structured-clone bytes of the value or error
  bool hasCaps = false;  // the value holds capability markers
  // The call never got an answer from its target (its Worker is not
  // running, or its process went away mid-call): isError is true too, and
  // payload is a UTF-8 message for a person instead of clone bytes.
  bool isFailure = false;
};

Message encode(const Call& call);
Message encode(const Return& ret);
Call decodeCall(const Message& message);
Return decodeReturn(const Message& message);

// The Return that fails `call` with `text` (see Return::isFailure), for
// whoever cannot deliver it: the router, the socket transport.
Message failureFor(const Message& call, const std::string& text);

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

// Reaches the Workers of other dohost processes (the socket transport).
class RemoteRoute {
 public:
  virtual ~RemoteRoute() = default;
  // As Router::send, for a Worker not in this process. Thread-safe; never
  // calls onReturn before returning.
  virtual void send(const std::string& worker,
                    Message call,
                    EventLoop& replyLoop,
                    std::function<void(Message)> onReturn) = 0;
};

// Routes calls by Worker name to the endpoint that owns them: in this
// process first, then through the remote route. Thread-safe.
class Router {
 public:
  void addEndpoint(const std::string& worker, Endpoint* endpoint);
  void removeEndpoint(const std::string& worker);
  // Whether `worker` runs in this process.
  bool has(const std::string& worker) const;

  // Where Workers not in this process are sent; null (the default) means
  // nowhere. `remote` must outlive its use here; set it to null before
  // destroying it.
  void setRemote(RemoteRoute* remote);

  // Sends `call` (already encoded) to `worker`; `onReturn` runs on
  // `replyLoop` with the encoded Return, always later, never inside send().
  // When the Worker cannot be reached, onReturn gets a failure Return
  // naming it.
  void send(const std::string& worker,
            Message call,
            EventLoop& replyLoop,
            std::function<void(Message)> onReturn);

  // As send(), but only to Workers of this process: for calls that came
  // from another process, which must not travel on.
  void sendLocal(const std::string& worker,
                 Message call,
                 EventLoop& replyLoop,
                 std::function<void(Message)> onReturn);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Endpoint*> endpoints_;
  RemoteRoute* remote_ = nullptr;
};

// The message of a call to a Worker that no process runs; wrangler dev
// words it the same way.
std::string workerNotFoundMessage(const std::string& worker);

}  // namespace dohost::rpc
