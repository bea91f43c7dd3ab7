// Helpers shared by the natives of this layer: byte conversions and the
// guard that keeps C++ exceptions out of V8 frames.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include "dohost/js.h"
#include "dohost/log.h"

namespace dohost::api {

// Runs `body` and turns a C++ exception into a JavaScript Error.
template <typename Body>
void guarded(const v8::FunctionCallbackInfo<v8::Value>& info, const char* name, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    log::error("api", std::string(name) + ": " + e.what());
    js::throwError(info.GetIsolate(), "Error", std::string("internal error in ") + name);
  }
}

inline v8::Local<v8::Uint8Array> toUint8Array(v8::Isolate* isolate, std::string_view bytes) {
  auto buffer = v8::ArrayBuffer::New(isolate, bytes.size());
  if (!bytes.empty()) std::memcpy(buffer->Data(), bytes.data(), bytes.size());
  return v8::Uint8Array::New(buffer, 0, bytes.size());
}

// The bytes of an ArrayBufferView or ArrayBuffer (empty for anything else).
// Valid until JavaScript runs again.
inline std::string_view viewOf(v8::Local<v8::Value> value) {
  if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    auto* data = static_cast<const char*>(view->Buffer()->Data());
    return {data + view->ByteOffset(), view->ByteLength()};
  }
  if (value->IsArrayBuffer()) {
    auto buffer = value.As<v8::ArrayBuffer>();
    return {static_cast<const char*>(buffer->Data()), buffer->ByteLength()};
  }
  return {};
}

// Registers natives.crypto* (crypto_natives.cpp).
void installCryptoNatives(js::Isolate& isolate);

}  // namespace dohost::api
