// The natives behind DurableObjectNamespace (runtime/cloudflare/namespace.js):
// making and checking IDs with the namespace's IdFactory, jurisdiction
// names, and location hints (noted in the debug log; every object runs in
// this process whatever its hint).
#include <array>

#include "dohost/actor.h"
#include "dohost/log.h"

namespace dohost::actor {
namespace {

using js::toStdString;
using js::toV8;

// The hints Cloudflare documents (workerd's DurableObjectLocationHint).
constexpr std::array<std::string_view, 11> kLocationHints{
    "wnam", "enam", "sam", "weur", "eeur", "apac", "apac-ne", "apac-se", "oc", "afr", "me"};

// The jurisdiction named by a native's string argument ("" for none).
// Throws a TypeError into JavaScript and returns nullopt for a bad name.
std::optional<Jurisdiction> jurisdictionArg(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  auto name = toStdString(isolate, value);
  if (name.empty()) return Jurisdiction::kNone;
  auto jurisdiction = parseJurisdiction(name);
  if (!jurisdiction) js::throwError(isolate, "TypeError", unknownJurisdictionMessage(name));
  return jurisdiction;
}

}  // namespace

void ActorHost::installNamespaceNatives() {
  // (handle, name, jurisdiction) -> hex
  isolate_.addNative("nsIdFromName", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    auto& ns = namespaceOf(info);
    auto jurisdiction = jurisdictionArg(isolate, info[2]);
    if (!jurisdiction) return;
    auto name = toStdString(isolate, info[1]);
    info.GetReturnValue().Set(toV8(isolate, ns.ids.fromName(name, *jurisdiction)));
  });

  // (handle, jurisdiction) -> hex
  isolate_.addNative("nsNewUniqueId", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    auto& ns = namespaceOf(info);
    auto jurisdiction = jurisdictionArg(isolate, info[1]);
    if (!jurisdiction) return;
    info.GetReturnValue().Set(toV8(isolate, ns.ids.unique(*jurisdiction)));
  });

  // (handle, text) -> [hex, jurisdiction], or a TypeError with workerd's message.
  isolate_.addNative("nsParseId", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    auto& ns = namespaceOf(info);
    auto parsed = ns.ids.parse(toStdString(isolate, info[1]));
    if (!parsed.id) {
      js::throwError(isolate, "TypeError", parsed.error);
      return;
    }
    v8::Local<v8::Value> pair[] = {toV8(isolate, parsed.id->hex),
                                   toV8(isolate, jurisdictionName(parsed.id->jurisdiction))};
    info.GetReturnValue().Set(v8::Array::New(isolate, pair, 2));
  });

  // (name) -> name, or a TypeError listing the valid names.
  isolate_.addNative("nsCheckJurisdiction", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* isolate = info.GetIsolate();
    auto name = toStdString(isolate, info[0]);
    if (!parseJurisdiction(name)) {
      js::throwError(isolate, "TypeError", unknownJurisdictionMessage(name));
      return;
    }
    info.GetReturnValue().Set(info[0]);
  });

  // (handle, hex, hint): a location hint is a preference; workerd accepts any
  // string, known or not, and so does dohost.
  isolate_.addNative("nsLocationHint", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    if (!log::enabled(log::Level::kDebug)) return;
    auto* isolate = info.GetIsolate();
    auto& ns = namespaceOf(info);
    auto hex = toStdString(isolate, info[1]);
    auto hint = toStdString(isolate, info[2]);
    bool known = false;
    for (auto candidate : kLocationHints) known = known || candidate == hint;
    log::debug("actor", std::string(known ? "location hint" : "unknown location hint") +
                            " class=" + ns.className + " id=" + hex + " hint=\"" + hint + "\"" +
                            (known ? " (every object runs in this process)" : " (ignored)"));
  });
}

}  // namespace dohost::actor
