// Tests of the config loader: the bad configs under data/bad with their exact messages, good
// configs read into structs, and the helpers other layers call (checkExports, isSqliteClass,
// findDefaultConfig).
#include "dohost/config.h"
// (The header under test comes first, to show it is self-contained.)

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dohost::config {
namespace {

namespace fs = std::filesystem;

const fs::path kDataDir = DOHOST_TEST_DATA_DIR;

// Makes `dir` the working directory for one scope, so configs are loaded by a relative path and
// messages name them as a user's shell would, whatever the machine.
class ScopedWorkingDirectory {
 public:
  explicit ScopedWorkingDirectory(const fs::path& dir) : previous_(fs::current_path()) {
    fs::current_path(dir);
  }
  ~ScopedWorkingDirectory() {
    fs::current_path(previous_);
  }

  ScopedWorkingDirectory(const ScopedWorkingDirectory&) = delete;
  ScopedWorkingDirectory& operator=(const ScopedWorkingDirectory&) = delete;

 private:
  fs::path previous_;
};

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> messagesOf(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> messages;
  for (const Diagnostic& diagnostic : diagnostics) messages.push_back(diagnostic.message);
  return messages;
}

// The lines of an .expected file, with {dir} standing for the absolute path of its folder.
std::vector<std::string> expectedLines(const fs::path& path) {
  std::vector<std::string> lines;
  std::istringstream text(readText(path));
  std::string dir = path.parent_path().string();
  for (std::string line; std::getline(text, line);) {
    if (line.empty()) continue;
    for (std::size_t at; (at = line.find("{dir}")) != std::string::npos;) {
      line.replace(at, 5, dir);
    }
    lines.push_back(line);
  }
  return lines;
}

// The classes named by a first line `// exports: A, B`, which asks the test to run
// checkExports as if the Worker exported them; nullopt without that line.
std::optional<std::vector<std::string>> exportsDirective(const fs::path& path) {
  std::istringstream text(readText(path));
  std::string first;
  std::getline(text, first);
  const std::string kPrefix = "// exports:";
  if (first.rfind(kPrefix, 0) != 0) return std::nullopt;

  std::vector<std::string> names;
  std::istringstream list(first.substr(kPrefix.size()));
  for (std::string name; list >> name;) {
    if (name.back() == ',') name.pop_back();
    names.push_back(name);
  }
  return names;
}

LoadResult parse(const std::string& text) {
  return parseWorkerConfig(text, "/projects/chat/wrangler.jsonc");
}

// ================================================================================================
// Bad configs, as data

// Each data/bad/NAME.jsonc is loaded from its folder and must give exactly the lines of
// NAME.expected, in order. See data/README.md.
TEST(WranglerConfig, ReportsEachBadConfigWordForWord) {
  fs::path dir = kDataDir / "bad";
  std::vector<fs::path> configs;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".jsonc") configs.push_back(entry.path());
  }
  std::sort(configs.begin(), configs.end());
  ASSERT_GE(configs.size(), 20u);

  ScopedWorkingDirectory inDir(dir);
  for (const fs::path& config : configs) {
    SCOPED_TRACE(config.filename().string());
    fs::path expectedPath = fs::path(config).replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expectedPath)) << "add " << expectedPath.filename();

    LoadResult result = loadWorkerConfig(config.filename());
    std::vector<Diagnostic> diagnostics = result.diagnostics;
    if (auto exported = exportsDirective(config)) {
      std::vector<Diagnostic> more = checkExports(result.config, *exported);
      diagnostics.insert(diagnostics.end(), more.begin(), more.end());
    }

    EXPECT_EQ(messagesOf(diagnostics), expectedLines(expectedPath));
    for (const Diagnostic& diagnostic : diagnostics) {
      bool saysWarning = diagnostic.message.find(": warning: ") != std::string::npos;
      EXPECT_EQ(saysWarning, diagnostic.severity == Severity::kWarning) << diagnostic.message;
    }
  }
}

TEST(WranglerConfig, HasAnExpectedFileOnlyForEachBadConfig) {
  for (const auto& entry : fs::directory_iterator(kDataDir / "bad")) {
    if (entry.path().extension() != ".expected") continue;
    EXPECT_TRUE(fs::exists(fs::path(entry.path()).replace_extension(".jsonc")))
        << entry.path().filename() << " has no config";
  }
}

// The example of STYLE.md, section 6, comes out as written there.
TEST(WranglerConfig, RejectsBindingWithoutClassName) {
  std::string text = readText(kDataDir / "bad" / "binding_without_class_name.jsonc");
  LoadResult result = parseWorkerConfig(text, "wrangler.jsonc");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{"wrangler.jsonc:14:7: durable_objects.bindings[0]: "
                                     "\"class_name\" is missing; name the class"});
}

