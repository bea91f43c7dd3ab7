// The natives behind DurableObjectNamespace (runtime/cloudflare/namespace.js):
// making and checking IDs with the namespace's IdFactory.
#include "dohost/actor.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

void ActorHost::installNamespaceNatives() {
  isolate_.addNative("nsIdFromName", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto& ns = namespaceOf(info);
    auto name = toStdString(info.GetIsolate(), info[1]);
    info.GetReturnValue().Set(toV8(info.GetIsolate(), ns.ids.fromName(name)));
  });
  isolate_.addNative("nsNewUniqueId", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto& ns = namespaceOf(info);
    info.GetReturnValue().Set(toV8(info.GetIsolate(), ns.ids.unique()));
  });
  isolate_.addNative("nsParseId", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto& ns = namespaceOf(info);
    auto parsed = ns.ids.parse(toStdString(info.GetIsolate(), info[1]));
    if (!parsed.hex) {
      js::throwError(info.GetIsolate(), "TypeError", parsed.error);
      return;
    }
    info.GetReturnValue().Set(toV8(info.GetIsolate(), *parsed.hex));
  });
}

}  // namespace dohost::actor
