// IoNatives: handle tables for byte streams, WebSocket ends and outbound requests of one
// isolate, and the natives that reach them. Completions come back as loop tasks that enter the
// isolate only while this object is alive (they hold a weak reference to its state).
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "dohost/assert.h"
#include "dohost/io.h"
#include "dohost/log.h"

namespace dohost::api {

using js::toStdString;
using js::toV8;

struct IoNatives::State {
  js::Isolate* isolate = nullptr;
  std::shared_ptr<Outbound> outbound;
  int nextHandle = 1;
  std::map<int, std::shared_ptr<ByteStream>> streams;
  std::map<int, std::shared_ptr<WebSocketEnd>> sockets;
  std::map<int, std::function<void()>> requests;  // cancel functions of fetches in flight

  int add() {
    return nextHandle++;
  }
};

namespace {

using Info = v8::FunctionCallbackInfo<v8::Value>;

// WebSocket ends on their way between isolates (a Response crossing RPC), by token.
struct Parked {
  std::mutex mutex;
  std::uint64_t next = 1;
  std::map<std::uint64_t, std::shared_ptr<WebSocketEnd>> ends;
};

Parked& parked() {
  static Parked instance;
  return instance;
}

v8::Local<v8::Uint8Array> toUint8Array(v8::Isolate* isolate, std::string_view bytes) {
  auto buffer = v8::ArrayBuffer::New(isolate, bytes.size());
  if (!bytes.empty()) std::memcpy(buffer->Data(), bytes.data(), bytes.size());
  return v8::Uint8Array::New(buffer, 0, bytes.size());
}

v8::Local<v8::ArrayBuffer> toArrayBuffer(v8::Isolate* isolate, std::string_view bytes) {
  auto buffer = v8::ArrayBuffer::New(isolate, bytes.size());
  if (!bytes.empty()) std::memcpy(buffer->Data(), bytes.data(), bytes.size());
  return buffer;
}

std::string bytesOf(v8::Local<v8::Value> value) {
  if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    std::string out(view->ByteLength(), '\0');
    view->CopyContents(out.data(), out.size());
    return out;
  }
  if (value->IsArrayBuffer()) {
    auto buffer = value.As<v8::ArrayBuffer>();
    return std::string(static_cast<const char*>(buffer->Data()), buffer->ByteLength());
  }
  return {};
}

int handleOf(const Info& info, int index = 0) {
  return info[index]->Int32Value(info.GetIsolate()->GetCurrentContext()).FromMaybe(0);
}

// Runs `body` and turns a C++ exception into a JavaScript error: none may cross V8 frames.
template <typename Body>
void guarded(const Info& info, const char* name, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    log::error("api", std::string(name) + ": " + e.what());
    js::throwError(info.GetIsolate(), "Error", std::string("internal error in ") + name);
  }
}

// Calls the JavaScript function `callback` later, on the isolate's loop, if the natives still
// live; `makeArgs` builds its arguments inside the isolate.
using MakeArgs = std::function<std::vector<v8::Local<v8::Value>>(v8::Isolate*)>;

void callBack(const std::weak_ptr<IoNatives::State>& weak,
              const std::shared_ptr<v8::Global<v8::Function>>& callback,
              MakeArgs makeArgs) {
  auto state = weak.lock();
  if (!state) return;
  auto* isolate = state->isolate;
  isolate->run([&] {
    auto* v8Isolate = isolate->v8();
    auto context = isolate->context();
    v8::TryCatch tryCatch(v8Isolate);
    auto args = makeArgs(v8Isolate);
    auto fn = callback->Get(v8Isolate);
    if (fn->Call(context, v8::Undefined(v8Isolate), int(args.size()), args.data()).IsEmpty()) {
      log::error("api", "an I/O callback threw: " + isolate->describe(tryCatch.Exception()));
    }
  });
}