TEST(WranglerConfig, RejectsMissingMain) {
  LoadResult result = parseWorkerConfig("{}", "wrangler.jsonc");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{"wrangler.jsonc: \"main\" is missing; set it to the "
                                     "Worker's entry module, e.g. \"src/index.ts\""});
}

TEST(WranglerConfig, ReportsAFileThatCannotBeRead) {
  ScopedWorkingDirectory inDir(kDataDir);
  LoadResult result = loadWorkerConfig("no-such-dir/wrangler.jsonc");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{
                "no-such-dir/wrangler.jsonc: cannot read the config: No such file or directory"});

  result = loadWorkerConfig("bad");
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{"bad: cannot read the config: it is a folder; pass the "
                                     "path of its wrangler.jsonc or wrangler.json"});
}

TEST(WranglerConfig, CountsColumnsInCharactersNotBytes) {
  LoadResult result =
      parseWorkerConfig("{ \"main\": \"x.ts\", \"vars\": { \"Ä\": \"ö\" x } }", "wrangler.jsonc");
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{
                "wrangler.jsonc:1:38: syntax error: invalid literal; expected ',' or '}'"});
}

TEST(WranglerConfig, RejectsValuesNestedTooDeeply) {
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  LoadResult result = parse("{ \"main\": \"a.js\",\n  \"vars\": { \"X\": " + deep + " } }");
  EXPECT_EQ(
      messagesOf(result.diagnostics),
      std::vector<std::string>{"/projects/chat/wrangler.jsonc:2:116: values nest more than "
                               "100 levels deep here; dohost reads configs up to that depth"});
}

TEST(WranglerConfig, PointsAtTheKeyAfterACommentBlock) {
  LoadResult result = parse("/* a\n   long\n   comment */ {\n\t\"main\": 3 }");
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{"/projects/chat/wrangler.jsonc:4:2: \"main\" must be a "
                                     "string, the path of the Worker's entry module, e.g. "
                                     "\"src/index.ts\""});
}

// ================================================================================================
// Good configs

TEST(WranglerConfig, LoadsHelloWorldStarterWithOnlyTheObservabilityWarning) {
  ScopedWorkingDirectory inDir(kDataDir / "good" / "hello-world");
  LoadResult result = loadWorkerConfig("wrangler.json");

  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].severity, Severity::kWarning);
  EXPECT_EQ(result.diagnostics[0].message,
            "wrangler.json: warning: ignoring key dohost does not support: \"observability\"");

  const WorkerConfig& config = result.config;
  EXPECT_EQ(config.name, "hello-world-do");
  EXPECT_EQ(config.main, kDataDir / "good" / "hello-world" / "src" / "index.ts");
  EXPECT_EQ(config.compatibilityDate, "2025-04-01");
  ASSERT_EQ(config.durableObjects.size(), 1u);
  EXPECT_EQ(config.durableObjects[0].name, "MY_DURABLE_OBJECT");
  EXPECT_EQ(config.durableObjects[0].className, "MyDurableObject");
  EXPECT_EQ(config.durableObjects[0].scriptName, "");
  EXPECT_TRUE(isSqliteClass(config, "MyDurableObject"));
  EXPECT_TRUE(checkExports(config, {"MyDurableObject"}).empty());
}

