#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "dohost/bundle.h"

namespace dohost::bundle {
namespace {

namespace fs = std::filesystem;

class ModuleLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("dohost-bundle-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
  }

  fs::path write(const std::string& name, const std::string& code) {
    auto path = dir_ / name;
    std::ofstream(path) << code;
    return path;
  }

  fs::path dir_;
};

TEST_F(ModuleLoaderTest, BareNameTheRuntimeProvidesNeedsNoBundler) {
  auto main = write("index.js", "import { Buffer } from 'buffer';\nexport default {};\n");
  ModuleLoader loader(main, dir_ / "out", {"buffer", "events"});
  EXPECT_FALSE(loader.bundled());
  EXPECT_EQ(loader.main().code, "import { Buffer } from 'buffer';\nexport default {};\n");
}

TEST_F(ModuleLoaderTest, NodePrefixedImportsNeedNoBundler) {
  auto main = write("index.js", "import { Buffer } from 'node:buffer';\nexport default {};\n");
  ModuleLoader loader(main, dir_ / "out");
  EXPECT_FALSE(loader.bundled());
}

}  // namespace
}  // namespace dohost::bundle
