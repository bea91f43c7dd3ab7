// Reads wrangler.json / wrangler.jsonc into a WorkerConfig, collecting every problem as a
// message of the form `FILE:LINE:COL: where: what; how to fix` instead of stopping at the first.
#include "dohost/config.h"
// (The header this file implements comes first, to show it is self-contained.)

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "compat_flags.h"
#include "dev_vars.h"
#include "jsonc.h"
#include "migrations.h"
#include "names.h"

namespace dohost::config {
namespace {

namespace fs = std::filesystem;

// ordered_json keeps members in file order, so "in file order" comes for free where it matters.
using Json = nlohmann::ordered_json;
using Keys = std::vector<std::string_view>;

constexpr std::string_view kConfigExample = R"({ "name": "my-worker", "main": "src/index.ts" })";
constexpr std::string_view kBindingExample = R"({ "name": "MY_OBJECT", "class_name": "MyObject" })";
constexpr std::string_view kServiceExample = R"({ "binding": "AUTH", "service": "auth-worker" })";
constexpr std::string_view kMigrationExample =
    R"({ "tag": "v1", "new_sqlite_classes": ["MyObject"] })";

// The keys of each object that dohost reads, and those wrangler knows but dohost ignores. Keys in
// neither list are unknown; both kinds are named in the one "ignoring keys" warning, and only
// unknown ones get a "did you mean" from the union of both lists.
struct KeySet {
  Keys read;
  Keys ignored;
};

// "$schema" is read: editors use it, and it changes nothing at run time. (clang-format would put
// each key on a line of its own.)
// clang-format off
const KeySet kTopLevelKeys = {
    {"$schema", "name", "main", "compatibility_date", "compatibility_flags", "vars",
     "durable_objects", "migrations", "services", "rules"},
    {"account_id", "ai", "alias", "analytics_engine_datasets", "assets", "base_dir", "browser",
     "build", "cloudchamber", "compliance_region", "containers", "d1_databases", "data_blobs",
     "define", "dev", "dispatch_namespaces", "env", "find_additional_modules",
     "first_party_worker", "hyperdrive", "images", "jsx_factory", "jsx_fragment", "keep_names",
     "keep_vars", "kv_namespaces", "legacy_env", "limits", "logfwdr", "logpush", "minify",
     "mtls_certificates", "no_bundle", "node_compat", "observability", "pages_build_output_dir",
     "pipelines", "placement", "preserve_file_names", "preview_urls", "python_modules", "queues",
     "r2_buckets", "ratelimits", "route", "routes", "secrets_store_secrets",
     "send_email", "send_metrics", "site", "streaming_tail_consumers", "tail_consumers",
     "text_blobs", "triggers", "tsconfig", "unsafe", "upload_source_maps", "usage_model",
     "vectorize", "version_metadata", "wasm_modules", "workers_dev", "workflows", "zone_id"}};
// clang-format on
const KeySet kDurableObjectsKeys = {{"bindings"}, {}};
// "environment" picks the script_name Worker's wrangler environment, which dohost does not have.
const KeySet kBindingKeys = {{"name", "class_name", "script_name"}, {"environment"}};
const KeySet kServiceKeys = {{"binding", "service", "entrypoint"}, {"environment", "props"}};
const KeySet kMigrationKeys = {
    {"tag", "new_sqlite_classes", "new_classes", "renamed_classes", "deleted_classes"},
    {"transferred_classes"}};
const KeySet kRenameKeys = {{"from", "to"}, {}};

bool contains(const Keys& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string inQuotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// "an array", "a number"...: the type of a JSON value as a message names it.
std::string describeType(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

// Whether `date` is YYYY-MM-DD with a plausible month and day; the calendar is the runtime's
// business, but a typo such as "2024-13-01" or "01-02-2024" is caught here.
bool isCompatibilityDate(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return false;
  }
  int month = std::stoi(date.substr(5, 2));
  int day = std::stoi(date.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// Today's date in UTC as YYYY-MM-DD, the form compatibility dates take.
std::string todayUtc() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

// nlohmann/json's parse error without its prefix and its echo of the input:
// "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing
// object - unexpected string literal; expected '}'" becomes "unexpected string literal; expected
// ',' or '}'". `fromLexer` says whether the error is about one bad character (the lexer's), as
// opposed to a whole unexpected token.
std::string describeParseError(std::string message, bool& fromLexer) {
  std::size_t start = message.find("parse error");
  start = start == std::string::npos ? 0 : message.find(": ", start);
  if (start != std::string::npos) message.erase(0, start + 2);

  std::string context;
  constexpr std::string_view kSyntax = "syntax error while parsing ";
  if (message.rfind(kSyntax, 0) == 0) {
    std::size_t dash = message.find(" - ", kSyntax.size());
    if (dash != std::string::npos) {
      context = message.substr(kSyntax.size(), dash - kSyntax.size());
      message.erase(0, dash + 3);
    }
  }

  // The echo of what was read only repeats the text the line:column already points at.
  std::size_t lastRead = message.find("; last read: '");
  fromLexer = lastRead != std::string::npos;
  if (fromLexer) {
    std::size_t expected = message.rfind("'; expected ");
    std::size_t end =
        expected != std::string::npos && expected > lastRead ? expected + 1 : message.size();
    message.erase(lastRead, end - lastRead);
  }

  // After a value nlohmann/json names only the closing bracket, but a missing comma is the more
  // common mistake.
  if (context == "object") {
    std::size_t at = message.find("expected '}'");
    if (at != std::string::npos) message.replace(at, 12, "expected ',' or '}'");
  } else if (context == "array") {
    std::size_t at = message.find("expected ']'");
    if (at != std::string::npos) message.replace(at, 12, "expected ',' or ']'");
  }
  return message;
}

// A finding, with the offset it is sorted by; findings about the whole file have none.
struct Finding {
  Severity severity;
  std::optional<std::size_t> offset;
  std::string message;
};

// A key that is not read, for the one warning naming them all.
struct IgnoredKey {
  std::string path;
  std::size_t offset = 0;
  std::optional<std::string> suggestion;
};

// A name taken in env, for the duplicate check across vars, durable_objects and services.
struct BindingName {
  std::string name;
  std::string owner;  // "durable_objects.bindings[0]", "services[1]", "vars.API_HOST"
  std::size_t offset = 0;
};

// ================================================================================================
// ConfigReader: one file's text in, one LoadResult out.

class ConfigReader {
 public:
  ConfigReader(const std::string& text, const fs::path& path)
      : text_(stripTrailingCommas(text)), lines_(text_) {
    config_.displayPath = path.string();
    std::error_code error;
    fs::path absolute = fs::absolute(path, error);
    config_.configPath = (error ? path : absolute).lexically_normal();
  }

  // Parses and checks the text; every problem becomes a finding.
  void read();

  // Checks that "main" names an existing file; needs read() first.
  void checkMainFile();

  LoadResult finish();

 private:
  // ---- Reporting ----

  // `FILE:LINE:COL` for `offset`, or `FILE` without one.
  std::string locate(std::optional<std::size_t> offset) const;

  // Adds `FILE:LINE:COL: [warning: ][SCOPE: ]TEXT`.
  void add(Severity severity,
           std::optional<std::size_t> offset,
           const std::string& scope,
           const std::string& text);

  void error(std::optional<std::size_t> offset, const std::string& scope, const std::string& text) {
    add(Severity::kError, offset, scope, text);
  }

  // An error about member `key` of the object at `scope`, at the key.
  void errorAtKey(const std::string& scope, std::string_view key, const std::string& text) {
    error(positions_.keyOffset(memberPath(scope, std::string(key))), scope, text);
  }

  // ---- Readers for the pieces every section shares ----

  // Records the keys of `object` that are not read, for the warning.
  void noteIgnoredKeys(const Json& object, const std::string& scope, const KeySet& keys);

  // Member `key` as a string: nullopt, after reporting `"key" <typeError>`, when it is not one,
  // and nullopt silently when it is absent.
  std::optional<std::string> readString(const Json& object,
                                        const std::string& scope,
                                        std::string_view key,
                                        const std::string& typeError = "must be a string");

  // A string member that must be present and not empty; reports `"key" is missing; FIX` at the
  // start of the object otherwise. Returns "" when it is missing or wrong.
  std::string readRequired(const Json& object,
                           const std::string& scope,
                           std::string_view key,
                           const std::string& fix);

  // Member `key` as an array of strings; reports `"key" must be an array of strings`. Elements
  // that are not strings become "" placeholders, so indexes still match the file.
  std::vector<std::string> readStringArray(const Json& object,
                                           const std::string& scope,
                                           std::string_view key);

  // Member `key` as an array of objects: returns nullptr, after reporting `"key" TYPEERROR`, when
  // it is something else, and nullptr silently when it is absent.
  const Json* readArray(const Json& object,
                        const std::string& scope,
                        std::string_view key,
                        const std::string& typeError);

  // ---- The sections of a config ----

  void readTopLevel(const Json& document);
  void readName(const Json& document);
  void readMain(const Json& document);
  void readCompatibility(const Json& document);
  void readVars(const Json& document);
  void readRules(const Json& document);
  void readDurableObjects(const Json& document);
  DurableObjectBinding readDurableObjectBinding(const Json& entry, const std::string& path);
  void readServices(const Json& document);
  ServiceBinding readService(const Json& entry, const std::string& path);
  void readMigrations(const Json& document);
  Migration readMigration(const Json& entry, const std::string& path, std::size_t index);
  void readRenames(const Json& entry, const std::string& path, Migration& migration);

  // ---- Checks across sections ----

  void checkBindingName(const std::string& path, const std::string& name);
  void checkDuplicateBindings();
  void checkDuplicateTags();
  void checkMigrationConflicts();
  void reportDuplicateKeys();
  void reportIgnoredKeys();

  std::string text_;  // the file's text with trailing commas stripped
  LineMap lines_;
  PositionIndex positions_;
  WorkerConfig config_;
  bool mainRead_ = false;
  std::vector<Finding> findings_;
  std::vector<IgnoredKey> ignoredKeys_;
  std::vector<BindingName> bindingNames_;
};

// ---- Reporting ----------------------------------------------------------------------------------

std::string ConfigReader::locate(std::optional<std::size_t> offset) const {
  if (!offset) return config_.displayPath;
  TextPosition position = lines_.at(*offset);
  return config_.displayPath + ":" + std::to_string(position.line) + ":" +
         std::to_string(position.column);
}

void ConfigReader::add(Severity severity,
                       std::optional<std::size_t> offset,
                       const std::string& scope,
                       const std::string& text) {
  std::string message = locate(offset) + ": ";
  if (severity == Severity::kWarning) message += "warning: ";
  if (!scope.empty()) message += scope + ": ";
  findings_.push_back(Finding{severity, offset, message + text});
}

// ---- Shared readers -----------------------------------------------------------------------------

void ConfigReader::noteIgnoredKeys(const Json& object,
                                   const std::string& scope,
                                   const KeySet& keys) {
  for (const auto& [key, value] : object.items()) {
    if (contains(keys.read, key)) continue;
    std::string path = memberPath(scope, key);
    IgnoredKey ignored{path, positions_.keyOffset(path).value_or(0), std::nullopt};
    if (!contains(keys.ignored, key)) {
      Keys known = keys.read;
      known.insert(known.end(), keys.ignored.begin(), keys.ignored.end());
      ignored.suggestion = closestMatch(key, known);
    }
    ignoredKeys_.push_back(std::move(ignored));
  }
}

std::optional<std::string> ConfigReader::readString(const Json& object,
                                                    const std::string& scope,
                                                    std::string_view key,
                                                    const std::string& typeError) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (!it->is_string()) {
    errorAtKey(scope, key, inQuotes(key) + " " + typeError);
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string ConfigReader::readRequired(const Json& object,
                                       const std::string& scope,
                                       std::string_view key,
                                       const std::string& fix) {
  if (!object.contains(key)) {
    error(positions_.valueOffset(scope), scope, inQuotes(key) + " is missing; " + fix);
    return "";
  }
  std::optional<std::string> value = readString(object, scope, key);
  if (value && value->empty()) errorAtKey(scope, key, inQuotes(key) + " is empty; " + fix);
  return value.value_or("");
}

std::vector<std::string> ConfigReader::readStringArray(const Json& object,
                                                       const std::string& scope,
                                                       std::string_view key) {
  std::vector<std::string> strings;
  auto it = object.find(key);
  if (it == object.end()) return strings;

  bool allStrings = it->is_array();
  if (it->is_array()) {
    for (const Json& element : *it) {
      allStrings = allStrings && element.is_string();
      strings.push_back(element.is_string() ? element.get<std::string>() : "");
    }
  }
  if (!allStrings) errorAtKey(scope, key, inQuotes(key) + " must be an array of strings");
  return strings;
}

const Json* ConfigReader::readArray(const Json& object,
                                    const std::string& scope,
                                    std::string_view key,
                                    const std::string& typeError) {
  auto it = object.find(key);
  if (it == object.end()) return nullptr;
  if (!it->is_array()) {
    errorAtKey(scope, key, inQuotes(key) + " " + typeError);
    return nullptr;
  }
  return &*it;
}

// ---- Top level ----------------------------------------------------------------------------------

void ConfigReader::read() {
  if (isBlank(text_)) {
    error(std::nullopt, "",
          "the file has no settings; a config is one JSON object, e.g. " +
              std::string(kConfigExample));
    return;
  }

  // Far deeper than any config, and far below where nlohmann/json would overflow the stack.
  constexpr int kMaxDepth = 100;
  if (std::optional<std::size_t> deep = findDeepNesting(text_, kMaxDepth)) {
    error(*deep, "",
          "values nest more than " + std::to_string(kMaxDepth) +
              " levels deep here; dohost reads configs up to that depth");
    return;
  }

  Json document;
  try {
    document = Json::parse(text_, nullptr, true, true);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann/json counts the bytes read, so the byte at fault is the one before that count.
    bool fromLexer = false;
    std::string what = describeParseError(e.what(), fromLexer);
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    if (!fromLexer) offset = tokenStartAt(text_, offset);
    std::optional<std::size_t> comment = findUnclosedComment(text_);
    if (comment && *comment <= offset) {
      error(*comment, "", "syntax error: this comment is not closed; end it with */");
      return;
    }
    error(offset, "", "syntax error: " + what);
    return;
  }

  positions_ = PositionIndex::scan(text_);
  if (!document.is_object()) {
    error(positions_.valueOffset(""), "",
          "the config is " + describeType(document) + "; it must be one JSON object, e.g. " +
              std::string(kConfigExample));
    return;
  }
  readTopLevel(document);
}

void ConfigReader::readTopLevel(const Json& document) {
  noteIgnoredKeys(document, "", kTopLevelKeys);
  readName(document);
  readMain(document);
  readCompatibility(document);
  readVars(document);
  readRules(document);
  readDurableObjects(document);
  readMigrations(document);
  readServices(document);

  checkDuplicateBindings();
  checkDuplicateTags();
  checkMigrationConflicts();
  reportDuplicateKeys();
}

void ConfigReader::readName(const Json& document) {
  std::optional<std::string> name =
      readString(document, "", "name", "must be a string, e.g. \"my-worker\"");
  if (name && name->empty()) {
    errorAtKey("", "name",
               "\"name\" is empty; name the Worker, or remove \"name\" to use the folder's name");
  }
  // wrangler's rule; it also keeps the name safe to use as a folder of the state.
  static const std::regex kValidName("^[a-z0-9_][a-z0-9_-]*$");
  if (name && !name->empty() && !std::regex_match(*name, kValidName)) {
    errorAtKey("", "name",
               "Expected \"name\" to be of type string, alphanumeric and lowercase with dashes "
               "only but got " +
                   nlohmann::json(*name).dump() + ".");
  }
  if (name) {
    config_.name = *name;
    return;
  }

  // wrangler requires a name to deploy; locally the folder's name is as good as any.
  config_.name = config_.configPath.parent_path().filename().string();
  if (config_.name.empty()) config_.name = "worker";
}

void ConfigReader::readMain(const Json& document) {
  constexpr std::string_view kFix = "set it to the Worker's entry module, e.g. \"src/index.ts\"";
  auto it = document.find("main");
  if (it == document.end()) {
    error(std::nullopt, "", "\"main\" is missing; " + std::string(kFix));
    return;
  }
  if (!it->is_string()) {
    errorAtKey("", "main",
               "\"main\" must be a string, the path of the Worker's entry module, e.g. "
               "\"src/index.ts\"");
    return;
  }
  config_.mainAsWritten = it->get<std::string>();
  if (config_.mainAsWritten.empty()) {
    errorAtKey("", "main", "\"main\" is empty; " + std::string(kFix));
    return;
  }

  // wrangler resolves "main" against the config's folder, not the working directory.
  fs::path main(config_.mainAsWritten);
  if (main.is_relative()) main = config_.configPath.parent_path() / main;
  config_.main = main.lexically_normal();
  mainRead_ = true;
}

void ConfigReader::readCompatibility(const Json& document) {
  auto date = document.find("compatibility_date");
  if (date != document.end()) {
    if (date->is_string() && isCompatibilityDate(date->get<std::string>())) {
      config_.compatibilityDate = date->get<std::string>();
    } else {
      errorAtKey("", "compatibility_date",
                 "\"compatibility_date\" must be a date in the form YYYY-MM-DD, e.g. "
                 "\"2025-01-01\"");
    }
  }
  // As wrangler dev refuses a date after today (miniflare's check) and workerd an unknown flag.
  if (!config_.compatibilityDate.empty() && config_.compatibilityDate > todayUtc()) {
    errorAtKey("", "compatibility_date",
               "Compatibility date \"" + config_.compatibilityDate +
                   "\" is in the future and unsupported; use today's date or an earlier one");
  }
  config_.compatibilityFlags = readStringArray(document, "", "compatibility_flags");
  auto known = knownCompatibilityFlags();
  for (std::size_t i = 0; i < config_.compatibilityFlags.size(); ++i) {
    const auto& flag = config_.compatibilityFlags[i];
    if (flag.empty() || isKnownCompatibilityFlag(flag)) continue;
    std::string path = elementPath("compatibility_flags", i);
    std::string message = "No such compatibility flag: " + flag;
    if (auto suggestion = closestMatch(flag, known)) {
      message += " (did you mean \"" + *suggestion + "\"?)";
    }
    error(positions_.valueOffset(path), "", message);
  }
}

void ConfigReader::readRules(const Json& document) {
  auto rules = document.find("rules");
  if (rules == document.end()) return;
  if (!rules->is_array()) {
    errorAtKey("", "rules",
               "\"rules\" must be an array of module rules, e.g. [{ \"type\": \"Text\", "
               "\"globs\": [\"**/*.md\"] }]");
    return;
  }
  // dohost honours the common form, a Text, Data or CompiledWasm rule for "**/*.EXT" globs; it
  // says which rules it leaves out rather than guessing.
  static const std::regex kExtensionGlob(R"(^(\*\*/)?\*(\.[A-Za-z0-9_-]+)$)");
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const Json& rule = (*rules)[i];
    std::string path = elementPath("rules", i);
    std::string type = rule.is_object() ? rule.value("type", "") : "";
    bool supported = type == "Text" || type == "Data" || type == "CompiledWasm";
    std::vector<std::string> extensions;
    if (supported && rule.contains("globs") && rule["globs"].is_array()) {
      for (const Json& glob : rule["globs"]) {
        std::smatch match;
        std::string text = glob.is_string() ? glob.get<std::string>() : "";
        if (!std::regex_match(text, match, kExtensionGlob)) {
          supported = false;
          break;
        }
        extensions.push_back(match[2].str());
      }
    } else {
      supported = false;
    }
    if (!supported) {
      add(Severity::kWarning, positions_.valueOffset(path), path,
          "this module rule is not supported by dohost and is ignored; dohost reads Text, Data and "
          "CompiledWasm rules whose globs are all of the form \"**/*.ext\"");
      continue;
    }
    for (auto& ext : extensions) {
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      config_.moduleRules.emplace(ext, type);  // an earlier rule wins, as in wrangler
    }
  }
}

void ConfigReader::readVars(const Json& document) {
  auto vars = document.find("vars");
  if (vars == document.end()) return;
  if (!vars->is_object()) {
    errorAtKey("", "vars",
               "\"vars\" must be an object of names and values, e.g. { \"API_HOST\": "
               "\"example.com\" }");
    return;
  }

  // Any JSON value is allowed, as in wrangler; it reaches the Worker parsed.
  for (const auto& [name, value] : vars->items()) {
    config_.vars[name] = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::string path = memberPath("vars", name);
    bindingNames_.push_back(BindingName{name, path, positions_.keyOffset(path).value_or(0)});
  }
}

// ---- Durable Objects ----------------------------------------------------------------------------

void ConfigReader::readDurableObjects(const Json& document) {
  auto section = document.find("durable_objects");
  if (section == document.end()) return;
  if (!section->is_object()) {
    errorAtKey("", "durable_objects",
               "\"durable_objects\" must be an object, e.g. { \"bindings\": [" +
                   std::string(kBindingExample) + "] }");
    return;
  }
  noteIgnoredKeys(*section, "durable_objects", kDurableObjectsKeys);

  const Json* bindings = readArray(*section, "durable_objects", "bindings",
                                   "must be an array, e.g. [" + std::string(kBindingExample) + "]");
  if (!bindings) return;
  for (std::size_t i = 0; i < bindings->size(); ++i) {
    std::string path = elementPath("durable_objects.bindings", i);
    config_.durableObjects.push_back(readDurableObjectBinding((*bindings)[i], path));
  }
}

DurableObjectBinding ConfigReader::readDurableObjectBinding(const Json& entry,
                                                            const std::string& path) {
  DurableObjectBinding binding;
  std::optional<std::size_t> classOffset = positions_.keyOffset(memberPath(path, "class_name"));
  binding.where = locate(classOffset ? classOffset : positions_.valueOffset(path)) + ": " + path;
  if (!entry.is_object()) {
    error(positions_.valueOffset(path), path,
          "a binding must be an object, e.g. " + std::string(kBindingExample));
    return binding;
  }
  noteIgnoredKeys(entry, path, kBindingKeys);

  binding.className = readRequired(entry, path, "class_name", "name the class");
  std::string example = binding.className.empty() ? "MY_OBJECT" : toConstantCase(binding.className);
  binding.name = readRequired(entry, path, "name", "name the binding, e.g. " + inQuotes(example));
  binding.scriptName = readString(entry, path, "script_name").value_or("");
  checkBindingName(path, binding.name);
  return binding;
}

// ---- Services -----------------------------------------------------------------------------------

void ConfigReader::readServices(const Json& document) {
  const Json* services = readArray(document, "", "services",
                                   "must be an array, e.g. [" + std::string(kServiceExample) + "]");
  if (!services) return;
  for (std::size_t i = 0; i < services->size(); ++i) {
    config_.services.push_back(readService((*services)[i], elementPath("services", i)));
  }
}

ServiceBinding ConfigReader::readService(const Json& entry, const std::string& path) {
  ServiceBinding service;
  service.where = locate(positions_.valueOffset(path)) + ": " + path;
  if (!entry.is_object()) {
    error(positions_.valueOffset(path), path,
          "a service binding must be an object, e.g. " + std::string(kServiceExample));
    return service;
  }
  noteIgnoredKeys(entry, path, kServiceKeys);

  service.service = readRequired(entry, path, "service", "name the Worker to bind to");
  std::string example = service.service.empty() ? "MY_SERVICE" : toConstantCase(service.service);
  service.binding =
      readRequired(entry, path, "binding", "name the binding, e.g. " + inQuotes(example));
  service.entrypoint = readString(entry, path, "entrypoint").value_or("");
  checkBindingName(path, service.binding);
  return service;
}

// ---- Migrations ---------------------------------------------------------------------------------

void ConfigReader::readMigrations(const Json& document) {
  const Json* migrations =
      readArray(document, "", "migrations",
                "must be an array, e.g. [" + std::string(kMigrationExample) + "]");
  if (!migrations) return;
  for (std::size_t i = 0; i < migrations->size(); ++i) {
    config_.migrations.push_back(readMigration((*migrations)[i], elementPath("migrations", i), i));
  }
}

Migration ConfigReader::readMigration(const Json& entry,
                                      const std::string& path,
                                      std::size_t index) {
  Migration migration;
  if (!entry.is_object()) {
    error(positions_.valueOffset(path), path,
          "a migration must be an object, e.g. " + std::string(kMigrationExample));
    return migration;
  }
  noteIgnoredKeys(entry, path, kMigrationKeys);

  std::string example = inQuotes("v" + std::to_string(index + 1));
  migration.tag =
      readRequired(entry, path, "tag", "give each migration a unique tag, e.g. " + example);
  migration.newSqliteClasses = readStringArray(entry, path, "new_sqlite_classes");
  migration.newClasses = readStringArray(entry, path, "new_classes");
  readRenames(entry, path, migration);
  migration.deletedClasses = readStringArray(entry, path, "deleted_classes");

  // Where each class is, for later messages about it (checkExports).
  auto note = [&](const char* list, std::size_t count, const char* suffix) {
    for (std::size_t i = 0; i < count; ++i) {
      std::string element = elementPath(memberPath(path, list), i);
      std::string at = suffix[0] ? memberPath(element, suffix) : element;
      config_.locations[element] = locate(positions_.valueOffset(at));
    }
  };
  note("new_sqlite_classes", migration.newSqliteClasses.size(), "");
  note("new_classes", migration.newClasses.size(), "");
  note("renamed_classes", migration.renamedClasses.size(), "to");
  note("deleted_classes", migration.deletedClasses.size(), "");
  config_.locations[memberPath(path, "tag")] =
      locate(positions_.valueOffset(memberPath(path, "tag")));
  return migration;
}

void ConfigReader::readRenames(const Json& entry, const std::string& path, Migration& migration) {
  const Json* renames =
      readArray(entry, path, "renamed_classes",
                "must be an array of { \"from\": \"OldName\", \"to\": \"NewName\" } objects");
  if (!renames) return;
  for (std::size_t i = 0; i < renames->size(); ++i) {
    const Json& rename = (*renames)[i];
    std::string renamePath = elementPath(memberPath(path, "renamed_classes"), i);
    if (!rename.is_object()) {
      error(positions_.valueOffset(renamePath), renamePath,
            "a rename must be an object, e.g. { \"from\": \"OldName\", \"to\": \"NewName\" }");
      migration.renamedClasses.emplace_back();
      continue;
    }
    noteIgnoredKeys(rename, renamePath, kRenameKeys);
    std::string from = readRequired(rename, renamePath, "from", "name the class's old name");
    std::string to = readRequired(rename, renamePath, "to", "name the class's new name");
    migration.renamedClasses.emplace_back(from, to);
  }
}

// ---- Checks across sections ---------------------------------------------------------------------

void ConfigReader::checkBindingName(const std::string& path, const std::string& name) {
  if (name.empty()) return;
  std::string key = path.rfind("services", 0) == 0 ? "binding" : "name";
  std::size_t offset = positions_.keyOffset(memberPath(path, key)).value_or(0);
  bindingNames_.push_back(BindingName{name, path, offset});

  // A binding is read as env.NAME, so it has to be an identifier.
  if (!isJsIdentifier(name)) {
    error(offset, path,
          inQuotes(name) +
              " is not a valid binding name; use a JavaScript identifier (letters, "
              "digits, _ and $, not starting with a digit), e.g. " +
              inQuotes(toJsIdentifier(name)));
  }
}

void ConfigReader::checkDuplicateBindings() {
  std::stable_sort(bindingNames_.begin(), bindingNames_.end(),
                   [](const BindingName& a, const BindingName& b) { return a.offset < b.offset; });
  std::map<std::string, const BindingName*> first;
  for (const BindingName& binding : bindingNames_) {
    auto [it, inserted] = first.emplace(binding.name, &binding);
    if (inserted) continue;
    error(binding.offset, binding.owner,
          "binding name " + inQuotes(binding.name) + " is already used by " + it->second->owner +
              "; give each binding its own name");
  }
}

void ConfigReader::checkDuplicateTags() {
  std::map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < config_.migrations.size(); ++i) {
    const std::string& tag = config_.migrations[i].tag;
    if (tag.empty()) continue;
    auto [it, inserted] = first.emplace(tag, i);
    if (inserted) continue;

    std::string path = elementPath("migrations", i);
    std::string suggestion = unusedTag(config_.migrations, i + 1);
    errorAtKey(path, "tag",
               "tag " + inQuotes(tag) + " is already used by " +
                   elementPath("migrations", it->second) +
                   "; give each migration a unique tag, e.g. " + inQuotes(suggestion));
  }
}

void ConfigReader::checkMigrationConflicts() {
  MigrationReplay replay = replayMigrations(config_.migrations);
  for (const MigrationConflict& conflict : replay.conflicts) {
    std::optional<std::size_t> offset = positions_.valueOffset(conflict.path);
    std::string exists = "class " + inQuotes(conflict.className) + " already exists (see " +
                         conflict.existingOrigin + ")";
    if (conflict.renamedFrom.empty()) {
      error(offset, conflict.path, exists + "; create each class once");
    } else {
      error(offset, conflict.path,
            "cannot rename " + inQuotes(conflict.renamedFrom) + " to " +
                inQuotes(conflict.className) + ": " + exists + "; pick a name not in use");
    }
  }
}

void ConfigReader::reportDuplicateKeys() {
  // nlohmann/json keeps the last value silently; say so rather than let an edit to the first one
  // appear to do nothing.
  for (const PositionIndex::DuplicateKey& duplicate : positions_.duplicateKeys()) {
    add(Severity::kWarning, duplicate.offset, duplicate.parent,
        inQuotes(duplicate.key) + " is set twice; the last value is used");
  }
}

void ConfigReader::reportIgnoredKeys() {
  if (ignoredKeys_.empty()) return;
  std::stable_sort(ignoredKeys_.begin(), ignoredKeys_.end(),
                   [](const IgnoredKey& a, const IgnoredKey& b) { return a.offset < b.offset; });

  std::string list;
  for (const IgnoredKey& key : ignoredKeys_) {
    if (!list.empty()) list += ", ";
    list += inQuotes(key.path);
    if (key.suggestion) list += " (did you mean " + inQuotes(*key.suggestion) + "?)";
  }
  const char* noun = ignoredKeys_.size() == 1 ? "key" : "keys";
  findings_.insert(findings_.begin(), Finding{Severity::kWarning, std::nullopt,
                                              config_.displayPath + ": warning: ignoring " + noun +
                                                  " dohost does not support: " + list});
}

// ---- The file system ----------------------------------------------------------------------------

void ConfigReader::checkMainFile() {
  if (!mainRead_) return;
  std::error_code error;
  fs::file_status status = fs::status(config_.main, error);
  std::string opening =
      "\"main\" is " + inQuotes(config_.mainAsWritten) + ", but " + config_.main.string();
  if (!fs::exists(status)) {
    bool relative = fs::path(config_.mainAsWritten).is_relative();
    errorAtKey("", "main",
               opening + " does not exist; fix the path" +
                   (relative ? ", which is relative to the config file's folder" : ""));
  } else if (!fs::is_regular_file(status)) {
    errorAtKey("", "main",
               opening + " is not a file; set it to the entry module, e.g. \"src/index.ts\"");
  }
}

LoadResult ConfigReader::finish() {
  reportIgnoredKeys();
  // In file order; findings about the whole file, which have no position, come first.
  std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
    if (!a.offset || !b.offset) return !a.offset && b.offset;
    return *a.offset < *b.offset;
  });

  LoadResult result;
  result.config = std::move(config_);
  for (Finding& finding : findings_) {
    result.diagnostics.push_back(Diagnostic{finding.severity, std::move(finding.message)});
  }
  return result;
}

// Reads the whole file; nullopt, with `reason` set, when it cannot.
std::optional<std::string> readFile(const fs::path& path, std::string& reason) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    reason = "it is a folder; pass the path of its wrangler.jsonc or wrangler.json";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    reason = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    reason = std::strerror(errno);
    return std::nullopt;
  }
  return text.str();
}

}  // namespace

