// ModuleLoader: plain ES module graphs from disk, or an esbuild bundle.
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "dohost/assert.h"
#include "dohost/bundle.h"
#include "dohost/log.h"

#ifndef DOHOST_ESBUILD_DEFAULT
#define DOHOST_ESBUILD_DEFAULT "esbuild"
#endif

namespace dohost::bundle {
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool isTypeScript(const fs::path& path) {
  auto ext = path.extension().string();
  return ext == ".ts" || ext == ".tsx" || ext == ".mts" || ext == ".cts" || ext == ".jsx";
}

// How a file becomes a module, by wrangler's default module rules.
enum class Kind { kJavaScript, kCommonJs, kTypeScript, kJson, kText, kData, kWasm };

// `rules` (extension -> "Text", "Data" or "CompiledWasm", from the config's "rules") come
// before the defaults, as wrangler applies a config's rules first.
Kind kindOf(const fs::path& path, const ModuleRules& rules = {}) {
  auto ext = path.extension().string();
  if (auto rule = rules.find(ext); rule != rules.end()) {
    if (rule->second == "Text") return Kind::kText;
    if (rule->second == "Data") return Kind::kData;
    if (rule->second == "CompiledWasm") return Kind::kWasm;
  }
  if (isTypeScript(path)) return Kind::kTypeScript;
  if (ext == ".cjs") return Kind::kCommonJs;
  if (ext == ".json") return Kind::kJson;
  if (ext == ".txt" || ext == ".html" || ext == ".sql") return Kind::kText;
  if (ext == ".bin") return Kind::kData;
  if (ext == ".wasm") return Kind::kWasm;
  return Kind::kJavaScript;
}

// CommonJS in a .js file: no import or export, but require() or exports.
bool looksLikeCommonJs(const std::string& code) {
  if (!scanImports(code).empty()) return false;
  if (code.find("export ") != std::string::npos) return false;
  return code.find("require(") != std::string::npos ||
         code.find("module.exports") != std::string::npos ||
         code.find("exports.") != std::string::npos;
}

bool isFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

// esbuild's resolution of a relative import, which wrangler uses: the
// file itself, else with one of esbuild's extensions, else a folder's
// package.json "main" or its index file.
std::optional<fs::path> resolveFile(const fs::path& path) {
  static const char* const kExtensions[] = {".tsx", ".ts", ".jsx", ".js", ".json", ".mjs"};
  if (isFile(path)) return path;
  for (const char* ext : kExtensions) {
    if (isFile(path.string() + ext)) return fs::path(path.string() + ext);
  }
  std::error_code error;
  if (!fs::is_directory(path, error)) return std::nullopt;
  if (isFile(path / "package.json")) {
    auto text = readFile(path / "package.json");
    auto key = text.find("\"main\"");
    if (key != std::string::npos) {
      auto open = text.find('"', text.find(':', key) + 1);
      auto close = open == std::string::npos ? open : text.find('"', open + 1);
      if (close != std::string::npos) {
        auto main = (path / text.substr(open + 1, close - open - 1)).lexically_normal();
        if (main != path) {
          if (auto found = resolveFile(main)) return found;
        }
      }
    }
  }
  for (const char* ext : kExtensions) {
    if (isFile(path / (std::string("index") + ext))) return path / (std::string("index") + ext);
  }
  return std::nullopt;
}

std::string base64(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= uint8_t(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// `text` as a JavaScript string literal.
std::string stringLiteral(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\x%02x", c);
          out += escape;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  // U+2028 and U+2029 end a line inside a literal in older engines.
  for (const char* separator : {"\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    for (size_t at = out.find(separator); at != std::string::npos; at = out.find(separator, at)) {
      out.replace(at, 3, separator[2] == '\xA8' ? "\\u2028" : "\\u2029");
    }
  }
  return out + "\"";
}

// The ES module that stands for a file of `kind` (JSON, Text, Data, CompiledWasm).
std::string moduleFor(Kind kind, const std::string& contents) {
  const std::string bytes =
      "Uint8Array.from(atob(\"" + base64(contents) + "\"), (c) => c.charCodeAt(0))";
  switch (kind) {
    case Kind::kJson:
      return "export default JSON.parse(" + stringLiteral(contents) + ");\n";
    case Kind::kText:
      return "export default " + stringLiteral(contents) + ";\n";
    case Kind::kData:
      return "export default " + bytes + ".buffer;\n";
    case Kind::kWasm:
      return "export default new WebAssembly.Module(" + bytes + ");\n";
    default:
      return contents;
  }
}

// esbuild options for the config's rules: Text inlined, Data and CompiledWasm kept external.
std::string ruleOptions(const ModuleRules& rules) {
  std::string options;
  for (const auto& [ext, type] : rules) {
    if (ext.size() < 2 ||
        ext.find_first_not_of(".abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
      continue;  // the config layer only passes plain extensions
    }
    options += type == "Text" ? " --loader:" + ext + "=text" : " --external:*" + ext;
  }
  return options;
}

bool isBuiltin(const std::string& specifier) {
  return specifier.rfind("cloudflare:", 0) == 0 || specifier.rfind("node:", 0) == 0;
}

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Whether `main`'s graph of relative imports reaches a bare specifier
// other than the runtime's `builtins`, TypeScript or CommonJS.
bool graphNeedsBundler(const fs::path& main,
                       const ModuleRules& rules,
                       const std::set<std::string>& builtins) {
  std::set<fs::path> seen;
  std::vector<fs::path> todo{main};
  while (!todo.empty()) {
    auto path = todo.back();
    todo.pop_back();
    if (!seen.insert(path).second) continue;
    auto kind = kindOf(path, rules);
    if (kind == Kind::kTypeScript || kind == Kind::kCommonJs) return true;
    if (kind != Kind::kJavaScript) continue;
    std::string code;
    try {
      code = readFile(path);
    } catch (const Error&) {
      continue;  // reported when V8 loads it
    }
    if (looksLikeCommonJs(code)) return true;
    for (const auto& specifier : scanImports(code)) {
      if (isBuiltin(specifier) || builtins.count(specifier)) continue;
      if (isBareSpecifier(specifier)) return true;
      auto target = specifier[0] == '/' ? fs::path(specifier) : path.parent_path() / specifier;
      if (auto found = resolveFile(target.lexically_normal())) todo.push_back(*found);
    }
  }
  return false;
}

}  // namespace

bool isBareSpecifier(const std::string& specifier) {
  if (specifier.empty()) return false;
  if (specifier[0] == '.' || specifier[0] == '/') return false;
  return specifier.find(':') == std::string::npos || specifier.rfind("@", 0) == 0;
}

std::vector<std::string> scanImports(const std::string& code) {
  std::vector<std::string> found;
  size_t i = 0;
  const size_t n = code.size();
  auto readString = [&](size_t start) -> std::pair<std::string, size_t> {
    char q = code[start];
    size_t j = start + 1;
    std::string out;
    while (j < n && code[j] != q && code[j] != '\n') {
      if (code[j] == '\\' && j + 1 < n) ++j;
      out.push_back(code[j++]);
    }
    return {out, j + 1};
  };
  auto isIdent = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  };
  // After `import` or `export`: find `from '...'`, `import '...'` or `import('...')`
  // before the statement ends.
  auto specifierAfter = [&](size_t j, bool allowBare) -> std::optional<std::string> {
    while (j < n && std::isspace(static_cast<unsigned char>(code[j]))) ++j;
    if (j < n && (code[j] == '"' || code[j] == '\'') && allowBare) return readString(j).first;
    if (j < n && code[j] == '(') {
      ++j;
      while (j < n && std::isspace(static_cast<unsigned char>(code[j]))) ++j;
      if (j < n && (code[j] == '"' || code[j] == '\'')) return readString(j).first;
      return std::nullopt;
    }
    for (size_t k = j; k < n && k < j + 4000; ++k) {
      char c = code[k];
      if (c == ';') return std::nullopt;
      if (c == '"' || c == '\'') {
        auto [text, next] = readString(k);
        size_t back = k;
        while (back > j && std::isspace(static_cast<unsigned char>(code[back - 1]))) --back;
        if (back >= j + 4 && code.compare(back - 4, 4, "from") == 0) return text;
        k = next - 1;
      }
    }
    return std::nullopt;
  };
  while (i < n) {
    char c = code[i];
    if (c == '/' && i + 1 < n && code[i + 1] == '/') {
      while (i < n && code[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && code[i + 1] == '*') {
      auto end = code.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
    } else if (c == '"' || c == '\'') {
      i = readString(i).second;
    } else if (c == '`') {
      ++i;
      while (i < n && code[i] != '`') i += code[i] == '\\' ? 2 : 1;
      ++i;
    } else if (isIdent(c)) {
      size_t start = i;
      while (i < n && isIdent(code[i])) ++i;
      bool boundary = start == 0 || !(isIdent(code[start - 1]) || code[start - 1] == '.');
      auto word = code.substr(start, i - start);
      if (boundary && (word == "import" || word == "export")) {
        if (auto spec = specifierAfter(i, word == "import")) found.push_back(*spec);
      }
    } else {
      ++i;
    }
  }
  return found;
}

fs::path esbuildPath() {
  if (const char* env = std::getenv("DOHOST_ESBUILD"); env && *env) return env;
  return DOHOST_ESBUILD_DEFAULT;
}

ModuleLoader::ModuleLoader(const fs::path& main,
                           const fs::path& workDir,
                           const std::vector<std::string>& builtins,
                           ModuleRules rules)
    : main_(fs::absolute(main).lexically_normal()), rules_(std::move(rules)) {
  if (!graphNeedsBundler(main_, rules_, std::set<std::string>(builtins.begin(), builtins.end()))) {
    return;
  }

  // The same esbuild settings wrangler uses for Workers.
  bundled_ = true;
  fs::create_directories(workDir);
  auto out = workDir / (main_.stem().string() + ".bundle.mjs");
  std::string command =
      quote(esbuildPath().string()) + " " + quote(main_.string()) +
      " --bundle --format=esm --target=es2022 --platform=neutral"
      " --conditions=workerd,worker,browser --main-fields=workerd,worker,browser,module,main"
      " --external:cloudflare:* --external:node:* --log-level=error --charset=utf8"
      // wrangler's default module rules: Text is inlined, Data and
      // CompiledWasm stay modules of their own (resolved from the metafile).
      " --loader:.txt=text --loader:.html=text --loader:.sql=text"
      " --external:*.bin --external:*.wasm --sourcemap=external --metafile=" +
      quote((workDir / "meta.json").string()) + " --outfile=" + quote(out.string()) +
      ruleOptions(rules_);
  for (const auto& name : builtins) command += " " + quote("--external:" + name);
  command += " 2>&1";
  log::debug("bundle", "running " + command);
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("cannot run esbuild: " + esbuildPath().string());
  std::array<char, 4096> buffer;
  while (size_t got = fread(buffer.data(), 1, buffer.size(), pipe))
    output.append(buffer.data(), got);
  int status = pclose(pipe);
  if (status != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      throw Error("cannot bundle " + main_.string() + ": esbuild not found at " +
                  esbuildPath().string() + "; run scripts/setup or set DOHOST_ESBUILD");
    }
    throw Error("cannot bundle " + main_.string() + ":\n" + output);
  }
  bundledCode_ = readFile(out);

  // esbuild leaves require() of an external module (a CommonJS package's
  // require("buffer")) to a global `require`, which Workers lack: give the
  // bundle one from node:module, on its first line so line numbers hold.
  if (!builtins.empty() && bundledCode_.find("Dynamic require of \"") != std::string::npos) {
    bundledCode_ =
        "import { createRequire as __dohostCreateRequire } from \"node:module\"; "
        "const require = __dohostCreateRequire(\"/\"); " +
        bundledCode_;
  }
  readExternals(workDir / "meta.json");
  readSourceMap(fs::path(out.string() + ".map"));
}

void ModuleLoader::readSourceMap(const fs::path& mapFile) {
  auto map = nlohmann::json::parse(readFile(mapFile), nullptr, false);
  if (!map.is_object() || !map["sources"].is_array() || !map["mappings"].is_string()) return;
  // Sources are relative to the map's folder; show them as the user would type them.
  auto cwd = fs::current_path();
  nlohmann::json sources = nlohmann::json::array();
  for (auto& source : map["sources"]) {
    auto absolute = (mapFile.parent_path() / source.get<std::string>()).lexically_normal();
    std::error_code error;
    auto relative = fs::relative(absolute, cwd, error);
    bool inside = !error && !relative.empty() && relative.string().rfind("..", 0) != 0;
    sources.push_back(inside ? relative.string() : absolute.string());
  }
  sourceMap_ = nlohmann::json{{"sources", sources}, {"mappings", map["mappings"]}}.dump();
}

void ModuleLoader::readExternals(const fs::path& metafile) {
  // The metafile lists each input's imports; esbuild leaves external ones
  // as written, so the specifier is mapped back to the file its importer meant.
  auto meta = nlohmann::json::parse(readFile(metafile), nullptr, false);
  if (!meta.is_object() || !meta["inputs"].is_object()) return;
  for (auto& [input, info] : meta["inputs"].items()) {
    if (!info["imports"].is_array()) continue;
    for (auto& entry : info["imports"]) {
      if (!entry.value("external", false) || !entry["path"].is_string()) continue;
      auto specifier = entry["path"].get<std::string>();
      if (isBuiltin(specifier) || isBareSpecifier(specifier)) continue;
      auto target = (fs::absolute(fs::path(input)).parent_path() / specifier).lexically_normal();
      auto [it, inserted] = externals_.emplace(specifier, target);
      if (!inserted && it->second != target) ambiguous_.insert(specifier);
    }
  }
}

Module ModuleLoader::main() {
  if (bundled_) return Module{main_.string(), bundledCode_, sourceMap_};
  if (!fs::exists(main_)) throw Error("main module " + main_.string() + " does not exist");
  return Module{main_.string(), readFile(main_)};
}

Module ModuleLoader::resolve(const std::string& specifier, const std::string& referrerPath) {
  if (bundled_) return resolveExternal(specifier);
  if (isBareSpecifier(specifier)) {
    throw Error("cannot resolve \"" + specifier + "\" imported by " + referrerPath);
  }
  fs::path base = fs::path(referrerPath).parent_path();
  fs::path path = specifier[0] == '/' ? fs::path(specifier) : (base / specifier);
  auto found = resolveFile(path.lexically_normal());
  if (!found) {
    throw Error("No such module \"" + specifier + "\" imported from " + referrerPath);
  }
  return Module{found->string(), moduleFor(kindOf(*found, rules_), readFile(*found))};
}

Module ModuleLoader::resolveExternal(const std::string& specifier) {
  auto it = externals_.find(specifier);
  if (it == externals_.end()) {
    throw Error("No such module \"" + specifier + "\" imported from " + main_.string());
  }
  if (ambiguous_.count(specifier)) {
    // TODO(compat): two Data or CompiledWasm imports written alike in different folders cannot
    // be told apart in the bundle; dohost refuses instead of guessing.
    throw Error("\"" + specifier + "\" names different files in different folders; dohost " +
                "cannot tell them apart in the bundle: give the files distinct names");
  }
  return Module{it->second.string(), moduleFor(kindOf(it->second, rules_), readFile(it->second))};
}

}  // namespace dohost::bundle