std::shared_ptr<v8::Global<v8::Function>> keep(const Info& info, int index) {
  if (!info[index]->IsFunction()) return nullptr;
  return std::make_shared<v8::Global<v8::Function>>(info.GetIsolate(),
                                                    info[index].As<v8::Function>());
}

}  // namespace

IoNatives::IoNatives(js::Isolate& isolate, std::shared_ptr<Outbound> outbound)
    : isolate_(isolate), state_(std::make_shared<State>()) {
  state_->isolate = &isolate;
  state_->outbound = std::move(outbound);
}

IoNatives::~IoNatives() {
  for (auto& [handle, cancel] : state_->requests) cancel();
  for (auto& [handle, stream] : state_->streams) stream->cancel("the Worker is shutting down");
  for (auto& [handle, end] : state_->sockets) end->unlisten();
  state_.reset();
}

int IoNatives::adoptStream(std::shared_ptr<ByteStream> stream) {
  int handle = state_->add();
  state_->streams[handle] = std::move(stream);
  return handle;
}

std::shared_ptr<ByteStream> IoNatives::takeStream(int handle) {
  // The handle stays: JavaScript keeps writing through it until streamEnd or streamFail.
  auto it = state_->streams.find(handle);
  return it == state_->streams.end() ? nullptr : it->second;
}

int IoNatives::adoptWebSocket(std::shared_ptr<WebSocketEnd> end) {
  int handle = state_->add();
  state_->sockets[handle] = std::move(end);
  return handle;
}

std::shared_ptr<WebSocketEnd> IoNatives::takeWebSocket(int handle) {
  auto it = state_->sockets.find(handle);
  if (it == state_->sockets.end()) return nullptr;
  auto end = std::move(it->second);
  state_->sockets.erase(it);
  end->unlisten();
  return end;
}

