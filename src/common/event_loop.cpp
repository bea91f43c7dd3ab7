// EventLoop: an io_context kept alive by a work guard and run on one thread.
#include "dohost/event_loop.h"

#include <atomic>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "dohost/log.h"

namespace dohost {

struct EventLoop::State {
  boost::asio::io_context context{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
      context.get_executor()};
  // Written by the loop's thread, read by isCurrent() on any thread.
  std::atomic<std::thread::id> threadId{};
};

EventLoop::EventLoop(std::string name)
    : name_(std::move(name)), state_(std::make_unique<State>()) {}

EventLoop::~EventLoop() {
  stop();
  join();
}

void EventLoop::start() {
  thread_ = std::thread([this] {
    state_->threadId = std::this_thread::get_id();
    for (;;) {
      try {
        state_->context.run();
        return;
      } catch (const std::exception& e) {
        // A task that throws is a bug in that task; the loop must outlive it.
        log::error("loop", name_ + ": task threw: " + e.what());
      }
    }
  });
}

void EventLoop::stop() {
  state_->guard.reset();
}

void EventLoop::join() {
  if (thread_.joinable()) thread_.join();
}

void EventLoop::post(std::function<void()> task) {
  boost::asio::post(state_->context, std::move(task));
}

bool EventLoop::isCurrent() const {
  return std::this_thread::get_id() == state_->threadId.load();
}

boost::asio::io_context& EventLoop::context() {
  return state_->context;
}

}  // namespace dohost
