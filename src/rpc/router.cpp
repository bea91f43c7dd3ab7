// Encoding of calls and returns, and the in-process router.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include "dohost/assert.h"
#include "dohost/rpc.h"

#include "messages.capnp.h"

namespace dohost::rpc {
namespace {

Message flatten(capnp::MallocMessageBuilder& builder) {
  auto words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  return std::make_shared<const std::string>(reinterpret_cast<const char*>(bytes.begin()),
                                             bytes.size());
}

// FlatArrayMessageReader needs word alignment; std::string's heap buffer is
// aligned for any fundamental type, and messages are never short enough to
// sit in its inline buffer.
kj::ArrayPtr<const capnp::word> wordsOf(const Message& message) {
  DOHOST_ASSERT(message->size() % sizeof(capnp::word) == 0 && message->size() >= 16);
  return {reinterpret_cast<const capnp::word*>(message->data()),
          message->size() / sizeof(capnp::word)};
}

kj::ArrayPtr<const kj::byte> bytesOf(const std::string& s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}

std::string toString(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

}  // namespace

Message encode(const Call& call) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<schema::Call>();
  root.setCallId(call.callId);
  auto target = root.initTarget();
  target.setWorker(call.target.worker);
  target.setClassName(call.target.className);
  target.setObjectId(call.target.objectId);
  target.setHasName(call.target.objectName.has_value());
  if (call.target.objectName) target.setObjectName(*call.target.objectName);
  target.setEntrypoint(call.target.entrypoint);
  target.setExportId(call.target.exportId);
  root.setHasCaps(call.hasCaps);
  root.setMethod(call.method);
  root.setArgs(bytesOf(call.args));
  auto path = root.initPath(static_cast<unsigned>(call.path.size()));
  for (unsigned i = 0; i < call.path.size(); ++i) path.set(i, call.path[i]);
  root.setOp(static_cast<schema::Call::Op>(call.op));
  root.setCaller(call.caller);
  return flatten(builder);
}

Message encode(const Return& ret) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<schema::Return>();
  root.setCallId(ret.callId);
  root.setHasCaps(ret.hasCaps);
  if (ret.isFailure) {
    root.setFailure(ret.payload);
  } else if (ret.isError) {
    root.setError(bytesOf(ret.payload));
  } else {
    root.setValue(bytesOf(ret.payload));
  }
  return flatten(builder);
}

Call decodeCall(const Message& message) {
  capnp::FlatArrayMessageReader reader(wordsOf(message));
  auto root = reader.getRoot<schema::Call>();
  auto target = root.getTarget();
  Call call;
  call.callId = root.getCallId();
  call.target.worker = target.getWorker();
  call.target.className = target.getClassName();
  call.target.objectId = target.getObjectId();
  if (target.getHasName()) call.target.objectName = std::string(target.getObjectName());
  call.target.entrypoint = target.getEntrypoint();
  call.target.exportId = target.getExportId();
  call.hasCaps = root.getHasCaps();
  call.method = root.getMethod();
  call.args = toString(root.getArgs());
  for (auto name : root.getPath()) call.path.emplace_back(name);
  call.op = static_cast<Op>(root.getOp());
  call.caller = root.getCaller();
  return call;
}

Return decodeReturn(const Message& message) {
  capnp::FlatArrayMessageReader reader(wordsOf(message));
  auto root = reader.getRoot<schema::Return>();
  Return ret;
  ret.callId = root.getCallId();
  ret.hasCaps = root.getHasCaps();
  if (root.isFailure()) {
    ret.isError = true;
    ret.isFailure = true;
    ret.payload = root.getFailure();
  } else if (root.isError()) {
    ret.isError = true;
    ret.payload = toString(root.getError());
  } else {
    ret.payload = toString(root.getValue());
  }
  return ret;
}

Message failureFor(const Message& call, const std::string& text) {
  capnp::FlatArrayMessageReader reader(wordsOf(call));
  Return ret;
  ret.callId = reader.getRoot<schema::Call>().getCallId();
  ret.isError = true;
  ret.isFailure = true;
  ret.payload = text;
  return encode(ret);
}

std::string workerNotFoundMessage(const std::string& worker) {
  return "Worker \"" + worker + "\" not found. Make sure it is running locally.";
}

void Router::addEndpoint(const std::string& worker, Endpoint* endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  endpoints_[worker] = endpoint;
}

void Router::removeEndpoint(const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  endpoints_.erase(worker);
}

bool Router::has(const std::string& worker) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return endpoints_.count(worker) != 0;
}

void Router::setRemote(RemoteRoute* remote) {
  std::lock_guard<std::mutex> lock(mutex_);
  remote_ = remote;
}

void Router::send(const std::string& worker,
                  Message call,
                  EventLoop& replyLoop,
                  std::function<void(Message)> onReturn) {
  RemoteRoute* remote = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (endpoints_.count(worker) == 0) remote = remote_;
  }
  if (remote) {
    remote->send(worker, std::move(call), replyLoop, std::move(onReturn));
    return;
  }
  sendLocal(worker, std::move(call), replyLoop, std::move(onReturn));
}

void Router::sendLocal(const std::string& worker,
                       Message call,
                       EventLoop& replyLoop,
                       std::function<void(Message)> onReturn) {
  Endpoint* endpoint = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = endpoints_.find(worker); it != endpoints_.end()) endpoint = it->second;
  }
  if (!endpoint) {
    // Posted, not called: the caller may still be inside the native that sent it.
    auto failure = failureFor(call, workerNotFoundMessage(worker));
    replyLoop.post([onReturn = std::move(onReturn), failure] { onReturn(failure); });
    return;
  }
  auto finish = std::make_shared<std::function<void(Message)>>(std::move(onReturn));
  Reply reply = [&replyLoop, finish](Message ret) {
    replyLoop.post([finish, ret] { (*finish)(ret); });
  };
  endpoint->loop().post([endpoint, call, reply] { endpoint->deliver(call, reply); });
}

}  // namespace dohost::rpc
