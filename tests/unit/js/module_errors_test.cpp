// Isolate::start on module graphs that fail: every failure is a
// dohost::Error naming the module, never a V8 abort.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "dohost/assert.h"
#include "dohost/event_loop.h"
#include "dohost/js.h"

namespace dohost::js {
namespace {

// Modules from a map of path to source; "/main.js" is the main module.
class MapProvider final : public ModuleProvider {
 public:
  explicit MapProvider(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  ModuleSource main() override {
    return {"/main.js", files_.at("/main.js"), ""};
  }
  ModuleSource resolve(const std::string& specifier, const std::string&) override {
    // "./lib.js" -> "/lib.js"
    std::string path = specifier.substr(specifier.find('/'));
    auto it = files_.find(path);
    if (it == files_.end()) throw Error("No such module \"" + specifier + "\"");
    return {path, it->second, ""};
  }

 private:
  std::map<std::string, std::string> files_;
};

// The message start() throws for `files`, or "" when it succeeds.
std::string startError(std::map<std::string, std::string> files) {
  EventLoop loop("test");
  Isolate isolate(loop, "test");
  MapProvider provider(std::move(files));
  try {
    isolate.start(provider);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModuleErrors, SyntaxErrorInAnImportedModuleNamesItsFileLineAndColumn) {
  auto message = startError({{"/main.js", "import {x} from './lib.js'; export default {}"},
                             {"/lib.js", "// first line\nexport const x = ;"}});
  EXPECT_NE(message.find("cannot compile /lib.js:2:18: SyntaxError: Unexpected token ';'"),
            std::string::npos)
      << message;
}

TEST(ModuleErrors, JsonLoadedAsJavaScriptFailsCleanly) {
  auto message = startError({{"/main.js", "import d from './data.json'; export default d"},
                             {"/data.json", "{\"a\": 1}"}});
  EXPECT_NE(message.find("/data.json:1:5: SyntaxError"), std::string::npos) << message;
}

TEST(ModuleErrors, MissingModuleIsReportedWithoutAFakeLocation) {
  auto message = startError({{"/main.js", "import {x} from './nothere.js'; export default {}"}});
  EXPECT_EQ(message, "No such module \"./nothere.js\"");
}

TEST(ModuleErrors, TopLevelAwaitThatNeverSettlesIsAStartupError) {
  auto message = startError({{"/main.js", "await new Promise(() => {}); export default {}"}});
  EXPECT_EQ(message,
            "cannot evaluate /main.js: Uncaught Error: Top-level await in module is unsettled.");
}

TEST(ModuleErrors, TopLevelAwaitThatSettlesLoads) {
  EXPECT_EQ(startError({{"/main.js", "export const v = await Promise.resolve(7);"}}), "");
}

TEST(ModuleErrors, SyntaxErrorInTheMainModuleNamesItsLine) {
  auto message = startError({{"/main.js", "export default {\n  fetch() { return 1 +; }\n}"}});
  EXPECT_NE(message.find("/main.js:2:"), std::string::npos) << message;
}

}  // namespace
}  // namespace dohost::js
