#include "compat_natives.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace dohost::server {
namespace {

config::WorkerConfig configWith(std::string date, std::vector<std::string> flags) {
  config::WorkerConfig config;
  config.compatibilityDate = std::move(date);
  config.compatibilityFlags = std::move(flags);
  return config;
}

bool hasBuffer(const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), "buffer") != names.end();
}

TEST(BareNodeModules, NodejsCompatFromSeptember2024GivesBareNames) {
  EXPECT_TRUE(hasBuffer(bareNodeModules(configWith("2024-09-23", {"nodejs_compat"}))));
  EXPECT_FALSE(hasBuffer(bareNodeModules(configWith("2024-09-22", {"nodejs_compat"}))));
}

TEST(BareNodeModules, FlagsOverrideTheDate) {
  EXPECT_TRUE(hasBuffer(bareNodeModules(configWith("2024-01-01", {"nodejs_compat_v2"}))));
  EXPECT_FALSE(hasBuffer(
      bareNodeModules(configWith("2025-01-01", {"nodejs_compat", "no_nodejs_compat_v2"}))));
}

TEST(BareNodeModules, NoneWithoutNodejsCompat) {
  EXPECT_TRUE(bareNodeModules(configWith("2025-06-01", {})).empty());
  EXPECT_TRUE(bareNodeModules(configWith("2025-06-01", {"nodejs_als"})).empty());
}

}  // namespace
}  // namespace dohost::server
