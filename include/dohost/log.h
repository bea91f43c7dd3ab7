// The one logging facade of dohost: every layer writes host logs through it,
// one line per event, as `subsystem: event key=value...`.
// Thread-safe; lines from different threads never interleave.
#pragma once

#include <string>
#include <string_view>

namespace dohost::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Lines below this level are dropped. Default kWarn; `--verbose` sets kDebug.
void setLevel(Level level);
bool enabled(Level level);

// Writes one line `subsystem: message` to stderr when `level` is enabled.
void write(Level level, std::string_view subsystem, std::string_view message);

inline void debug(std::string_view subsystem, std::string_view message) {
  if (enabled(Level::kDebug)) write(Level::kDebug, subsystem, message);
}
inline void info(std::string_view subsystem, std::string_view message) {
  if (enabled(Level::kInfo)) write(Level::kInfo, subsystem, message);
}
inline void warn(std::string_view subsystem, std::string_view message) {
  write(Level::kWarn, subsystem, message);
}
inline void error(std::string_view subsystem, std::string_view message) {
  write(Level::kError, subsystem, message);
}

// A line that is always printed, whatever the level: the banner, request
// lines and a Worker's own console output. Goes to stdout.
void print(std::string_view line);

}  // namespace dohost::log