TEST(WranglerConfig, ReadsEveryKeyWithCommentsAndTrailingCommas) {
  ScopedWorkingDirectory inDir(kDataDir / "good");
  LoadResult result = loadWorkerConfig("full/wrangler.jsonc");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.diagnostics.empty()) << result.diagnostics[0].message;

  const WorkerConfig& config = result.config;
  EXPECT_EQ(config.configPath, kDataDir / "good" / "full" / "wrangler.jsonc");
  EXPECT_EQ(config.displayPath, "full/wrangler.jsonc");
  EXPECT_EQ(config.name, "chat");
  EXPECT_EQ(config.main, kDataDir / "good" / "full" / "src" / "index.ts");
  EXPECT_EQ(config.mainAsWritten, "./src/../src/index.ts");
  EXPECT_EQ(config.compatibilityDate, "2025-01-01");
  EXPECT_EQ(config.compatibilityFlags,
            (std::vector<std::string>{"nodejs_compat", "global_fetch_strictly_public"}));

  std::map<std::string, std::string> vars = {
      {"GREETING", R"("hello, \"world\" // not a comment, /* nor this */,")"},
      {"MAX_ROOMS", "10"},
      {"DEBUG", "false"},
      {"LIMITS", R"({"burst":5,"names":["a","b"]})"},
      {"NOTHING", "null"}};
  EXPECT_EQ(config.vars, vars);

  ASSERT_EQ(config.durableObjects.size(), 3u);
  EXPECT_EQ(config.durableObjects[0].name, "ROOM");
  EXPECT_EQ(config.durableObjects[0].className, "Room");
  EXPECT_EQ(config.durableObjects[0].where,
            "full/wrangler.jsonc:18:25: durable_objects.bindings[0]");
  EXPECT_EQ(config.durableObjects[2].scriptName, "audit-worker");

  ASSERT_EQ(config.services.size(), 2u);
  EXPECT_EQ(config.services[0].binding, "AUTH");
  EXPECT_EQ(config.services[0].service, "auth-worker");
  EXPECT_EQ(config.services[0].entrypoint, "");
  EXPECT_EQ(config.services[1].entrypoint, "Invoices");
  EXPECT_EQ(config.services[1].where, "full/wrangler.jsonc:31:5: services[1]");

  ASSERT_EQ(config.migrations.size(), 3u);
  EXPECT_EQ(config.migrations[0].tag, "v1");
  EXPECT_EQ(config.migrations[0].newSqliteClasses, (std::vector<std::string>{"Room", "Hall"}));
  EXPECT_EQ(config.migrations[0].newClasses, std::vector<std::string>{"Legacy"});
  ASSERT_EQ(config.migrations[1].renamedClasses.size(), 1u);
  EXPECT_EQ(config.migrations[1].renamedClasses[0],
            (std::pair<std::string, std::string>{"Hall", "Lobby"}));
  EXPECT_EQ(config.migrations[2].deletedClasses, std::vector<std::string>{"Legacy"});

  // AuditLog belongs to audit-worker, so this Worker need not export it.
  EXPECT_TRUE(checkExports(config, {"Room", "Lobby"}).empty());
}

TEST(WranglerConfig, DefaultsNameToTheConfigFolder) {
  LoadResult result = parse(R"({ "main": "src/index.ts" })");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.name, "chat");
}

TEST(WranglerConfig, ResolvesMainAgainstTheConfigFolderNotTheWorkingDirectory) {
  LoadResult result = parse(R"({ "main": "../shared/./worker.js" })");
  EXPECT_EQ(result.config.main, fs::path("/projects/shared/worker.js"));

  result = parseWorkerConfig(R"({ "main": "src/index.ts" })", "sub/wrangler.json");
  EXPECT_EQ(result.config.main, fs::current_path() / "sub" / "src" / "index.ts");
  EXPECT_EQ(result.config.configPath, fs::current_path() / "sub" / "wrangler.json");

  result = parse(R"({ "main": "/opt/worker/index.js" })");
  EXPECT_EQ(result.config.main, fs::path("/opt/worker/index.js"));
}

TEST(WranglerConfig, AcceptsSchemaSilently) {
  LoadResult result = parse(R"({ "$schema": 5, "main": "a.js" })");
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.diagnostics.empty());
}

TEST(WranglerConfig, KeepsCommasInsideStringsAndComments) {
  LoadResult result =
      parse("{ \"main\": \"a,]\", // x,}\n \"vars\": { \"A\": \",}\" /* ,] */, }, }");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.mainAsWritten, "a,]");
  EXPECT_EQ(result.config.vars.at("A"), "\",}\"");
}

TEST(WranglerConfig, ListsEveryIgnoredKeyInOneWarning) {
  LoadResult result = parse(R"({ "main": "a.js", "placement": {}, "routes": [], "mian": 1 })");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(messagesOf(result.diagnostics),
            std::vector<std::string>{
                "/projects/chat/wrangler.jsonc: warning: ignoring keys dohost does not support: "
                "\"placement\", \"routes\", \"mian\" (did you mean \"main\"?)"});
}

// ================================================================================================
// Helpers for other layers

TEST(WranglerConfig, FollowsRenamesToFindSqliteClasses) {
  LoadResult result = parse(R"({
    "main": "a.js",
    "migrations": [
      { "tag": "v1", "new_sqlite_classes": ["Room"], "new_classes": ["Cache"] },
      { "tag": "v2", "renamed_classes": [{ "from": "Room", "to": "Hall" }] },
      { "tag": "v3", "renamed_classes": [{ "from": "Hall", "to": "Lobby" }] },
      { "tag": "v4", "new_sqlite_classes": ["Temp"] },
      { "tag": "v5", "deleted_classes": ["Temp"] }
    ]
  })");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(isSqliteClass(result.config, "Lobby"));
  EXPECT_FALSE(isSqliteClass(result.config, "Room"));
  EXPECT_FALSE(isSqliteClass(result.config, "Hall"));
  EXPECT_FALSE(isSqliteClass(result.config, "Cache"));  // key-value backed
  EXPECT_FALSE(isSqliteClass(result.config, "Temp"));   // deleted
  EXPECT_FALSE(isSqliteClass(result.config, "Nobody"));
}