// ================================================================================================
// Public interface

bool LoadResult::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(),
                      [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

LoadResult parseWorkerConfig(const std::string& text, const std::filesystem::path& path) {
  ConfigReader reader(text, path);
  reader.read();
  return reader.finish();
}

namespace {

// Why `path` cannot be a config, judged by its extension alone; empty when it may be one.
std::string notAConfig(const std::filesystem::path& path) {
  auto ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == ".toml") {
    return "TOML configs are not read by dohost; write the same settings as JSON in "
           "wrangler.jsonc (comments and trailing commas are fine) and pass that";
  }
  for (const char* script : {".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"}) {
    if (ext == script) {
      return "this is a script, not a config; pass the Worker's wrangler.jsonc or "
             "wrangler.json, whose \"main\" names the entry module";
    }
  }
  return {};
}

}  // namespace

LoadResult loadWorkerConfig(const std::filesystem::path& path) {
  std::string reason = notAConfig(path);
  std::optional<std::string> text;
  if (reason.empty()) text = readFile(path, reason);
  if (!text) {
    LoadResult result;
    result.config.displayPath = path.string();
    result.diagnostics.push_back(
        Diagnostic{Severity::kError, path.string() + ": cannot read the config: " + reason});
    return result;
  }

  ConfigReader reader(*text, path);
  reader.read();
  reader.checkMainFile();
  LoadResult result = reader.finish();
  // As wrangler dev does: the secrets beside the config join env, replacing vars.
  if (auto devVars = loadDevVars(result.config.configPath.parent_path())) {
    for (const auto& [key, value] : devVars->values) result.config.vars.erase(key);
    result.config.secrets = std::move(devVars->values);
    result.config.secretFiles = std::move(devVars->files);
  }
  return result;
}

std::optional<std::filesystem::path> findDefaultConfig(const std::filesystem::path& dir) {
  // wrangler looks for wrangler.json in the folder and its parents first, then wrangler.jsonc.
  for (const char* name : {"wrangler.json", "wrangler.jsonc"}) {
    if (auto found = findUpwards(dir, name)) return found;
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> findUpwards(const std::filesystem::path& dir,
                                                 const std::string& name) {
  std::error_code error;
  auto folder = std::filesystem::absolute(dir, error).lexically_normal();
  if (error) return std::nullopt;
  while (true) {
    auto candidate = folder / name;
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
    if (!folder.has_relative_path()) return std::nullopt;
    folder = folder.parent_path();
  }
}

std::optional<std::filesystem::path> configInFolder(const std::filesystem::path& dir) {
  for (const char* name : {"wrangler.json", "wrangler.jsonc"}) {
    std::error_code error;
    auto candidate = dir / name;
    if (std::filesystem::is_regular_file(candidate, error)) return candidate;
  }
  return std::nullopt;
}

}  // namespace dohost::config
