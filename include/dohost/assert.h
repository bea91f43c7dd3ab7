// Error macros. DOHOST_ASSERT marks a bug in this code, DOHOST_REQUIRE a bug
// in the caller; both throw dohost::Error carrying file and line. Bad input
// from users is never reported through these: it gets its own message.
#pragma once

#include <stdexcept>
#include <string>

namespace dohost {

// The exception type of dohost's own failures.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void failAssertion(
    const char* file, int line, const char* kind, const char* condition, const std::string& detail);

}  // namespace dohost

#define DOHOST_ASSERT(cond, ...)                                                                   \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      ::dohost::failAssertion(__FILE__, __LINE__, "assertion", #cond, ::std::string(__VA_ARGS__)); \
  } while (false)

#define DOHOST_REQUIRE(cond, ...)                                       \
  do {                                                                  \
    if (!(cond))                                                        \
      ::dohost::failAssertion(__FILE__, __LINE__, "requirement", #cond, \
                              ::std::string(__VA_ARGS__));              \
  } while (false)
