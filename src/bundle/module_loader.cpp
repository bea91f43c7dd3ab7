// ModuleLoader: plain ES module graphs from disk, or an esbuild bundle.
#include <sys/wait.h>

#include <array>
#include <cctype>
#include <optional>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

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
// other than the runtime's `builtins`.
bool graphNeedsBundler(const fs::path& main, const std::set<std::string>& builtins) {
  std::set<fs::path> seen;
  std::vector<fs::path> todo{main};
  while (!todo.empty()) {
    auto path = todo.back();
    todo.pop_back();
    if (!seen.insert(path).second) continue;
    if (isTypeScript(path)) return true;
    std::string code;
    try {
      code = readFile(path);
    } catch (const Error&) {
      continue;  // reported when V8 loads it
    }
    for (const auto& specifier : scanImports(code)) {
      if (isBuiltin(specifier) || builtins.count(specifier)) continue;
      if (isBareSpecifier(specifier)) return true;
      todo.push_back((path.parent_path() / specifier).lexically_normal());
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
                           const std::vector<std::string>& builtins)
    : main_(fs::absolute(main).lexically_normal()) {
  if (!graphNeedsBundler(main_, std::set<std::string>(builtins.begin(), builtins.end()))) return;

  // The same esbuild settings wrangler uses for Workers.
  bundled_ = true;
  fs::create_directories(workDir);
  auto out = workDir / (main_.stem().string() + ".bundle.mjs");
  std::string command =
      quote(esbuildPath().string()) + " " + quote(main_.string()) +
      " --bundle --format=esm --target=es2022 --platform=neutral"
      " --conditions=workerd,worker,browser --main-fields=workerd,worker,browser,module,main"
      " --external:cloudflare:* --external:node:* --log-level=error --charset=utf8"
      " --outfile=" +
      quote(out.string());
  for (const auto& name : builtins) command += " " + quote("--external:" + name);
  command += " 2>&1";
  log::debug("bundle", "running " + command);
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("cannot run esbuild: " + esbuildPath().string());
  std::array<char, 4096> buffer;
  while (size_t got = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), got);
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
}

Module ModuleLoader::main() {
  if (bundled_) return Module{main_.string(), bundledCode_};
  if (!fs::exists(main_)) throw Error("main module " + main_.string() + " does not exist");
  return Module{main_.string(), readFile(main_)};
}

Module ModuleLoader::resolve(const std::string& specifier, const std::string& referrerPath) {
  if (isBareSpecifier(specifier)) {
    throw Error("cannot resolve \"" + specifier + "\" imported by " + referrerPath);
  }
  fs::path base = fs::path(referrerPath).parent_path();
  fs::path path = specifier[0] == '/' ? fs::path(specifier) : (base / specifier);
  path = path.lexically_normal();
  if (!fs::exists(path)) {
    throw Error("No such module \"" + specifier + "\" imported from " + referrerPath);
  }
  return Module{path.string(), readFile(path)};
}

}  // namespace dohost::bundle
