// The C++ natives behind the Web platform globals of one isolate (timers,
// structured clone, the request scope of async work, unhandled promise
// rejections; later crypto and compression). runtime/web/ builds the
// JavaScript classes on top of them.
#pragma once

#include <memory>

#include "dohost/js.h"

namespace dohost::api {

class Timers;

class WebNatives {
 public:
  // Borrows `isolate`, which must outlive this object. Construct and
  // destroy on the isolate's loop.
  explicit WebNatives(js::Isolate& isolate);
  // Cancels every pending timer: none of their callbacks runs afterwards.
  ~WebNatives();
  WebNatives(const WebNatives&) = delete;
  WebNatives& operator=(const WebNatives&) = delete;

  // Registers the natives with the isolate and hooks its promise events.
  // Call once, before isolate.start().
  void install();

  // Timers set and not yet fired or cleared (intervals count once).
  size_t pendingTimers() const;

 private:
  struct Rejections;
  void fireTimer(uint64_t id);
  void onPromiseReject(v8::PromiseRejectMessage& message);
  void reportRejections();
  static void promiseRejectCallback(v8::PromiseRejectMessage message);
  static void microtasksCompleted(v8::Isolate* isolate, void* self);

  js::Isolate& isolate_;
  std::unique_ptr<Timers> timers_;
  std::unique_ptr<Rejections> rejections_;
  bool installed_ = false;
};

}  // namespace dohost::api
