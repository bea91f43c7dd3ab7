// WebNatives: registers the natives of runtime/web/ and routes timer expiry
// and promise events back into JavaScript. Every native catches its own
// failures: no C++ exception crosses V8 frames.
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "dohost/api.h"
#include "dohost/assert.h"
#include "dohost/log.h"

#include "icu_decoder.h"
#include "native_util.h"
#include "timers.h"
#include "zlib_stream.h"

namespace dohost::api {

using js::toStdString;
using js::toV8;

// Rejected promises nobody handled yet. V8 reports a rejection without a
// handler at once, and a handler added later; what is still unhandled when
// the microtask checkpoint ends is reported, as workerd logs it.
struct WebNatives::Rejections {
  std::vector<std::pair<v8::Global<v8::Promise>, v8::Global<v8::Value>>> pending;
  // Rejected promises that got a handler after the checkpoint that left
  // them unhandled: a "rejectionhandled" event each, if they were reported.
  std::vector<v8::Global<v8::Promise>> handledLater;
};

namespace {

// The WebNatives of each isolate, for V8's promise-reject callback, which
// carries no data pointer. Isolates live on one thread each.
thread_local std::map<v8::Isolate*, WebNatives*> tWebNatives;

// A ZlibStream owned by the JavaScript object that stands for it, freed
// when that object is garbage collected.
struct ZlibHandle {
  std::unique_ptr<ZlibStream> stream;
  v8::Global<v8::Object> object;
};

void installCompression(js::Isolate& isolate) {
  isolate.addNative("zlibCreate", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "zlibCreate", [&] {
      auto* v8Isolate = info.GetIsolate();
      auto context = v8Isolate->GetCurrentContext();
      auto format = ZlibStream::parseFormat(toStdString(v8Isolate, info[0]));
      DOHOST_REQUIRE(format.has_value(), "unknown compression format");
      auto objectTemplate = v8::ObjectTemplate::New(v8Isolate);
      objectTemplate->SetInternalFieldCount(1);
      auto object = objectTemplate->NewInstance(context).ToLocalChecked();
      auto* handle = new ZlibHandle{std::make_unique<ZlibStream>(*format, info[1]->IsTrue()), {}};
      object->SetAlignedPointerInInternalField(0, handle);
      handle->object.Reset(v8Isolate, object);
      handle->object.SetWeak(
          handle,
          [](const v8::WeakCallbackInfo<ZlibHandle>& weak) {
            auto* dead = weak.GetParameter();
            dead->object.Reset();
            delete dead;
          },
          v8::WeakCallbackType::kParameter);
      info.GetReturnValue().Set(object);
    });
  });
  // zlibPush(handle, bytes, finish) -> Uint8Array, or the ZlibStream
  // failure code (1 corrupt, 2 truncated, 3 trailing bytes).
  isolate.addNative("zlibPush", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "zlibPush", [&] {
      DOHOST_REQUIRE(info[0]->IsObject() && info[0].As<v8::Object>()->InternalFieldCount() == 1,
                     "zlibPush: not a zlib handle");
      auto* handle =
          static_cast<ZlibHandle*>(info[0].As<v8::Object>()->GetAlignedPointerFromInternalField(0));
      auto out = handle->stream->push(viewOf(info[1]), info[2]->IsTrue());
      if (!out) {
        // Why it failed, for runtime/web/streams.js to word the error.
        info.GetReturnValue().Set(static_cast<int>(handle->stream->failure()));
        return;
      }
      info.GetReturnValue().Set(toUint8Array(info.GetIsolate(), *out));
    });
  });
}

// An IcuDecoder owned by its JavaScript handle, like ZlibHandle.
struct IcuHandle {
  std::unique_ptr<IcuDecoder> decoder;
  v8::Global<v8::Object> object;
};

