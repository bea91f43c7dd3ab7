// One event-loop thread: an Asio io_context run by its own std::thread.
// Work for a loop is posted to it; only that thread runs what it owns
// (isolates, sockets, databases), so nothing it owns needs a lock.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace boost::asio {
class io_context;
}

namespace dohost {

class EventLoop {
 public:
  explicit EventLoop(std::string name);
  ~EventLoop();  // stops the loop and joins its thread
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts the thread. The loop keeps running, idle or not, until stop().
  void start();

  // Asks the loop to finish: queued work still runs, then the thread ends.
  // Thread-safe; join() waits for it.
  void stop();
  void join();

  // Runs `task` on the loop's thread, after what is already queued.
  // Thread-safe. Tasks posted after stop() may never run.
  void post(std::function<void()> task);

  // True when called from this loop's own thread.
  bool isCurrent() const;

  const std::string& name() const {
    return name_;
  }

  // For code that talks to Asio directly (sockets, timers).
  boost::asio::io_context& context();

 private:
  struct State;
  std::string name_;
  std::unique_ptr<State> state_;
  std::thread thread_;
};

}  // namespace dohost
