// The JSONC helpers behind the loader's messages: trailing commas, line:column, key positions.
// Everything here tolerates malformed input, since it also runs over text nlohmann/json rejects.
#include "jsonc.h"

#include <algorithm>
#include <cstdint>
#include <unordered_set>

namespace dohost::config {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Values nested deeper than this are skipped by the index: config keys live at depth 4 at most,
// and a recursive scan must not overflow the stack on hostile input.
constexpr int kMaxIndexedDepth = 32;

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isDelimiter(char c) {
  return isSpace(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' ||
         c == '"' || c == '/';
}

// The offset just past the string starting at `i` (a `"`), or the end of an unterminated one.
std::size_t skipString(std::string_view text, std::size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

bool startsComment(std::string_view text, std::size_t i) {
  return text[i] == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*');
}

// The offset just past the comment starting at `i`; `//` comments end before their newline.
std::size_t skipComment(std::string_view text, std::size_t i) {
  if (text[i + 1] == '/') {
    std::size_t end = text.find('\n', i);
    return end == std::string_view::npos ? text.size() : end;
  }
  std::size_t end = text.find("*/", i + 2);
  return end == std::string_view::npos ? text.size() : end + 2;
}

std::size_t skipSpaceAndComments(std::string_view text, std::size_t i) {
  while (i < text.size()) {
    if (isSpace(text[i])) {
      ++i;
    } else if (startsComment(text, i)) {
      i = skipComment(text, i);
    } else {
      break;
    }
  }
  return i;
}

// Appends code point `cp` as UTF-8; lone surrogates become U+FFFD, as nlohmann/json would reject
// them anyway (this only runs on text it accepted).
void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<std::uint32_t> readHex4(std::string_view text, std::size_t i) {
  if (i + 4 > text.size()) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    char c = text[k];
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      value |= static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      value |= static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return value;
}

}  // namespace

// ================================================================================================
// Trailing commas

std::string stripTrailingCommas(std::string_view text) {
  std::string out(text);
  // The last byte of a token seen, so that `[,]` and `[1,,]` keep their comma and stay errors.
  char previous = '\0';
  std::size_t i = 0;
  while (i < out.size()) {
    char c = out[i];
    if (isSpace(c)) {
      ++i;
    } else if (startsComment(out, i)) {
      i = skipComment(out, i);
    } else if (c == '"') {
      i = skipString(out, i);
      previous = '"';
    } else {
      if (c == ',' && previous != ',' && previous != '[' && previous != '{' && previous != '\0') {
        std::size_t next = skipSpaceAndComments(out, i + 1);
        if (next < out.size() && (out[next] == '}' || out[next] == ']')) {
          out[i] = ' ';
          c = previous;
        }
      }
      previous = c;
      ++i;
    }
  }
  return out;
}

// ================================================================================================
// Lines and columns

LineMap::LineMap(std::string_view text) : text_(text) {
  lineStarts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') lineStarts_.push_back(i + 1);
  }
}

TextPosition LineMap::at(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  auto next = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  std::size_t line = static_cast<std::size_t>(next - lineStarts_.begin());
  std::size_t start = lineStarts_[line - 1];
  // An editor shows no column for a byte order mark.
  if (start == 0 && text_.substr(0, kBom.size()) == kBom && offset >= kBom.size()) {
    start = kBom.size();
  }

  int column = 1;
  for (std::size_t i = start; i < offset; ++i) {
    auto byte = static_cast<unsigned char>(text_[i]);
    if ((byte & 0xC0) != 0x80) ++column;
  }
  return TextPosition{static_cast<int>(line), column};
}

// ================================================================================================
// Paths and the position index

std::string memberPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string elementPath(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// A recursive scan of a document nlohmann/json accepted. It checks bounds everywhere but not
// grammar: on text that is not valid JSONC it records nonsense, never reads out of range.
class JsoncScanner {
 public:
  JsoncScanner(std::string_view text, PositionIndex& index) : text_(text), index_(index) {}

  void run() {
    if (text_.substr(0, kBom.size()) == kBom) i_ = kBom.size();
    skipSpace();
    index_.spans_[""].value = i_;
    value("", 0);
  }

 private:
  void skipSpace() {
    i_ = skipSpaceAndComments(text_, i_);
  }

  bool atEnd() const {
    return i_ >= text_.size();
  }

  void value(const std::string& path, int depth) {
    if (atEnd()) return;
    if (depth > kMaxIndexedDepth && (text_[i_] == '{' || text_[i_] == '[')) {
      skipNested();
    } else if (text_[i_] == '{') {
      object(path, depth);
    } else if (text_[i_] == '[') {
      array(path, depth);
    } else if (text_[i_] == '"') {
      i_ = skipString(text_, i_);
    } else {
      while (!atEnd() && !isDelimiter(text_[i_])) ++i_;
    }
  }

  void object(const std::string& path, int depth) {
    std::unordered_set<std::string> seen;
    ++i_;
    skipSpace();
    while (!atEnd() && text_[i_] == '"') {
      std::size_t keyOffset = i_;
      std::string key = readString();
      std::string child = memberPath(path, key);
      if (!seen.insert(key).second) {
        index_.duplicateKeys_.push_back(PositionIndex::DuplicateKey{path, key, keyOffset});
      }

      skipSpace();
      if (!atEnd() && text_[i_] == ':') ++i_;
      skipSpace();
      index_.spans_[child] = PositionIndex::Span{keyOffset, i_};
      value(child, depth + 1);

      skipSpace();
      if (atEnd() || text_[i_] != ',') break;
      ++i_;
      skipSpace();
    }
    if (!atEnd() && text_[i_] == '}') ++i_;
  }

  void array(const std::string& path, int depth) {
    ++i_;
    skipSpace();
    for (std::size_t index = 0; !atEnd() && text_[i_] != ']'; ++index) {
      std::string child = elementPath(path, index);
      index_.spans_[child] = PositionIndex::Span{std::nullopt, i_};
      std::size_t before = i_;
      value(child, depth + 1);

      skipSpace();
      if (atEnd() || text_[i_] != ',' || i_ == before) break;
      ++i_;
      skipSpace();
    }
    if (!atEnd() && text_[i_] == ']') ++i_;
  }

  // Skips a deeply nested value by counting brackets, without recursion.
  void skipNested() {
    int open = 0;
    while (!atEnd()) {
      char c = text_[i_];
      if (c == '"') {
        i_ = skipString(text_, i_);
        continue;
      }
      if (startsComment(text_, i_)) {
        i_ = skipComment(text_, i_);
        continue;
      }
      ++i_;
      if (c == '{' || c == '[') ++open;
      if ((c == '}' || c == ']') && --open == 0) return;
    }
  }

  // Reads the string at i_ and decodes its escapes, so keys match nlohmann/json's.
  std::string readString() {
    std::string out;
    std::size_t end = skipString(text_, i_);
    for (std::size_t k = i_ + 1; k < end; ++k) {
      char c = text_[k];
      if (c == '"' && k + 1 == end) break;
      if (c != '\\' || k + 1 >= end) {
        out += c;
        continue;
      }
      char escaped = text_[++k];
      switch (escaped) {
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          k = readUnicodeEscape(k, out);
          break;
        default:
          out += escaped;
          break;
      }
    }
    i_ = end;
    return out;
  }

  // Decodes the \uXXXX (or surrogate pair) whose `u` is at `k`; returns the offset of its last
  // byte.
  std::size_t readUnicodeEscape(std::size_t k, std::string& out) {
    std::optional<std::uint32_t> high = readHex4(text_, k + 1);
    if (!high) return k;
    k += 4;
    std::uint32_t cp = *high;
    if (cp >= 0xD800 && cp <= 0xDBFF && k + 2 < text_.size() && text_[k + 1] == '\\' &&
        text_[k + 2] == 'u') {
      std::optional<std::uint32_t> low = readHex4(text_, k + 3);
      if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
        k += 6;
      }
    }
    appendUtf8(out, cp);
    return k;
  }

  std::string_view text_;
  PositionIndex& index_;
  std::size_t i_ = 0;
};

PositionIndex PositionIndex::scan(std::string_view text) {
  PositionIndex index;
  JsoncScanner(text, index).run();
  return index;
}

std::optional<std::size_t> PositionIndex::keyOffset(const std::string& path) const {
  auto it = spans_.find(path);
  if (it == spans_.end()) return std::nullopt;
  return it->second.key ? it->second.key : it->second.value;
}

std::optional<std::size_t> PositionIndex::valueOffset(const std::string& path) const {
  auto it = spans_.find(path);
  if (it == spans_.end()) return std::nullopt;
  return it->second.value;
}

// ================================================================================================
// Token starts

std::optional<std::size_t> findDeepNesting(std::string_view text, int maxDepth) {
  int depth = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      i = skipString(text, i);
      continue;
    }
    if (startsComment(text, i)) {
      i = skipComment(text, i);
      continue;
    }
    if ((c == '{' || c == '[') && ++depth > maxDepth) return i;
    if ((c == '}' || c == ']') && depth > 0) --depth;
    ++i;
  }
  return std::nullopt;
}

