// The alarm retry schedule: workerd's 2 s doubling per retry, with up to a quarter more at random.
#include <gtest/gtest.h>

#include "storage_host.h"

namespace dohost::actor {
namespace {

TEST(AlarmRetry, DoublesFromTwoSecondsWithAQuarterOfJitter) {
  EXPECT_EQ(StorageHost::retryDelayMs(1, 0), 2000);
  EXPECT_EQ(StorageHost::retryDelayMs(2, 0), 4000);
  EXPECT_EQ(StorageHost::retryDelayMs(6, 0), 64000);
  EXPECT_EQ(StorageHost::retryDelayMs(1, 1), 2500);
  EXPECT_EQ(StorageHost::retryDelayMs(3, 0.5), 9000);
}

TEST(AlarmRetry, StopsDoublingAfterTenSteps) {
  EXPECT_EQ(StorageHost::retryDelayMs(10, 0), 2000 << 9);
  EXPECT_EQ(StorageHost::retryDelayMs(40, 0), 2000 << 9);
}

TEST(AlarmRetry, GivesUpAfterSixRetriesAsWorkerd) {
  EXPECT_EQ(StorageHost::kMaxRetries, 6u);
}

}  // namespace
}  // namespace dohost::actor