void IoNatives::install() {
  std::weak_ptr<State> weak = state_;
  auto& loop = isolate_.loop();

  // ---- Byte streams ---------------------------------------------------------------------------

  // streamRead(handle, callback): callback(chunk) with a Uint8Array, null at the end, or
  // (undefined, message) when the producer failed.
  isolate_.addNative("streamRead", [weak, &loop](const Info& info) {
    guarded(info, "streamRead", [&] {
      auto state = weak.lock();
      auto it = state->streams.find(handleOf(info));
      auto callback = keep(info, 1);
      DOHOST_REQUIRE(callback, "streamRead needs a callback");
      if (it == state->streams.end()) {
        return js::throwError(info.GetIsolate(), "TypeError", "This ReadableStream is closed.");
      }
      int handle = it->first;
      it->second->read(loop, [weak, callback, handle](ByteStream::Chunk chunk) {
        if (chunk.done || chunk.error) {
          if (auto state = weak.lock()) state->streams.erase(handle);
        }
        callBack(weak, callback, [&](v8::Isolate* isolate) -> std::vector<v8::Local<v8::Value>> {
          if (chunk.error) return {v8::Undefined(isolate), toV8(isolate, *chunk.error)};
          if (chunk.done) return {v8::Null(isolate)};
          return {toUint8Array(isolate, chunk.bytes)};
        });
      });
    });
  });

  // streamCancel(handle, reason): the JavaScript side stops reading or writing.
  isolate_.addNative("streamCancel", [weak](const Info& info) {
    guarded(info, "streamCancel", [&] {
      auto state = weak.lock();
      auto it = state->streams.find(handleOf(info));
      if (it == state->streams.end()) return;
      it->second->cancel(toStdString(info.GetIsolate(), info[1]));
      state->streams.erase(it);
    });
  });

  // streamCreate(length?): a stream JavaScript writes and C++ takes (takeStream).
  isolate_.addNative("streamCreate", [weak](const Info& info) {
    guarded(info, "streamCreate", [&] {
      auto state = weak.lock();
      std::optional<std::uint64_t> length;
      if (info[0]->IsNumber()) length = std::uint64_t(info[0].As<v8::Number>()->Value());
      int handle = state->add();
      state->streams[handle] = ByteStream::create(length);
      info.GetReturnValue().Set(handle);
    });
  });

  // streamWrite(handle, bytes, callback): callback(true) once there is room for more,
  // callback(false) when the reader has gone.
  isolate_.addNative("streamWrite", [weak, &loop](const Info& info) {
    guarded(info, "streamWrite", [&] {
      auto state = weak.lock();
      auto callback = keep(info, 2);
      DOHOST_REQUIRE(callback, "streamWrite needs a callback");
      auto it = state->streams.find(handleOf(info));
      auto stream = it == state->streams.end() ? nullptr : it->second;
      if (!stream || !stream->write(bytesOf(info[1]))) {
        loop.post([weak, callback] {
          callBack(weak, callback, [](v8::Isolate* isolate) -> std::vector<v8::Local<v8::Value>> {
            return {v8::False(isolate)};
          });
        });
        return;
      }
      stream->whenWritable(loop, [weak, callback](bool ok) {
        callBack(weak, callback, [ok](v8::Isolate* isolate) -> std::vector<v8::Local<v8::Value>> {
          return {v8::Boolean::New(isolate, ok)};
        });
      });
    });
  });

  // streamEnd(handle) and streamFail(handle, message): the JavaScript producer is done.
  isolate_.addNative("streamEnd", [weak](const Info& info) {
    guarded(info, "streamEnd", [&] {
      auto state = weak.lock();
      auto it = state->streams.find(handleOf(info));
      if (it == state->streams.end()) return;
      it->second->end();
      state->streams.erase(it);
    });
  });
  isolate_.addNative("streamFail", [weak](const Info& info) {
    guarded(info, "streamFail", [&] {
      auto state = weak.lock();
      auto it = state->streams.find(handleOf(info));
      if (it == state->streams.end()) return;
      it->second->fail(toStdString(info.GetIsolate(), info[1]));
      state->streams.erase(it);
    });
  });

  // ---- WebSockets -----------------------------------------------------------------------------

  isolate_.addNative("wsPair", [weak](const Info& info) {
    guarded(info, "wsPair", [&] {
      auto state = weak.lock();
      auto [a, b] = makeWebSocketChannel();
      int first = state->add();
      int second = state->add();
      state->sockets[first] = std::move(a);
      state->sockets[second] = std::move(b);
      auto* isolate = info.GetIsolate();
      auto pair = v8::Array::New(isolate, 2);
      auto context = isolate->GetCurrentContext();
      pair->Set(context, 0, v8::Integer::New(isolate, first)).Check();
      pair->Set(context, 1, v8::Integer::New(isolate, second)).Check();
      info.GetReturnValue().Set(pair);
    });
  });

  // wsSend(handle, kind, data, code): kind "text", "binary" or "close"; false when this end
  // can send no more.
  isolate_.addNative("wsSend", [weak](const Info& info) {
    guarded(info, "wsSend", [&] {
      auto state = weak.lock();
      auto it = state->sockets.find(handleOf(info));
      if (it == state->sockets.end()) return info.GetReturnValue().Set(false);
      auto* isolate = info.GetIsolate();
      auto kind = toStdString(isolate, info[1]);
      WebSocketEvent event;
      if (kind == "text") {
        event = WebSocketEvent::text(toStdString(isolate, info[2]));
      } else if (kind == "binary") {
        event = WebSocketEvent::binary(bytesOf(info[2]));
      } else {
        int code = info[3]->Int32Value(isolate->GetCurrentContext()).FromMaybe(1005);
        event = WebSocketEvent::close(code, toStdString(isolate, info[2]));
      }
      info.GetReturnValue().Set(it->second->send(std::move(event)));
    });
  });

  // wsListen(handle, callback): callback(kind, data, code) for each event from the peer: kind
  // "text" (a string), "binary" (an ArrayBuffer), "close", "aborted" or "error".
  isolate_.addNative("wsListen", [weak, &loop](const Info& info) {
    guarded(info, "wsListen", [&] {
      auto state = weak.lock();
      auto it = state->sockets.find(handleOf(info));
      auto callback = keep(info, 1);
      if (it == state->sockets.end() || !callback) return;
      it->second->listen(loop, [weak, callback](WebSocketEvent event) {
        callBack(weak, callback, [&](v8::Isolate* isolate) -> std::vector<v8::Local<v8::Value>> {
          switch (event.kind) {
            case WebSocketEvent::Kind::kText:
              return {toV8(isolate, "text"), toV8(isolate, event.data)};
            case WebSocketEvent::Kind::kBinary:
              return {toV8(isolate, "binary"), toArrayBuffer(isolate, event.data)};
            case WebSocketEvent::Kind::kClose:
              return {toV8(isolate, "close"), toV8(isolate, event.data),
                      v8::Integer::New(isolate, event.code)};
            case WebSocketEvent::Kind::kAborted:
              return {toV8(isolate, "aborted"), toV8(isolate, event.data),
                      v8::Integer::New(isolate, 1006)};
            case WebSocketEvent::Kind::kError:
              return {toV8(isolate, "error"), toV8(isolate, event.data),
                      v8::Integer::New(isolate, 1006)};
          }
          return {};
        });
      });
    });
  });

  // wsPark(handle): takes the end out of this isolate for another to pick up; returns a token.
  isolate_.addNative("wsPark", [weak](const Info& info) {
    guarded(info, "wsPark", [&] {
      auto state = weak.lock();
      auto it = state->sockets.find(handleOf(info));
      if (it == state->sockets.end()) {
        return js::throwError(info.GetIsolate(), "TypeError", "This WebSocket is gone.");
      }
      auto& lot = parked();
      std::lock_guard<std::mutex> lock(lot.mutex);
      std::uint64_t token = lot.next++;
      it->second->unlisten();
      lot.ends[token] = std::move(it->second);
      state->sockets.erase(it);
      info.GetReturnValue().Set(double(token));
    });
  });

  // wsUnpark(token): adopts a parked end; returns its handle here.
  isolate_.addNative("wsUnpark", [weak](const Info& info) {
    guarded(info, "wsUnpark", [&] {
      auto state = weak.lock();
      auto token =
          std::uint64_t(info[0]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(0));
      std::shared_ptr<WebSocketEnd> end;
      {
        auto& lot = parked();
        std::lock_guard<std::mutex> lock(lot.mutex);
        auto it = lot.ends.find(token);
        if (it != lot.ends.end()) {
          end = std::move(it->second);
          lot.ends.erase(it);
        }
      }
      if (!end) {
        return js::throwError(info.GetIsolate(), "TypeError", "This WebSocket is gone.");
      }
      int handle = state->add();
      state->sockets[handle] = std::move(end);
      info.GetReturnValue().Set(handle);
    });
  });

  // serializedSize(value): the bytes of `value` in V8's serialization (a WebSocket attachment's
  // size, which workerd limits).
  isolate_.addNative("serializedSize", [](const Info& info) {
    guarded(info, "serializedSize", [&] {
      auto bytes = js::serialize(info.GetIsolate(), info[0]);
      if (!bytes) return;  // a DataCloneError is thrown
      info.GetReturnValue().Set(double(bytes->size()));
    });
  });

  // wsRelease(handle): JavaScript is done with this end; an end that has not closed aborts.
  isolate_.addNative("wsRelease", [weak](const Info& info) {
    guarded(info, "wsRelease", [&] {
      auto state = weak.lock();
      auto it = state->sockets.find(handleOf(info));
      if (it == state->sockets.end()) return;
      it->second->unlisten();
      state->sockets.erase(it);
    });
  });

  // ---- Outbound fetch -------------------------------------------------------------------------

  // fetch(request, callback): request {method, url, headers: [[name, value]], body: stream
  // handle or 0, webSocket}; callback(null, response) with {status, statusText, headers, body:
  // stream handle or 0, webSocket: handle or 0}, or callback(message). Returns the request's
  // handle, for fetchAbort().
  isolate_.addNative("fetch", [weak, &loop](const Info& info) {
    guarded(info, "fetch", [&] {
      auto state = weak.lock();
      auto* isolate = info.GetIsolate();
      auto context = isolate->GetCurrentContext();
      auto callback = keep(info, 1);
      DOHOST_REQUIRE(callback && info[0]->IsObject(), "fetch needs a request and a callback");
      if (!state->outbound) {
        // TODO(conform): outbound fetch() needs the server's HTTP client; natives installed
        // without one (unit tests) fail here.
        return js::throwError(isolate, "Error", "fetch() is not available in this dohost build");
      }
      auto object = info[0].As<v8::Object>();
      auto get = [&](const char* key) {
        return object->Get(context, toV8(isolate, key)).ToLocalChecked();
      };
      OutboundRequest request;
      request.method = toStdString(isolate, get("method"));
      request.url = toStdString(isolate, get("url"));
      auto headers = get("headers").As<v8::Array>();
      for (uint32_t i = 0; i < headers->Length(); ++i) {
        auto pair = headers->Get(context, i).ToLocalChecked().As<v8::Array>();
        request.headers.emplace_back(toStdString(isolate, pair->Get(context, 0).ToLocalChecked()),
                                     toStdString(isolate, pair->Get(context, 1).ToLocalChecked()));
      }
      int bodyHandle = get("body")->Int32Value(context).FromMaybe(0);
      if (bodyHandle != 0) {
        auto it = state->streams.find(bodyHandle);
        if (it != state->streams.end()) request.body = it->second;
      }
      request.webSocket = get("webSocket")->IsTrue();

      int handle = state->add();
      auto cancel = state->outbound->send(
          std::move(request), loop, [weak, callback, handle](OutboundResult result) {
            auto state = weak.lock();
            if (!state) return;
            state->requests.erase(handle);
            int body = 0;
            int webSocket = 0;
            if (result.response) {
              if (result.response->body) {
                body = state->add();
                state->streams[body] = result.response->body;
              }
              if (result.response->webSocket) {
                webSocket = state->add();
                state->sockets[webSocket] = result.response->webSocket;
              }
            }
            callBack(weak, callback,
                     [&](v8::Isolate* isolate) -> std::vector<v8::Local<v8::Value>> {
                       if (!result.response) return {toV8(isolate, result.error)};
                       auto context = isolate->GetCurrentContext();
                       auto& response = *result.response;
                       auto out = v8::Object::New(isolate);
                       auto set = [&](const char* key, v8::Local<v8::Value> value) {
                         out->Set(context, toV8(isolate, key), value).Check();
                       };
                       set("status", v8::Integer::New(isolate, response.status));
                       set("statusText", toV8(isolate, response.statusText));
                       auto list = v8::Array::New(isolate, int(response.headers.size()));
                       for (uint32_t i = 0; i < response.headers.size(); ++i) {
                         auto pair = v8::Array::New(isolate, 2);
                         pair->Set(context, 0, toV8(isolate, response.headers[i].first)).Check();
                         pair->Set(context, 1, toV8(isolate, response.headers[i].second)).Check();
                         list->Set(context, i, pair).Check();
                       }
                       set("headers", list);
                       set("body", v8::Integer::New(isolate, body));
                       set("webSocket", v8::Integer::New(isolate, webSocket));
                       return {v8::Null(isolate), out};
                     });
          });
      state->requests[handle] = std::move(cancel);
      info.GetReturnValue().Set(handle);
    });
  });

  // fetchAbort(handle): stops a fetch whose response has not arrived.
  isolate_.addNative("fetchAbort", [weak](const Info& info) {
    guarded(info, "fetchAbort", [&] {
      auto state = weak.lock();
      auto it = state->requests.find(handleOf(info));
      if (it == state->requests.end()) return;
      auto cancel = std::move(it->second);
      state->requests.erase(it);
      cancel();
    });
  });
}

}  // namespace dohost::api