TEST(WranglerConfig, ChecksExportsOfConfigsBuiltByHand) {
  WorkerConfig config;
  config.configPath = "/w/wrangler.json";
  config.main = "/w/src/index.js";
  config.durableObjects.push_back(DurableObjectBinding{"ROOM", "Room", "", ""});
  config.migrations.push_back(Migration{"v1", {}, {}, {}, {}});

  EXPECT_EQ(messagesOf(checkExports(config, {})),
            (std::vector<std::string>{
                "wrangler.json: durable_objects.bindings[0]: class \"Room\" is not exported by "
                "/w/src/index.js; export it, or set \"script_name\" to the Worker that defines it",
                "wrangler.json: durable_objects.bindings[0]: class \"Room\" has no migration; add "
                "{ \"tag\": \"v2\", \"new_sqlite_classes\": [\"Room\"] } to \"migrations\""}));
}

TEST(WranglerConfig, SaysWhenABoundClassIsExportedButIsNotAClass) {
  WorkerConfig config;
  config.configPath = "/w/wrangler.json";
  config.main = "/w/src/index.js";
  config.durableObjects.push_back(DurableObjectBinding{"ROOM", "Room", "", ""});
  config.migrations.push_back(Migration{"v1", {"Room"}, {}, {}, {}});

  EXPECT_EQ(messagesOf(checkExports(config, {}, {{"Room", "object"}})),
            (std::vector<std::string>{
                "wrangler.json: durable_objects.bindings[0]: \"Room\" is exported by "
                "/w/src/index.js as object, not a class; export the Durable Object class itself, "
                "e.g. export class Room extends DurableObject { ... }"}));
}

// wrangler prefers wrangler.json when a folder has both.
TEST(WranglerConfig, FindsJsonBeforeJsoncAsWranglerDoes) {
  EXPECT_EQ(findDefaultConfig(kDataDir / "find" / "both"),
            kDataDir / "find" / "both" / "wrangler.json");
  EXPECT_EQ(configInFolder(kDataDir / "find" / "both"),
            kDataDir / "find" / "both" / "wrangler.json");
  EXPECT_EQ(findDefaultConfig(kDataDir / "find" / "json-only"),
            kDataDir / "find" / "json-only" / "wrangler.json");
}

TEST(WranglerConfig, FindsTheConfigOfAParentFolder) {
  EXPECT_EQ(findDefaultConfig(kDataDir / "find" / "nested" / "src" / "deeper"),
            (kDataDir / "find" / "nested" / "wrangler.jsonc").lexically_normal());
  // A folder given on the command line must hold the config itself.
  EXPECT_EQ(configInFolder(kDataDir / "find" / "nested" / "src"), std::nullopt);
  EXPECT_EQ(findUpwards(kDataDir / "find" / "toml-only", "wrangler.toml"),
            (kDataDir / "find" / "toml-only" / "wrangler.toml").lexically_normal());
}

TEST(WranglerConfig, RefusesScriptsAndTomlAsConfigsWithAHint) {
  EXPECT_EQ(messagesOf(loadWorkerConfig("src/index.ts").diagnostics),
            std::vector<std::string>{
                "src/index.ts: cannot read the config: this is a script, not a config; pass the "
                "Worker's wrangler.jsonc or wrangler.json, whose \"main\" names the entry module"});
  EXPECT_EQ(
      messagesOf(loadWorkerConfig(kDataDir / "find" / "toml-only" / "wrangler.toml").diagnostics)
          .at(0)
          .substr((kDataDir / "find" / "toml-only" / "wrangler.toml").string().size()),
      ": cannot read the config: TOML configs are not read by dohost; write the same "
      "settings as JSON in wrangler.jsonc (comments and trailing commas are fine) and pass "
      "that");
}

TEST(WranglerConfig, DoesNotFindTomlConfigs) {
  EXPECT_EQ(findDefaultConfig(kDataDir / "find" / "toml-only"), std::nullopt);
  EXPECT_EQ(findDefaultConfig(kDataDir / "no-such-dir"), std::nullopt);
}

}  // namespace
}  // namespace dohost::config