void installTextDecoding(js::Isolate& isolate) {
  // icuDecoderCreate(encoding, fatal) -> handle, or null when ICU lacks it.
  isolate.addNative("icuDecoderCreate", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "icuDecoderCreate", [&] {
      auto* v8Isolate = info.GetIsolate();
      auto decoder = IcuDecoder::open(toStdString(v8Isolate, info[0]), info[1]->IsTrue());
      if (!decoder) {
        info.GetReturnValue().SetNull();
        return;
      }
      auto objectTemplate = v8::ObjectTemplate::New(v8Isolate);
      objectTemplate->SetInternalFieldCount(1);
      auto object = objectTemplate->NewInstance(v8Isolate->GetCurrentContext()).ToLocalChecked();
      auto* handle = new IcuHandle{std::move(decoder), {}};
      object->SetAlignedPointerInInternalField(0, handle);
      handle->object.Reset(v8Isolate, object);
      handle->object.SetWeak(
          handle,
          [](const v8::WeakCallbackInfo<IcuHandle>& weak) {
            auto* dead = weak.GetParameter();
            dead->object.Reset();
            delete dead;
          },
          v8::WeakCallbackType::kParameter);
      info.GetReturnValue().Set(object);
    });
  });
  // icuDecode(handle, bytes, flush) -> string, or null for malformed input
  // in fatal mode; icuDecode(handle) resets.
  isolate.addNative("icuDecode", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "icuDecode", [&] {
      DOHOST_REQUIRE(info[0]->IsObject() && info[0].As<v8::Object>()->InternalFieldCount() == 1,
                     "icuDecode: not a decoder handle");
      auto* handle =
          static_cast<IcuHandle*>(info[0].As<v8::Object>()->GetAlignedPointerFromInternalField(0));
      if (info.Length() < 2) {
        handle->decoder->reset();
        return;
      }
      auto text = handle->decoder->decode(viewOf(info[1]), info[2]->IsTrue());
      if (!text) {
        info.GetReturnValue().SetNull();
        return;
      }
      info.GetReturnValue().Set(
          v8::String::NewFromTwoByte(info.GetIsolate(),
                                     reinterpret_cast<const uint16_t*>(text->data()),
                                     v8::NewStringType::kNormal, static_cast<int>(text->size()))
              .ToLocalChecked());
    });
  });
}

}  // namespace

WebNatives::WebNatives(js::Isolate& isolate)
    : isolate_(isolate),
      timers_(std::make_unique<Timers>(isolate.loop(), [this](uint64_t id) { fireTimer(id); })),
      rejections_(std::make_unique<Rejections>()) {}

WebNatives::~WebNatives() {
  timers_.reset();
  if (installed_) {
    auto* isolate = isolate_.v8();
    isolate->RemoveMicrotasksCompletedCallback(&WebNatives::microtasksCompleted, this);
    isolate->SetPromiseRejectCallback(nullptr);
    tWebNatives.erase(isolate);
  }
  v8::Isolate::Scope scope(isolate_.v8());
  rejections_.reset();
}

size_t WebNatives::pendingTimers() const {
  return timers_->pending();
}

void WebNatives::install() {
  auto* v8Isolate = isolate_.v8();
  installed_ = true;
  tWebNatives[v8Isolate] = this;
  v8Isolate->SetPromiseRejectCallback(&WebNatives::promiseRejectCallback);
  v8Isolate->AddMicrotasksCompletedCallback(&WebNatives::microtasksCompleted, this);

  // ---- Timers: ids are chosen by runtime/web/timers.js.
  isolate_.addNative("timerStart", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "timerStart", [&] {
      auto context = isolate_.context();
      auto id = static_cast<uint64_t>(info[0]->NumberValue(context).FromMaybe(0));
      timers_->start(id, info[1]->NumberValue(context).FromMaybe(0));
    });
  });
  isolate_.addNative("timerCancel", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "timerCancel", [&] {
      auto id = static_cast<uint64_t>(info[0]->NumberValue(isolate_.context()).FromMaybe(0));
      timers_->cancel(id);
    });
  });

  // ---- The scope of async work (runtime/web/scope.js): V8 carries this
  // value along promise continuations, as AsyncLocalStorage does.
  isolate_.addNative("getScope", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    info.GetReturnValue().Set(isolate_.context()->GetContinuationPreservedEmbedderData());
  });
  isolate_.addNative("setScope", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    isolate_.context()->SetContinuationPreservedEmbedderData(info[0]);
  });

  // ---- structuredClone(value, transfer): transfer is an array of distinct
  // ArrayBuffers, checked by the caller.
  isolate_.addNative("structuredClone", [](const v8::FunctionCallbackInfo<v8::Value>& info) {
    guarded(info, "structuredClone", [&] {
      auto* isolate = info.GetIsolate();
      auto context = isolate->GetCurrentContext();
      std::vector<v8::Local<v8::ArrayBuffer>> transfer;
      if (info[1]->IsArray()) {
        auto list = info[1].As<v8::Array>();
        for (uint32_t i = 0; i < list->Length(); ++i) {
          auto item = list->Get(context, i).ToLocalChecked();
          if (item->IsArrayBuffer()) transfer.push_back(item.As<v8::ArrayBuffer>());
        }
      }
      v8::Local<v8::Value> copy;
      if (js::structuredClone(isolate, info[0], transfer).ToLocal(&copy)) {
        info.GetReturnValue().Set(copy);
      }
    });
  });

  installCompression(isolate_);
  installCryptoNatives(isolate_);
  installTextDecoding(isolate_);

  // ---- reportError(prefix, value): one "Uncaught ..." line in the
  // Worker's log, with the stack when the value has one.
  isolate_.addNative("reportError", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto prefix = toStdString(info.GetIsolate(), info[0]);
    isolate_.printConsole("error", prefix + isolate_.describe(info[1]));
  });
}

