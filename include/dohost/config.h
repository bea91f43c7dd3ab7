// The configuration of one Worker, read from wrangler.json or wrangler.jsonc,
// as plain values. Produced by dohost::config::loadWorkerConfig; every later
// layer reads these structs and never the JSON. The functions share no state
// and are safe to call from any thread.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dohost::config {

// A `durable_objects.bindings[]` entry.
struct DurableObjectBinding {
  std::string name;       // the env key, e.g. "MY_DURABLE_OBJECT"
  std::string className;  // "class_name"
  // "script_name": the Worker that defines the class; empty means this one.
  std::string scriptName;
  // Where the entry is, as the start of a message about it:
  // `wrangler.jsonc:9:7: durable_objects.bindings[0]` (the position of its "class_name").
  std::string where;
};

// A `services[]` entry: a service binding to another Worker.
struct ServiceBinding {
  std::string binding;     // the env key
  std::string service;     // the target Worker's name
  std::string entrypoint;  // empty means the default export
  // Where the entry is, as the start of a message: `wrangler.jsonc:20:5: services[0]`.
  std::string where;
};

// A `migrations[]` entry, in file order.
struct Migration {
  std::string tag;
  std::vector<std::string> newSqliteClasses;
  std::vector<std::string> newClasses;
  // {from, to} pairs of "renamed_classes".
  std::vector<std::pair<std::string, std::string>> renamedClasses;
  std::vector<std::string> deletedClasses;
};

// One Worker's configuration.
struct WorkerConfig {
  std::filesystem::path configPath;  // absolute path of the file read
  std::string displayPath;           // the path as given, e.g. "wrangler.jsonc"; for messages
  std::string name;                  // "name"; defaults to the folder's name
  std::filesystem::path main;        // "main", made absolute against the config's folder
  std::string mainAsWritten;         // "main" as the file spells it, e.g. "src/index.ts"
  std::string compatibilityDate;     // "compatibility_date", "" when absent
  std::vector<std::string> compatibilityFlags;
  // "vars": name -> the value as JSON text (strings keep their quotes), so
  // objects and numbers reach the Worker as the JSON values they are.
  std::map<std::string, std::string> vars;
  // Secrets from .dev.vars (else .env) beside the config: name -> value.
  // They replace vars of the same name; their values are never printed.
  std::map<std::string, std::string> secrets;
  std::vector<std::filesystem::path> secretFiles;  // the files they came from
  // "rules" dohost honours: file extension (".md") -> "Text", "Data" or "CompiledWasm".
  std::map<std::string, std::string> moduleRules;
  std::vector<DurableObjectBinding> durableObjects;
  std::vector<ServiceBinding> services;
  std::vector<Migration> migrations;
  // Where each class name of "migrations" is in the file, by its path: for messages about it.
  // "migrations[0].new_classes[1]" -> "wrangler.jsonc:9:30". Set by the loader.
  std::map<std::string, std::string> locations;
};

// Severity of one finding about a config file.
enum class Severity { kWarning, kError };

// One finding, already formatted for a person:
// `wrangler.jsonc:14:7: durable_objects.bindings[0]: "class_name" is missing; name the class`.
struct Diagnostic {
  Severity severity;
  std::string message;
};

// What loading produced: a config (complete when `ok()`), and every warning
// and error found, in file order. Loading never throws for bad input.
struct LoadResult {
  WorkerConfig config;
  std::vector<Diagnostic> diagnostics;

  bool ok() const;
};

// Reads and validates the config file at `path` (wrangler.json or
// wrangler.jsonc: JSON with comments and trailing commas). Messages name the
// file as `path` spells it. On top of parseWorkerConfig's checks, checks that
// "main" names an existing file. Checks that need the Worker's code (exported
// classes) are done by checkExports.
LoadResult loadWorkerConfig(const std::filesystem::path& path);

// The same from text, for tests: `path` is where the text claims to come from
// (messages name it as given; "main" is resolved against its folder). Does not
// touch the file system, so it does not check that "main" exists.
LoadResult parseWorkerConfig(const std::string& text, const std::filesystem::path& path);

// Finds the default config as wrangler does: wrangler.json in `dir` or the
// nearest parent that has one, else wrangler.jsonc the same way; nullopt
// when there is neither. wrangler.toml is not read by dohost.
std::optional<std::filesystem::path> findDefaultConfig(const std::filesystem::path& dir);

// `dir/name`, else the same in the nearest parent folder; nullopt if none.
std::optional<std::filesystem::path> findUpwards(const std::filesystem::path& dir,
                                                 const std::string& name);

// The config of a folder given on the command line: its wrangler.json,
// else its wrangler.jsonc (wrangler's order); nullopt when it has neither.
std::optional<std::filesystem::path> configInFolder(const std::filesystem::path& dir);

// Checks the config against the class names the Worker's main module
// exports: every binding without script_name (or whose script_name is this
// Worker's name) must name an exported class, and every such class must be
// created by a migration (and not deleted or renamed since). Returns the
// errors, in binding order; empty when all is well. `otherExports` (name ->
// typeof) are the exports that are not functions, so that a binding naming
// one is told it is not a class rather than not exported.
std::vector<Diagnostic> checkExports(const WorkerConfig& config,
                                     const std::vector<std::string>& exportedClasses,
                                     const std::map<std::string, std::string>& otherExports = {});

// A class the migrations leave in place, after every rename and deletion.
struct LiveClass {
  std::string name;
  bool sqlite = false;   // new_sqlite_classes (else new_classes: key-value storage only)
  std::string identity;  // see classIdentity()
};

// Every class the migrations leave in place, by name.
std::vector<LiveClass> liveClasses(const WorkerConfig& config);

// The identity of class `className`'s namespace, which its object IDs derive from: the name it
// was first created under, so that renamed_classes keep its IDs (and so its data); a name
// created again after its class was deleted or renamed away gets a new identity,
// "Name@tag". `className` itself when the migrations do not create it.
std::string classIdentity(const WorkerConfig& config, const std::string& className);

// Whether `className` is a SQLite-backed class by the config's migrations
// (new_sqlite_classes, following renamed_classes in migration order; false
// once deleted, and false for new_classes, which are key-value backed).
bool isSqliteClass(const WorkerConfig& config, const std::string& className);

}  // namespace dohost::config
