// Structured clone through V8's ValueSerializer. This file subclasses a V8
// class and so is compiled with -fno-rtti, like libnode (see CMakeLists.txt).
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dohost/js.h"

namespace dohost::js {
namespace {

// workerd throws DataCloneError (a DOMException) for values structured
// clone refuses; the runtime bundle provides the class.
void throwDataCloneError(v8::Isolate* isolate, v8::Local<v8::String> message) {
  auto context = isolate->GetCurrentContext();
  auto global = context->Global();
  v8::Local<v8::Value> ctor;
  if (global->Get(context, toV8(isolate, "DOMException")).ToLocal(&ctor) && ctor->IsFunction()) {
    v8::Local<v8::Value> args[] = {message, toV8(isolate, "DataCloneError")};
    v8::Local<v8::Object> error;
    if (ctor.As<v8::Function>()->NewInstance(context, 2, args).ToLocal(&error)) {
      isolate->ThrowException(error);
      return;
    }
  }
  isolate->ThrowException(v8::Exception::Error(message));
}

class SerializerDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit SerializerDelegate(v8::Isolate* isolate) : isolate_(isolate) {}

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    throwDataCloneError(isolate_, message);
  }

 private:
  v8::Isolate* isolate_;
};

// structuredClone() stays in one isolate, so a SharedArrayBuffer is shared
// rather than refused, as workerd does: its id is its index in `shared`.
class CloneSerializerDelegate final : public v8::ValueSerializer::Delegate {
 public:
  explicit CloneSerializerDelegate(v8::Isolate* isolate) : isolate_(isolate) {}

  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    throwDataCloneError(isolate_, message);
  }

  v8::Maybe<uint32_t> GetSharedArrayBufferId(v8::Isolate* isolate,
                                             v8::Local<v8::SharedArrayBuffer> buffer) override {
    for (size_t i = 0; i < shared.size(); ++i) {
      if (shared[i] == buffer) return v8::Just(static_cast<uint32_t>(i));
    }
    shared.push_back(buffer);
    return v8::Just(static_cast<uint32_t>(shared.size() - 1));
  }

  std::vector<v8::Local<v8::SharedArrayBuffer>> shared;

 private:
  v8::Isolate* isolate_;
};

class CloneDeserializerDelegate final : public v8::ValueDeserializer::Delegate {
 public:
  explicit CloneDeserializerDelegate(const std::vector<v8::Local<v8::SharedArrayBuffer>>& shared)
      : shared_(shared) {}

  v8::MaybeLocal<v8::SharedArrayBuffer> GetSharedArrayBufferFromId(v8::Isolate* isolate,
                                                                   uint32_t id) override {
    if (id >= shared_.size()) return {};
    return shared_[id];
  }

 private:
  const std::vector<v8::Local<v8::SharedArrayBuffer>>& shared_;
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

v8::MaybeLocal<v8::Value> structuredClone(v8::Isolate* isolate,
                                          v8::Local<v8::Value> value,
                                          const std::vector<v8::Local<v8::ArrayBuffer>>& transfer) {
  auto context = isolate->GetCurrentContext();
  CloneSerializerDelegate delegate(isolate);
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  for (size_t i = 0; i < transfer.size(); ++i) {
    serializer.TransferArrayBuffer(static_cast<uint32_t>(i), transfer[i]);
  }
  if (!serializer.WriteValue(context, value).FromMaybe(false)) return {};
  auto [buffer, size] = serializer.Release();
  std::string bytes(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);

  // The transferred buffers move: the clone gets their memory, the
  // originals are detached (byteLength 0).
  std::vector<v8::Local<v8::ArrayBuffer>> moved;
  for (auto& original : transfer) {
    auto store = original->GetBackingStore();
    if (original->IsDetachable()) original->Detach();
    moved.push_back(v8::ArrayBuffer::New(isolate, store));
  }

  CloneDeserializerDelegate readDelegate(delegate.shared);
  v8::ValueDeserializer deserializer(isolate, reinterpret_cast<const uint8_t*>(bytes.data()),
                                     bytes.size(), &readDelegate);
  for (size_t i = 0; i < moved.size(); ++i) {
    deserializer.TransferArrayBuffer(static_cast<uint32_t>(i), moved[i]);
  }
  if (!deserializer.ReadHeader(context).FromMaybe(false)) return {};
  return deserializer.ReadValue(context);
}

}  // namespace dohost::js
