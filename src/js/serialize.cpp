// Structured clone through V8's ValueSerializer. This file subclasses a V8
// class and so is compiled with -fno-rtti, like libnode (see CMakeLists.txt).
#include <cstdlib>
#include <cstring>

#include "dohost/js.h"

namespace dohost::js {
namespace {

// workerd throws DataCloneError (a DOMException) for values structured
// clone refuses; the runtime bundle provides the class.
class SerializerDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit SerializerDelegate(v8::Isolate* isolate) : isolate_(isolate) {}

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    auto context = isolate_->GetCurrentContext();
    auto global = context->Global();
    v8::Local<v8::Value> ctor;
    if (global->Get(context, toV8(isolate_, "DOMException")).ToLocal(&ctor) &&
        ctor->IsFunction()) {
      v8::Local<v8::Value> args[] = {message, toV8(isolate_, "DataCloneError")};
      v8::Local<v8::Object> error;
      if (ctor.As<v8::Function>()->NewInstance(context, 2, args).ToLocal(&error)) {
        isolate_->ThrowException(error);
        return;
      }
    }
    isolate_->ThrowException(v8::Exception::Error(message));
  }

 private:
  v8::Isolate* isolate_;
};

}  // namespace

std::optional<std::string> serialize(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  SerializerDelegate delegate(isolate);
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  if (!serializer.WriteValue(isolate->GetCurrentContext(), value).FromMaybe(false)) {
    return std::nullopt;
  }
  auto [buffer, size] = serializer.Release();
  std::string bytes(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return bytes;
}

v8::MaybeLocal<v8::Value> deserialize(v8::Isolate* isolate, std::string_view bytes) {
  auto context = isolate->GetCurrentContext();
  v8::ValueDeserializer deserializer(isolate, reinterpret_cast<const uint8_t*>(bytes.data()),
                                     bytes.size());
  if (!deserializer.ReadHeader(context).FromMaybe(false)) return {};
  return deserializer.ReadValue(context);
}

}  // namespace dohost::js
