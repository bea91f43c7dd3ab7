// Turns a Worker's `main` into modules V8 can load: plain ES modules read
// from disk as a graph, or, for TypeScript and bare npm imports, one ES
// module bundled by esbuild (as wrangler does).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace dohost::bundle {

struct Module {
  std::string path;  // absolute
  std::string code;
  // For a bundle: its source map as JSON, {"sources": [...], "mappings": "..."},
  // with each source as the user should see it (relative to the working folder).
  std::string sourceMap;
};

// The config's module rules dohost honours: file extension (".md") -> rule
// type ("Text", "Data" or "CompiledWasm").
using ModuleRules = std::map<std::string, std::string>;

class ModuleLoader {
 public:
  // Chooses the mode for `main`: esbuild when it is TypeScript or any module
  // of its graph imports a bare specifier, plain loading otherwise.
  // `workDir` holds esbuild's output. `builtins` are bare specifiers the
  // runtime provides (Node.js module names under nodejs_compat), left to it
  // like every `cloudflare:` and `node:` import; with any, a bundle that
  // require()s an external module gets a `require` from node:module.
  // `rules` are the config's module rules. Throws dohost::Error with
  // esbuild's own messages when bundling fails.
  ModuleLoader(const std::filesystem::path& main,
               const std::filesystem::path& workDir,
               const std::vector<std::string>& builtins = {},
               ModuleRules rules = {});

  Module main();

  // Resolves `specifier` imported by `referrerPath`. Throws dohost::Error
  // for a module that does not exist.
  Module resolve(const std::string& specifier, const std::string& referrerPath);

  bool bundled() const {
    return bundled_;
  }

 private:
  void readExternals(const std::filesystem::path& metafile);
  void readSourceMap(const std::filesystem::path& mapFile);
  Module resolveExternal(const std::string& specifier);

  std::filesystem::path main_;
  ModuleRules rules_;
  bool bundled_ = false;
  std::string bundledCode_;
  std::string sourceMap_;
  // Data and CompiledWasm imports the bundle keeps: specifier -> file.
  std::map<std::string, std::filesystem::path> externals_;
  std::set<std::string> ambiguous_;
};

// True for a specifier that names a package rather than a file.
bool isBareSpecifier(const std::string& specifier);

// The import specifiers of `code` (static imports and re-exports, and
// dynamic imports of string literals), found by a light scan that skips
// comments and strings. Used only to choose between the two modes.
std::vector<std::string> scanImports(const std::string& code);

// Path of the esbuild binary: $DOHOST_ESBUILD, else the one setup installed.
std::filesystem::path esbuildPath();

}  // namespace dohost::bundle