void WebNatives::fireTimer(uint64_t id) {
  isolate_.run([&] {
    auto* isolate = isolate_.v8();
    v8::TryCatch tryCatch(isolate);
    v8::Local<v8::Value> args[] = {v8::Number::New(isolate, static_cast<double>(id))};
    if (isolate_.internal("fireTimer")
            ->Call(isolate_.context(), v8::Undefined(isolate), 1, args)
            .IsEmpty() &&
        tryCatch.HasCaught() && tryCatch.CanContinue()) {
      // fireTimer reports what a callback throws; this is its own failure.
      isolate_.printConsole("error", "Uncaught " + isolate_.describe(tryCatch.Exception()));
    }
  });
}

// ==== Unhandled rejections ====================================================

void WebNatives::promiseRejectCallback(v8::PromiseRejectMessage message) {
  auto promise = message.GetPromise();
  auto* isolate = promise->GetIsolate();
  auto it = tWebNatives.find(isolate);
  if (it != tWebNatives.end()) it->second->onPromiseReject(message);
}

void WebNatives::onPromiseReject(v8::PromiseRejectMessage& message) {
  auto* isolate = isolate_.v8();
  auto promise = message.GetPromise();
  auto& pending = rejections_->pending;
  switch (message.GetEvent()) {
    case v8::kPromiseRejectWithNoHandler:
      pending.emplace_back(v8::Global<v8::Promise>(isolate, promise),
                           v8::Global<v8::Value>(isolate, message.GetValue()));
      break;
    case v8::kPromiseHandlerAddedAfterReject: {
      bool wasPending = false;
      for (auto it = pending.begin(); it != pending.end(); ++it) {
        if (it->first.Get(isolate) == promise) {
          pending.erase(it);
          wasPending = true;
          break;
        }
      }
      if (!wasPending) rejections_->handledLater.emplace_back(isolate, promise);
      break;
    }
    default:
      break;
  }
}

void WebNatives::microtasksCompleted(v8::Isolate* isolate, void* self) {
  // The next loop task starts with no request scope, whatever the last
  // microtask left behind.
  isolate->GetCurrentContext()->SetContinuationPreservedEmbedderData(v8::Undefined(isolate));
  static_cast<WebNatives*>(self)->reportRejections();
}

// Dispatches "unhandledrejection" (and "rejectionhandled") to the global
// scope's listeners through the runtime; a rejection nobody listens for is
// logged.
void WebNatives::reportRejections() {
  if (rejections_->pending.empty() && rejections_->handledLater.empty()) return;
  auto pending = std::move(rejections_->pending);
  auto handledLater = std::move(rejections_->handledLater);
  rejections_->pending.clear();
  rejections_->handledLater.clear();
  auto* isolate = isolate_.v8();
  v8::HandleScope scope(isolate);
  auto context = isolate_.context();
  v8::TryCatch tryCatch(isolate);
  for (auto& [promise, value] : pending) {
    v8::Local<v8::Value> args[] = {promise.Get(isolate), value.Get(isolate)};
    v8::Local<v8::Value> log;
    if (!isolate_.internal("unhandledRejection")
             ->Call(context, v8::Undefined(isolate), 2, args)
             .ToLocal(&log) ||
        log->IsTrue()) {
      isolate_.printConsole("error",
                            "Uncaught (in promise) " + isolate_.describe(value.Get(isolate)));
    }
  }
  for (auto& promise : handledLater) {
    v8::Local<v8::Value> args[] = {promise.Get(isolate)};
    (void)isolate_.internal("rejectionHandled")
        ->Call(context, v8::Undefined(isolate), 1, args)
        .FromMaybe(v8::Local<v8::Value>());
  }
}

}  // namespace dohost::api
