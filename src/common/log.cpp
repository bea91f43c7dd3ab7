// The logging facade: a level switch and one mutex so lines stay whole.
#include "dohost/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "dohost/assert.h"

namespace dohost::log {
namespace {

std::atomic<Level> gLevel{Level::kWarn};
std::mutex gMutex;

const char* levelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "?";
}

}  // namespace

void setLevel(Level level) {
  gLevel = level;
}

bool enabled(Level level) {
  return level >= gLevel.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view subsystem, std::string_view message) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(subsystem.size() + message.size() + 16);
  line.append(levelName(level)).append(" ").append(subsystem).append(": ").append(message);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(gMutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void print(std::string_view text) {
  std::string line(text);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(gMutex);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace dohost::log

namespace dohost {

void failAssertion(const char* file,
                   int line,
                   const char* kind,
                   const char* condition,
                   const std::string& detail) {
  std::string message =
      std::string(file) + ":" + std::to_string(line) + ": " + kind + " failed: " + condition;
  if (!detail.empty()) message += "; " + detail;
  throw Error(message);
}

}  // namespace dohost