bool isBlank(std::string_view text) {
  std::size_t i = text.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
  while (i < text.size()) {
    if (isSpace(text[i])) {
      ++i;
    } else if (startsComment(text, i)) {
      // An unclosed comment is a syntax error, not an empty file.
      if (text[i + 1] == '*' && text.find("*/", i + 2) == std::string_view::npos) return false;
      i = skipComment(text, i);
    } else {
      return false;
    }
  }
  return true;
}

std::optional<std::size_t> findUnclosedComment(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      i = skipString(text, i);
    } else if (startsComment(text, i)) {
      if (text[i + 1] == '*' && text.find("*/", i + 2) == std::string_view::npos) return i;
      i = skipComment(text, i);
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

std::size_t tokenStartAt(std::string_view text, std::size_t offset) {
  std::size_t i = 0;
  while (i < text.size() && i <= offset) {
    std::size_t start = i;
    if (isSpace(text[i])) {
      ++i;
      continue;
    }
    if (startsComment(text, i)) {
      i = skipComment(text, i);
      continue;
    }
    if (text[i] == '"') {
      i = skipString(text, i);
    } else if (isDelimiter(text[i])) {
      ++i;
    } else {
      while (i < text.size() && !isDelimiter(text[i])) ++i;
    }
    if (offset < i) return start;
  }
  return offset;
}

}  // namespace dohost::config
