// The native that lets the runtime run a function as an event of a Durable Object of this
// Worker (natives.actorDispatch): the WebSocket hibernation API uses it to deliver a socket's
// messages to its object, constructing the object again when it was evicted.
#include "dohost/log.h"

#include "worker.h"

namespace dohost::server {

using js::toStdString;
using js::toV8;

void installActorEvents(js::Isolate& isolate, actor::ActorHost& actors, const std::string& worker) {
  // actorDispatch(className, hex, name, callback): runs callback(instance) as an event of the
  // object, once its input gate lets it; what callback returns (a promise) ends the event.
  isolate.addNative("actorDispatch", [&isolate, &actors,
                                      worker](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* v8Isolate = info.GetIsolate();
    if (!info[3]->IsFunction()) return js::throwError(v8Isolate, "TypeError", "no callback");
    rpc::Target target;
    target.worker = worker;
    target.className = toStdString(v8Isolate, info[0]);
    target.objectId = toStdString(v8Isolate, info[1]);
    if (info[2]->IsString()) target.objectName = toStdString(v8Isolate, info[2]);
    auto callback =
        std::make_shared<v8::Global<v8::Function>>(v8Isolate, info[3].As<v8::Function>());
    auto described = target.className + " " + target.objectId;
    actors.dispatch(
        target,
        [&isolate, callback](v8::Local<v8::Object> instance) {
          auto* v8Isolate = isolate.v8();
          v8::EscapableHandleScope scope(v8Isolate);
          v8::TryCatch tryCatch(v8Isolate);
          v8::Local<v8::Value> args[] = {instance};
          v8::Local<v8::Value> result;
          if (!callback->Get(v8Isolate)
                   ->Call(isolate.context(), v8::Undefined(v8Isolate), 1, args)
                   .ToLocal(&result)) {
            // A handler that throws is reported as workerd reports an uncaught exception.
            isolate.printConsole("error", "Uncaught " + isolate.describe(tryCatch.Exception()));
            result = v8::Undefined(v8Isolate);
          }
          callback->Reset();
          return scope.Escape(result);
        },
        [&isolate, described](v8::Local<v8::Value> error) {
          log::error("actor", "a WebSocket event for " + described +
                                  " could not run: " + isolate.describe(error));
        });
  });
}

}  // namespace dohost::server
