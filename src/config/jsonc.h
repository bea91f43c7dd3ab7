// JSONC support for the config loader: the trailing-comma pre-pass, byte offset to line:column,
// and an index of where each key and value of a document starts, so messages can point at them.
// nlohmann/json does the real parsing; nothing here decides whether a document is valid.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dohost::config {

// Returns `text` with every trailing comma (one whose next token, past whitespace and comments,
// is `}` or `]`, and which follows a value) replaced by a space. Every other byte is kept, so
// offsets, lines and columns stay true. Commas inside strings and comments are left alone, and
// so is `[,]`, which stays an error as it is for wrangler. Never fails: malformed input is
// passed through for the parser to report.
std::string stripTrailingCommas(std::string_view text);

// A 1-based position in a text. The column counts characters (UTF-8 code points), as editors do.
struct TextPosition {
  int line = 1;
  int column = 1;
};

// Maps byte offsets of one text to lines and columns. Borrows the text, which must outlive it.
class LineMap {
 public:
  explicit LineMap(std::string_view text);

  // The position of the byte at `offset`; an offset past the end is the end of the text.
  TextPosition at(std::size_t offset) const;

 private:
  std::string_view text_;
  std::vector<std::size_t> lineStarts_;
};

// The path of a member or element, as messages show it: "durable_objects.bindings[0].name".
// The document itself is "".
std::string memberPath(const std::string& parent, const std::string& key);
std::string elementPath(const std::string& parent, std::size_t index);

// Where each member and element of a JSONC document starts, by path.
class PositionIndex {
 public:
  // Scans `text`, which nlohmann/json has already parsed (comments allowed, trailing commas
  // stripped). Values nested deeper than a config ever goes are skipped, not indexed. When a key
  // repeats in an object the last one wins, as it does in nlohmann/json.
  static PositionIndex scan(std::string_view text);

  // The offset of the key of the member at `path`, or of the value for an array element or the
  // document; nullopt when the path is not in the document.
  std::optional<std::size_t> keyOffset(const std::string& path) const;

  // The offset of the value at `path` (its first byte, e.g. `{`).
  std::optional<std::size_t> valueOffset(const std::string& path) const;

  // A key given twice in one object: the object's path, the key, and where it repeats.
  struct DuplicateKey {
    std::string parent;
    std::string key;
    std::size_t offset = 0;
  };

  // Each repeated key, in file order.
  const std::vector<DuplicateKey>& duplicateKeys() const {
    return duplicateKeys_;
  }

 private:
  friend class JsoncScanner;

  struct Span {
    std::optional<std::size_t> key;
    std::size_t value = 0;
  };

  std::unordered_map<std::string, Span> spans_;
  std::vector<DuplicateKey> duplicateKeys_;
};

// The offset of the first `{` or `[` nested more than `maxDepth` deep, if any. nlohmann/json
// recurses per level when it builds and frees values, so very deep input would overflow the stack.
std::optional<std::size_t> findDeepNesting(std::string_view text, int maxDepth);

// Whether `text` holds nothing but whitespace and comments.
bool isBlank(std::string_view text);

// The offset of the `/*` of a block comment that is never closed, if there is one: nlohmann/json
// reports the end of the text, which does not help find it.
std::optional<std::size_t> findUnclosedComment(std::string_view text);

// The offset where the token containing `offset` starts, for error positions: nlohmann/json
// reports the last byte it read, which for "unexpected string literal" is the literal's end.
// Returns `offset` itself when it is not inside a token.
std::size_t tokenStartAt(std::string_view text, std::size_t offset);

}  // namespace dohost::config
