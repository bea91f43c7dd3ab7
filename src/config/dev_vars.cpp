// .dev.vars and .env files: the secrets `wrangler dev` adds to env, parsed
// by dotenv's rules (KEY=VALUE lines, quotes, comments, `export`).
#include "dev_vars.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dohost::config {
namespace {

bool isKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool isSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Whether only blanks or a # comment follow `at` up to the end of its line.
bool restOfLineIsEmpty(const std::string& text, size_t at) {
  while (at < text.size() && text[at] != '\n') {
    if (text[at] == '#') return true;
    if (!isSpace(text[at])) return false;
    ++at;
  }
  return true;
}

// The end (just past the closing quote) of a quoted value starting at `open`,
// or npos when it is not closed: the quote that only blanks or a comment follow.
size_t closingQuote(const std::string& text, size_t open) {
  char quote = text[open];
  size_t found = std::string::npos;
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == quote) {
      ++i;
      continue;
    }
    if (text[i] == quote && restOfLineIsEmpty(text, i + 1)) {
      found = i + 1;
      // dotenv's pattern is greedy: a later closing quote on the same line wins.
      size_t lineEnd = text.find('\n', i);
      for (size_t j = i + 1; j < text.size() && j < lineEnd; ++j) {
        if (text[j] == quote && restOfLineIsEmpty(text, j + 1)) found = j + 1;
      }
      return found;
    }
  }
  return found;
}

std::string trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && isSpace(text[begin])) ++begin;
  while (end > begin && isSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::map<std::string, std::string> parseDevVars(std::string text) {
  replaceAll(text, "\r\n", "\n");
  replaceAll(text, "\r", "\n");
  std::map<std::string, std::string> vars;
  size_t i = 0;
  const size_t n = text.size();
  auto skipLine = [&] {
    size_t end = text.find('\n', i);
    i = end == std::string::npos ? n : end + 1;
  };
  while (i < n) {
    while (i < n && isSpace(text[i])) ++i;
    if (i >= n) break;
    if (text.compare(i, 6, "export") == 0 && i + 6 < n && isSpace(text[i + 6])) {
      i += 6;
      while (i < n && isSpace(text[i]) && text[i] != '\n') ++i;
    }
    size_t keyStart = i;
    while (i < n && isKeyChar(text[i])) ++i;
    if (i == keyStart) {
      skipLine();
      continue;
    }
    std::string key = text.substr(keyStart, i - keyStart);
    size_t afterKey = i;
    while (i < n && text[i] != '\n' && isSpace(text[i])) ++i;
    if (i < n && text[i] == '=') {
      ++i;
    } else if (i == afterKey && i + 1 < n && text[i] == ':' && isSpace(text[i + 1])) {
      i += 2;
    } else {
      skipLine();
      continue;
    }
    while (i < n && text[i] != '\n' && isSpace(text[i])) ++i;

    std::string value;
    if (i < n && (text[i] == '"' || text[i] == '\'' || text[i] == '`')) {
      char quote = text[i];
      size_t end = closingQuote(text, i);
      if (end != std::string::npos) {
        value = text.substr(i + 1, end - i - 2);
        if (quote == '"') {
          replaceAll(value, "\\n", "\n");
          replaceAll(value, "\\r", "\r");
        }
        i = end;
        vars[key] = value;
        skipLine();
        continue;
      }
    }
    size_t valueStart = i;
    while (i < n && text[i] != '\n' && text[i] != '#') ++i;
    vars[key] = trim(text.substr(valueStart, i - valueStart));
    skipLine();
  }
  return vars;
}

std::optional<DevVars> loadDevVars(const std::filesystem::path& configDir) {
  auto read = [](const std::filesystem::path& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  if (auto text = read(configDir / ".dev.vars")) {
    return DevVars{{configDir / ".dev.vars"}, parseDevVars(*text)};
  }
  // Without .dev.vars, wrangler reads .env then .env.local, later files winning.
  const char* fromDotEnv = std::getenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV");
  if (fromDotEnv && std::string(fromDotEnv) == "false") return std::nullopt;
  std::optional<DevVars> result;
  for (const char* name : {".env", ".env.local"}) {
    auto text = read(configDir / name);
    if (!text) continue;
    if (!result) result.emplace();
    result->files.push_back(configDir / name);
    for (auto& [key, value] : parseDevVars(*text)) result->values[key] = value;
  }
  return result;
}

}  // namespace dohost::config
